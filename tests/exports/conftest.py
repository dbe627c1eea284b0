"""A demo session (tools/demo_session.py) in a fresh database on each engine."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.services import Services
from storage.database import Database
from tools.demo_session import ADMIN, Demo, DemoClock, build_demo, start_time

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "exports"


@dataclass
class Built:
    services: Services
    demo: Demo
    clock: DemoClock
    engine: str


@pytest.fixture
async def built(database_url: str) -> AsyncIterator[Built]:
    db = Database(database_url)
    clock = DemoClock(start_time().replace(day=1))
    services = Services.build(
        db, admin_ids=frozenset({ADMIN}), default_language="ar",
        zone=ZoneInfo("Asia/Muscat"), clock=clock, question_rate=100,
    )  # fmt: skip
    try:
        demo = await build_demo(services, clock, viewers=24)
        clock.advance(hours=1)
        yield Built(services, demo, clock, db.dialect)
    finally:
        await db.dispose()


def pdf_text(path: Path) -> str:
    """The PDF's text in logical order, as poppler's pdftotext extracts it."""
    assert shutil.which("pdftotext"), "pdftotext is missing: make system-deps (poppler-utils)"
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def render_page(path: Path, name: str, page: int = 1) -> Path:
    """Page `page` as a PNG under test-artifacts/exports/ (pdftoppm), for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile",
         str(path), str(prefix)],
        check=True,
    )  # fmt: skip
    return prefix.with_suffix(".png")
