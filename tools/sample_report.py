"""`make sample-report`: the demo session (tools/demo_session.py) in a scratch SQLite
database, its management report as docs/sample-report.pdf and its first pages as PNG images
under docs/img/ (pdftoppm, Debian's poppler-utils).

    .venv/bin/python -m tools.sample_report [--out docs] [--all-formats DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.services import Services
from storage.database import Database
from storage.migrate import upgrade
from tools.demo_session import ADMIN, DemoClock, build_demo, start_time

ROOT = Path(__file__).resolve().parents[1]
PAGES = 2
RESOLUTION = 110


async def build(folder: Path, pdf: Path, all_formats: Path | None) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    await upgrade(url)
    db = Database(url)
    clock = DemoClock(start_time().replace(day=1))
    try:
        services = Services.build(
            db, admin_ids=frozenset({ADMIN}), default_language="ar",
            zone=ZoneInfo("Asia/Muscat"), clock=clock, question_rate=100,
        )  # fmt: skip
        demo = await build_demo(services, clock)
        clock.advance(hours=2)
        await services.reports.export(demo.session_id, "pdf", pdf)
        if all_formats is not None:
            for fmt, name in (
                ("xlsx", "sample.xlsx"),
                ("csv", "sample.zip"),
                ("json", "sample.json"),
            ):
                await services.reports.export(demo.session_id, fmt, all_formats / name)
    finally:
        await db.dispose()


def render_pages(pdf: Path, images: Path, pages: int = PAGES) -> list[Path]:
    """Page 1… of the PDF as PNG files (pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: make system-deps (Debian's poppler-utils)")
    images.mkdir(parents=True, exist_ok=True)
    prefix = images / pdf.stem
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION),
            "-f",
            "1",
            "-l",
            str(pages),
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    return sorted(images.glob(f"{pdf.stem}-*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--all-formats", type=Path, help="also write XLSX, CSV and JSON here")
    args = parser.parse_args(argv)
    pdf = args.out / "sample-report.pdf"
    args.out.mkdir(parents=True, exist_ok=True)
    if args.all_formats is not None:
        args.all_formats.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(build(Path(folder), pdf, args.all_formats))
    for old in (args.out / "img").glob("sample-report-*.png"):
        old.unlink()
    for image in render_pages(pdf, args.out / "img"):
        print(image.relative_to(ROOT) if image.is_relative_to(ROOT) else image)
    print(pdf.relative_to(ROOT) if pdf.is_relative_to(ROOT) else pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
