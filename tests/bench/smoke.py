"""What the smoke tests of the load benchmarks (bench/polls.py, bench/ingest.py) share."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.load import Phase
from bench.report import DocSection

ROUNDS = [("ours", "closed"), ("ours", "open"), ("echo", "closed"), ("echo", "open")]


def check_rounds(phases: list[Phase], updates: int) -> None:
    """Our bot's closed-loop and open-loop rounds, then the echo bot's, each confirming all
    of its `updates`."""
    assert [(p.bot, p.mode) for p in phases] == ROUNDS
    for phase in phases:
        assert len(phase.samples) == updates


def check_section(section: DocSection, text: str, doc: Path, viewers: int) -> None:
    """Written twice into `doc`, the section stands once, beside what was there before, and
    holds the one repeat on SQLite."""
    doc.write_text("# Benchmarks\n\n## Earlier\n\nkept\n", encoding="utf-8")
    section = replace(section, doc=doc)
    section.write(text)
    section.write(text)
    written = doc.read_text(encoding="utf-8")
    assert written.count(section.start) == written.count(section.end) == 1
    assert written.count(section.heading) == 1
    assert "## Earlier\n\nkept" in written
    assert f"| sqlite | {viewers} | 1 |" in written
