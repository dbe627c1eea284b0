"""CI runs the broadcast benchmark once, small and fast: its invariants, not its timings.

300 subscribers on SQLite, the emulation's limits and our rate scaled by 4 (120 messages/s
overall, BROADCAST_RATE 100), the bot as a real process, and the bare baseline beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.broadcast import Plan, run_benchmark
from bench.report import END, START, render_section, write_section

SUBSCRIBERS = 300


async def test_broadcast_benchmark_at_300_subscribers(tmp_path: Path) -> None:
    plan = Plan(
        ["sqlite"],
        subscribers=SUBSCRIBERS,
        ratio_subscribers=SUBSCRIBERS,
        repeats=1,
        rates=(25,),
        crash=False,
        paid=False,
        scale=4,
    )
    report = await run_benchmark(plan, tmp_path / "runs", say=lambda _: None)

    runs = report.runs()
    assert [r.sender for r in runs] == ["broadcaster", "broadcaster", "bare"]
    for run in runs:
        assert run.lost == 0, run.summary()
        assert run.duplicates == 0, run.summary()
        assert run.throttled_late == 0, run.summary()
        assert run.messages == SUBSCRIBERS
    for run in runs[:2]:
        assert run.outbox == {"sent": SUBSCRIBERS}

    doc = tmp_path / "benchmarks.md"
    section = render_section(report, "python -m bench.broadcast", datetime.now(UTC))
    write_section(doc, section)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## Later benchmark\n\nkept\n")
    write_section(doc, section)
    text = doc.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == 1
    assert text.count("## Broadcast (issue 3)") == 1
    assert "## Later benchmark\n\nkept" in text
    assert "| sqlite | 100 | 300 |" in text
