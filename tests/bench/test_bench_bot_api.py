"""CI runs the HTTP client benchmark once, small: both clients make every call, and the
report rewrites only its own section (no timing is asserted)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.bot_api import CLIENTS, DOC, render, run


async def test_bot_api_benchmark_small(tmp_path: Path) -> None:
    result = await run(100, 1, 8, say=False)
    assert all(len(result.cpu[name]) == 1 and result.cpu[name][0] > 0 for name in CLIENTS)
    assert all(result.rate[name][0] > 0 for name in CLIENTS)
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:other:start -->\nx\n<!-- bench:other:end -->\n")
    section = render(result, "python -m bench.bot_api --calls 100", datetime.now(UTC))
    DOC.__class__(doc, DOC.start, DOC.end, DOC.heading).write(section)
    DOC.__class__(doc, DOC.start, DOC.end, DOC.heading).write(section)
    text = doc.read_text(encoding="utf-8")
    assert text.count(DOC.start) == text.count(DOC.end) == 1
    assert "<!-- bench:other:start -->\nx\n<!-- bench:other:end -->" in text
    assert all(f"| {name} |" in text for name in CLIENTS)
