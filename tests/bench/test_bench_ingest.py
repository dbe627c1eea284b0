"""CI runs the question benchmark once, small: its invariants, not its timings (issue 4).

100 viewers on SQLite ask and upvote: our bot and the echo bot with the emulation's limits
off, then our bot with them on. Every `/ask` creates exactly one question and is confirmed
with its number, every upvote is counted once, and with the limits on no send gets a 429.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.ingest import SECTION, Plan, run_benchmark
from bench.ingest_report import render_section
from bench.load import Stamp
from tests.bench.smoke import check_rounds, check_section

VIEWERS = 100


async def test_ingest_benchmark_at_100_viewers(tmp_path: Path) -> None:
    plan = Plan(["sqlite"], viewers=VIEWERS, repeats=1, dedupe_claims=200)
    (run,) = await run_benchmark(plan, tmp_path / "runs", say=lambda _: None)

    assert run.checks.ok, run.checks
    assert run.checks.asks == run.checks.questions == 3 * VIEWERS  # two phases and the limited
    check_rounds(run.phases, 3 * VIEWERS)  # each update was confirmed
    limited = run.limited
    assert limited is not None
    assert limited.throttled == 0  # the bot kept to Telegram's limits: no 429
    assert limited.max_per_second <= 30

    text = render_section(plan, [run], Stamp.ended("python -m bench.ingest", datetime.now(UTC)))
    check_section(SECTION, text, tmp_path / "benchmarks.md", VIEWERS)
