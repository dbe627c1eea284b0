"""Exports and the management report (issue 6): read a session from the database and drive a
renderer of exports/ (XLSX, CSV, JSON, PDF).

Everything is read inside one read-only snapshot (`Database.snapshot`): the figures and the
rows agree, and no writer waits for an export. Rows are streamed in batches into the
renderer, which writes them out at once, so memory stays flat as a session grows. Viewers
appear as stable pseudonyms per session (domain.report_data.Pseudonyms) unless names are
asked for; anonymous questions stay anonymous either way.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, NotFound
from domain.report_data import DateRange, Pseudonyms, Scope, check_format, labels
from domain.report_rows import RowWriter
from domain.report_summary import summarise
from domain.roles import Capability, Role, RoleService
from exports.model import ReportHead, Writer
from storage import queries
from storage import reports as q
from storage.database import Database
from storage.types import utcnow

KEY_NAME = "pseudonyms"  # the app_secrets row that keys the pseudonyms
Output = Path | IO[bytes]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 100


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class ExportResult:
    format: str
    sessions: tuple[int, ...]
    rows: int


def open_writer(fmt: str, out: Output) -> Writer:
    """The renderer of a format, imported when first needed (the PDF's libraries are large:
    an XLSX export should not carry them)."""
    if fmt == "xlsx":
        from exports.xlsx import XlsxWriter

        return XlsxWriter(out)
    if fmt == "csv":
        from exports.csv_files import CsvWriter

        return CsvWriter(out)
    if fmt == "json":
        from exports.json_stream import JsonWriter

        return JsonWriter(out)
    from exports.pdf import PdfWriter

    return PdfWriter(out)


def file_name(scope: Scope, fmt: str) -> str:
    """The suggested file name: session-12.xlsx, session-12.zip (CSV), sessions-…-….pdf."""
    extension = "zip" if fmt == "csv" else fmt
    if isinstance(scope, DateRange):
        return f"sessions-{scope.start.isoformat()}-{scope.end.isoformat()}.{extension}"
    return f"session-{scope}.{extension}"


class ReportService:
    def __init__(
        self,
        db: Database,
        roles: RoleService,
        *,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._roles = roles
        self.zone = zone
        self.clock = clock

    async def authorize(self, actor: int | None, fmt: str, *, include_names: bool) -> str:
        """The format, checked; `actor` None is the operator at the command line. Names of
        viewers only for admins; every refusal is audited."""
        value = check_format(fmt)
        if actor is not None:
            await self._roles.authorize(actor, Capability.EXPORT, f"export.{value}")
            if include_names and await self._roles.role_of(actor) is not Role.ADMIN:
                await self._roles.authorize(actor, Capability.MANAGE_ROLES, "export.names")
        return value

    async def export(
        self,
        scope: Scope,
        fmt: str,
        out: Output,
        *,
        include_names: bool = False,
        progress: ProgressCallback | None = None,
        actor: int | None = None,
    ) -> ExportResult:
        """Write one session (or the sessions of a date range) to `out` as `fmt`."""
        value = await self.authorize(actor, fmt, include_names=include_names)
        result = await self._write(scope, value, out, include_names, progress)
        await self._audit(actor, scope, result, include_names)
        return result

    async def export_detached(
        self,
        scope: Scope,
        fmt: str,
        out: Output,
        *,
        include_names: bool = False,
        progress: ProgressCallback | None = None,
        actor: int | None = None,
    ) -> ExportResult:
        """The same, in a worker thread with its own event loop and database connection, so
        the caller's loop (the bot's polling, the web server) keeps running. `progress` is
        then called from that thread."""
        value = await self.authorize(actor, fmt, include_names=include_names)
        url = self._db.engine.url.render_as_string(hide_password=False)

        async def work() -> ExportResult:
            db = Database(url)
            try:
                worker = ReportService(db, self._roles, zone=self.zone, clock=self.clock)
                return await worker._write(scope, value, out, include_names, progress)
            finally:
                await db.dispose()

        result = await asyncio.to_thread(asyncio.run, work())
        await self._audit(actor, scope, result, include_names)
        return result

    async def _audit(
        self, actor: int | None, scope: Scope, result: ExportResult, names: bool
    ) -> None:
        target = (
            f"sessions:{scope.start.isoformat()}..{scope.end.isoformat()}"
            if isinstance(scope, DateRange)
            else f"session:{scope}"
        )
        async with self._db.transaction() as db:
            queries.add_audit(
                db, actor_id=actor, action="export", target=target,
                detail=f"{result.format}{' names' if names else ''} rows={result.rows}",
            )  # fmt: skip

    async def _secret(self) -> str:
        async with self._db.transaction() as db:
            return await q.secret(db, KEY_NAME, lambda: secrets.token_hex(32))

    async def _sessions(self, db: AsyncSession, scope: Scope) -> list[int]:
        if isinstance(scope, DateRange):
            if scope.end < scope.start:
                raise DomainError("export.bad_range")
            start = datetime.combine(scope.start, datetime.min.time(), self.zone)
            end = datetime.combine(scope.end + timedelta(days=1), datetime.min.time(), self.zone)
            found = list(await q.sessions_between(db, start, end))
            if not found:
                raise DomainError(
                    "export.no_sessions", start=scope.start.isoformat(), end=scope.end.isoformat()
                )
            return found
        if not await q.session_exists(db, scope):
            raise NotFound("session.not_found", session_id=str(scope))
        return [scope]

    async def _write(
        self,
        scope: Scope,
        fmt: str,
        out: Output,
        names: bool,
        progress: ProgressCallback | None,
    ) -> ExportResult:
        return await self.render(
            scope, open_writer(fmt, out), include_names=names, progress=progress, fmt=fmt
        )

    async def render(
        self,
        scope: Scope,
        writer: Writer,
        *,
        include_names: bool = False,
        progress: ProgressCallback | None = None,
        fmt: str = "",
    ) -> ExportResult:
        """Drive any renderer (exports.model.Writer) with the scope's report; no checks of
        who asks (see `export`). The writer is closed, or aborted on any error."""
        pseudonyms = Pseudonyms(await self._secret())
        try:
            async with self._db.snapshot() as db:
                active, total = await self._active(db, scope, include_names)
                summaries = [await summarise(db, s) for s in active]
                head = ReportHead(
                    generated_at=self.clock(),
                    zone=str(self.zone.key),
                    names=include_names,
                    sessions=tuple(summaries),
                    labels=labels(),
                    period=(scope.start, scope.end) if isinstance(scope, DateRange) else None,
                )
                rows = RowWriter(
                    db, writer, pseudonyms, self.zone, names=include_names,
                    admin_ids=tuple(self._roles.admin_ids), progress=_reporter(progress, total),
                )  # fmt: skip
                writer.begin(head)
                if writer.wants_rows:
                    await rows.write_tables(summaries)
                writer.close()
        except BaseException:
            writer.abort()
            raise
        if progress is not None:
            progress(Progress(total, total))
        return ExportResult(fmt, tuple(active), rows.count)

    async def _active(self, db: AsyncSession, scope: Scope, names: bool) -> tuple[list[int], int]:
        """The scope's sessions with something to export, and how many rows that is; refuses
        an empty scope, and names where every viewer is anonymous."""
        active, total = [], 0
        for session_id in await self._sessions(db, scope):
            questions, answers = await q.activity(db, session_id)
            if questions or answers:
                active.append(session_id)
                total += questions + answers + await q.moderation_count(db, session_id)
        if not active and isinstance(scope, DateRange):
            start, end = scope.start.isoformat(), scope.end.isoformat()
            raise DomainError("export.empty_range", start=start, end=end)
        if not active:
            raise DomainError("export.empty", session_id=str(scope))
        if names and not any([await q.has_identified_viewer(db, s) for s in active]):
            raise DomainError("export.only_anonymous")
        return active, total


def _reporter(progress: ProgressCallback | None, total: int) -> Callable[[int], None]:
    def report(done: int) -> None:
        if progress is not None:
            progress(Progress(min(done, total), total))

    return report
