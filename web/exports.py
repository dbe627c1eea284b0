"""`GET /exports/{session}.{fmt}` (SPEC §6): the same files as `shurakum export`, for a
signed-in moderator or staff member (the console's cookie).

The file is written by the exports' renderers in a worker thread with its own database
connection (`ReportService.export_detached`), so the server keeps serving meanwhile, into a
temporary file that is then streamed in chunks and removed. Viewers appear as pseudonyms
(names are for admins at the command line and in Telegram).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiohttp import web

from domain.errors import DomainError, NotFound, PermissionDenied
from domain.reports import file_name
from locales import plain, translator
from web.app import SERVICES
from web.security import require

CHUNK = 256 * 1024
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",  # one CSV file per table, zipped
    "json": "application/json",
    "pdf": "application/pdf",
}


async def download(request: web.Request) -> web.StreamResponse:
    staffer = await require(request)
    session_id = int(request.match_info["session"])
    fmt = request.match_info["fmt"]
    tr = translator(staffer.language)
    reports = request.app[SERVICES].reports
    with tempfile.TemporaryDirectory(prefix="shurakum-web-export-") as folder:
        path = Path(folder) / file_name(session_id, fmt if fmt in TYPES else "json")
        try:
            await reports.export_detached(session_id, fmt, path, actor=staffer.user_id)
        except DomainError as error:
            if isinstance(error, PermissionDenied):
                status = 403
            elif isinstance(error, NotFound) or error.key == "export.bad_format":
                status = 404
            else:
                status = 409  # nothing to export yet
            text = plain(tr.t(error.key, **error.params))
            return web.Response(status=status, text=text, headers={"Cache-Control": "no-store"})
        response = web.StreamResponse(
            headers={
                "Content-Type": TYPES[fmt],
                "Content-Disposition": f'attachment; filename="{path.name}"',
                "Content-Length": str(path.stat().st_size),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        await response.prepare(request)
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                await response.write(chunk)
        await response.write_eof()
        return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/exports/{session:[0-9]{1,9}}.{fmt:[a-z]{1,8}}", download)
