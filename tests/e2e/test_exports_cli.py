"""`shurakum export` (SPEC §5) as operators run it, on both engines."""

from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from domain.services import Services
from storage.database import Database
from tests.e2e.test_cli import run
from tools.demo_session import ADMIN, DemoClock, build_demo, start_time

SCOPE = "Give a session id, or a date range with --from and --to."


@pytest.fixture
async def demo_url(database_url: str) -> tuple[str, int]:
    db = Database(database_url)
    clock = DemoClock(start_time().replace(day=1))
    services = Services.build(
        db, admin_ids=frozenset({ADMIN}), default_language="ar",
        zone=ZoneInfo("Asia/Muscat"), clock=clock, question_rate=100,
    )  # fmt: skip
    try:
        demo = await build_demo(services, clock, viewers=12)
    finally:
        await db.dispose()
    return database_url, demo.session_id


async def test_export_writes_the_file_and_prints_its_path(
    demo_url: tuple[str, int], tmp_path: Path
) -> None:
    url, session_id = demo_url
    code, out, err = await run(
        tmp_path, "export", str(session_id), "--format", "xlsx", DATABASE_URL=url
    )
    assert (code, err) == (0, "")  # no progress bar: stderr is not a terminal
    assert out.strip() == f"session-{session_id}.xlsx"
    book = openpyxl.load_workbook(tmp_path / out.strip())
    assert book["Questions"].max_row > 1
    code, out, err = await run(
        tmp_path, "export", str(session_id), "--format", "csv", "-o", "tables",
        "--include-names", "--json", DATABASE_URL=url,
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["path"] == "tables"
    assert data["sessions"] == [session_id]
    assert (tmp_path / "tables" / "questions.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    day = start_time().date().isoformat()
    code, out, err = await run(
        tmp_path, "export", "--from", day, "--to", day, "--format", "pdf", DATABASE_URL=url
    )
    assert (code, out.strip()) == (0, f"sessions-{day}-{day}.pdf"), err
    assert (tmp_path / out.strip()).read_bytes().startswith(b"%PDF")


async def test_bad_input_is_one_line_and_a_non_zero_exit(
    demo_url: tuple[str, int], tmp_path: Path
) -> None:
    url, session_id = demo_url
    cases = [
        (["export", "999", "--format", "pdf"], "There is no session number 999."),
        (
            ["export", str(session_id), "--format", "docx"],
            "Unknown format docx. Use one of: xlsx, csv, json, pdf.",
        ),
        (["export", "--format", "json"], SCOPE),
        (["export", str(session_id), "--format", "json", "--from", "2026-01-01"], SCOPE),
        (["export", "--from", "2026-01-01", "--format", "json"], SCOPE),
        (
            ["export", "--from", "2020-01-01", "--to", "2020-01-02", "--format", "json"],
            "No session starts between 2020-01-01 and 2020-01-02.",
        ),
    ]  # fmt: skip
    work = tmp_path / "work"
    work.mkdir()
    for args, message in cases:
        code, out, err = await run(work, *args, DATABASE_URL=url)
        assert (code, out, err) == (1, "", message + "\n"), args
    assert os.listdir(work) == []  # no file, no stray .part
