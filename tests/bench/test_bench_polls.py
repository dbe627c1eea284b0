"""CI runs the poll benchmark once, small: its invariants, not its timings (issue 5).

200 viewers on SQLite: ballots through the outbox, our bot and the echo bot each take a
closed-loop and an open-loop round of votes; every vote is recorded exactly once and the
poll's results equal a COUNT over the votes table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.load import Stamp
from bench.polls import SECTION, Plan, run_benchmark
from bench.polls_report import render_section
from tests.bench.smoke import check_rounds, check_section

VIEWERS = 200


async def test_poll_benchmark_at_200_viewers(tmp_path: Path) -> None:
    plan = Plan(["sqlite"], viewers=VIEWERS, repeats=1, dedupe_claims=200)
    (run,) = await run_benchmark(plan, tmp_path / "runs", say=lambda _: None)

    assert run.checks.ok, run.checks
    assert run.checks.votes == VIEWERS
    check_rounds(run.phases, VIEWERS)  # every vote was answered
    assert run.dedupe_ms > 0

    text = render_section(plan, [run], Stamp.ended("python -m bench.polls", datetime.now(UTC)))
    check_section(SECTION, text, tmp_path / "benchmarks.md", VIEWERS)
