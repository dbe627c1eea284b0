"""CI runs the poll benchmark once, small: its invariants, not its timings (issue 5).

200 viewers on SQLite: ballots through the outbox, our bot and the echo bot each take a
closed-loop and an open-loop round of votes; every vote is recorded exactly once and the
poll's results equal a COUNT over the votes table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.polls import END, HEADING, START, Plan, render_section, run_benchmark
from bench.report import write_section

VIEWERS = 200


async def test_poll_benchmark_at_200_viewers(tmp_path: Path) -> None:
    plan = Plan(["sqlite"], viewers=VIEWERS, repeats=1, dedupe_claims=200)
    (run,) = await run_benchmark(plan, tmp_path / "runs", say=lambda _: None)

    assert run.checks.ok, run.checks
    assert run.checks.votes == VIEWERS
    assert [(p.bot, p.mode) for p in run.phases] == [
        ("ours", "closed"),
        ("ours", "open"),
        ("echo", "closed"),
        ("echo", "open"),
    ]
    for phase in run.phases:
        assert len(phase.samples) == VIEWERS  # every vote was answered
    assert run.dedupe_ms > 0

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Earlier\n\nkept\n", encoding="utf-8")
    section = render_section(plan, [run], "python -m bench.polls", datetime.now(UTC))
    write_section(doc, section, START, END, HEADING)
    write_section(doc, section, START, END, HEADING)
    text = doc.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == text.count(HEADING) == 1
    assert "## Earlier\n\nkept" in text
    assert f"| sqlite | {VIEWERS} | 1 |" in text
