"""Issue 5 benchmark: viewers voting on a live poll, beside a bare python-telegram-bot bot.

    .venv/bin/python -m bench.polls [--viewers N] [--engine sqlite|postgresql|both]
                                    [--repeats R] [--rate 300] [--no-docs]
                                    [--profile [closed|open]]

Per engine: a scratch database with N viewers of a live session, our bot as a real
`python -m bot.cli run` process, and a single-choice poll launched through the domain; the
bot's sender delivers the N ballots through the outbox (PAID_BROADCAST, BROADCAST_RATE 1000,
the emulation's paid limit). Then, R times, two bots take two phases each on the same
emulation and the same ballots (our bot, then the echo bot of bench/echo_bot.py, which only
answers the callback):

1. throughput: every viewer votes once, at most WINDOW votes outstanding (closed loop);
2. latency: every viewer votes again, started at `--rate` votes/s (open loop).

A vote is done when the bot's answerCallbackQuery reaches the emulation. Each round moves
every viewer to another option, so every vote changes their row. At the end the votes table
must hold exactly one row per viewer, with their last choice, and the poll's results must
equal a COUNT over the table. The figures replace our section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from bench.fixtures import ROOT, BotProcess, scratch_database, seed
from bench.load import (
    Action,
    Phase,
    busy_profile,
    dedupe_cost,
    echo_process,
    live_session,
    load_arguments,
    load_emulation,
    load_main,
    measure,
    press,
    profile_path,
    take_turns,
    wait_quiet,
)
from bench.polls_report import render_section
from bench.profile import Profile
from bench.report import DocSection, phase_json
from bench.runs import _py_spy
from domain.services import Services
from locales import translator
from sandbox import Driver, RateLimits
from storage.database import Database
from storage.models import PollVote

DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench:polls:start -->"
END = "<!-- bench:polls:end -->"
HEADING = "## Poll votes (issue 5)"
SECTION = DocSection(DOC, START, END, HEADING)
OPTIONS = (
    ("التعليم", "Education"),
    ("الصحة", "Health"),
    ("النقل", "Transport"),
    ("السكن", "Housing"),
)
WINDOW = 256
# Where our bot's CPU goes, per vote: (label, a frame of the stack).
MARKERS = (
    ("getUpdates: fetching and parsing the updates", "Bot.get_updates ("),
    ("answerCallbackQuery: the acknowledgement", "Bot.answer_callback_query ("),
    ("PollService._write_votes: the votes' transaction, by batch", "PollService._write_votes ("),
    ("UpdateLog._claim: the update claims, a batch at a time", "UpdateLog._claim ("),
    ("Coalescer: the edit showing the choice on the ballot", "Coalescer._apply ("),
    ("of all: the HTTP client (ours: aiohttp; the echo bot's: httpx)", "Request.do_request ("),
    # SQLAlchemy runs statements in greenlets, whose stacks do not show the use case.
    ("of all: SQLAlchemy, every statement of every use case", "(sqlalchemy/"),
    # SQLite runs on the loop's thread (storage/sqlite_inline.py), inside SQLAlchemy's time.
    ("of all: the database driver (SQLite's calls, or asyncpg)", "(storage/sqlite_inline.py"),
    ("", "(aiosqlite/"),
    ("", "(asyncpg/"),
)


@dataclass
class Plan:
    engines: list[str]
    viewers: int = 10_000
    repeats: int = 3
    rate: float = 300.0
    window: int = WINDOW
    echo: bool = True
    profile: str | None = None  # the phase py-spy samples
    dedupe_claims: int = 2000


@dataclass
class Checks:
    """The invariants at the end, read from the database."""

    votes: int = 0  # rows in poll_votes for the poll
    voters: int = 0  # distinct voters among them
    expected: int = 0  # viewers
    wrong_choice: int = 0  # rows whose option is not the viewer's last choice
    results_match: bool = False  # PollService.results == COUNT(*) GROUP BY position
    answers_not_voted: int = 0  # answers other than "your vote is in"

    @property
    def ok(self) -> bool:
        return (
            self.votes == self.voters == self.expected
            and not self.wrong_choice
            and self.results_match
            and not self.answers_not_voted
        )


@dataclass
class EngineRun:
    engine: str
    viewers: int
    ballots_per_second: float = 0.0
    dedupe_ms: float = 0.0  # one update claim (bot/application.py first_time), measured on its own
    phases: list[Phase] = field(default_factory=list)
    checks: Checks = field(default_factory=Checks)
    profiles: dict[str, Profile] = field(default_factory=dict)  # "ours", "echo"

    def of(self, bot: str, mode: str) -> list[Phase]:
        return [p for p in self.phases if p.bot == bot and p.mode == mode]


class PollBench:
    """One engine: the database, the emulation, the viewers and their ballots."""

    def __init__(self, plan: Plan, engine: str, workdir: Path, say: Callable[[str], None]):
        self.plan, self.engine, self.workdir, self.say = plan, engine, workdir, say
        self.run = EngineRun(engine, plan.viewers)
        self.choice: dict[int, int] = {}  # viewer → the option of their last vote
        self.round = 0

    async def execute(self) -> EngineRun:
        self.workdir.mkdir(parents=True, exist_ok=True)
        async with (
            scratch_database(self.engine, self.workdir) as url,
            load_emulation(RateLimits(paid_per_second=1000)) as emulator,
        ):
            self.url, self.emulator = url, emulator
            ids = await seed(url, self.plan.viewers)
            driver = Driver(emulator)
            self.users = [
                driver.user(i, f"U{i}", language_code="ar" if i % 2 else "en") for i in ids
            ]
            session_id = await live_session(url)
            ours = BotProcess(emulator, url, self.workdir, rate=1000, paid=True)
            await ours.start()
            try:
                await self._ballots(session_id)
                echo = partial(echo_process, emulator, url, self.workdir)
                repeats = self.plan.repeats
                await take_turns(ours, echo if self.plan.echo else None, repeats, self._rounds)
            finally:
                await ours.stop()
            await self._check()
            self.run.dedupe_ms = await dedupe_cost(url, self.plan.dedupe_claims)
        return self.run

    async def _ballots(self, session_id: int) -> None:
        db = Database(self.url)
        try:
            services = Services.build(db, admin_ids=frozenset(), default_language="ar")
            poll = await services.polls.create(
                None, session_id, "single", "ما أولويتك في الخطة؟",
                "What is your priority in the plan?", OPTIONS,
            )  # fmt: skip
            await services.polls.launch(None, poll.id)
        finally:
            await db.dispose()
        self.poll_id = poll.id
        delivered, times = self.emulator.stats.delivered, self.emulator.delivered_at
        deadline = time.monotonic() + self.plan.viewers / 20 + 60
        while sum(1 for u in self.users if delivered[u.id]) < len(self.users):
            if time.monotonic() > deadline:
                raise TimeoutError("not every viewer got a ballot")
            await asyncio.sleep(0.1)
        span = times[-1] - times[0]
        self.run.ballots_per_second = (len(times) - 1) / span if span > 0 else 0.0
        self.ballot = {u.id: u.messages[-1].message_id for u in self.users}
        await wait_quiet(self.emulator, 0.5)
        self.say(f"{self.engine}: {len(times):,} ballots, {self.run.ballots_per_second:.0f}/s")

    def _votes(self, record: bool) -> list[Action]:
        """Every viewer votes once, each on another option than in the round before."""
        self.round += 1
        actions: list[Action] = []
        for user in self.users:
            option = (user.id + self.round) % len(OPTIONS)
            if record:
                self.choice[user.id] = option
            data = f"pv:{self.poll_id}:{option}"
            actions.append(partial(press, self.emulator, user, self.ballot[user.id], data, "vote"))
        return actions

    async def _rounds(self, bot: str, process: BotProcess) -> None:
        record = bot == "ours"
        voted = {translator("ar").t("poll.voted"), translator("en").t("poll.voted")}
        for mode in ("closed", "open"):
            profile = profile_path("polls", self.engine, bot)
            spy = None
            if mode == self.plan.profile and bot not in self.run.profiles:
                spy = await _py_spy(process.pid, profile)
            phase = await measure(
                bot, mode, process, self.emulator, self._votes(record),
                window=self.plan.window, rate=self.plan.rate,
            )  # fmt: skip
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
                self.run.profiles[bot] = busy_profile(profile, MARKERS)
            if record:
                wrong = sum(1 for s in phase.samples if s.text not in voted)
                self.run.checks.answers_not_voted += wrong
            self.run.phases.append(phase)
            self.say(summary(self.engine, phase))
        if not record:
            self.round -= 2  # the echo bot changed nothing: our next round follows ours

    async def _check(self) -> None:
        checks = self.run.checks
        checks.expected = len(self.users)
        db = Database(self.url)
        try:
            async with db.transaction() as session:
                mine = PollVote.poll_id == self.poll_id
                statement = select(PollVote.voter_id, PollVote.position).where(mine)
                rows = (await session.execute(statement)).all()
                statement = (
                    select(PollVote.position, func.count()).where(mine).group_by(PollVote.position)
                )
                table = dict((await session.execute(statement)).tuples().all())
            services = Services.build(db, admin_ids=frozenset(), default_language="ar")
            results = await services.polls.results(self.poll_id)
        finally:
            await db.dispose()
        checks.votes = len(rows)
        checks.voters = len({voter for voter, _ in rows})
        checks.wrong_choice = sum(1 for voter, pos in rows if self.choice.get(voter) != pos)
        counted = tuple(table.get(o.position, 0) for o in results.poll.options)
        checks.results_match = counted == results.counts and results.voters == checks.voters
        self.say(f"{self.engine}: checks {asdict(checks)}")


def summary(engine: str, phase: Phase) -> str:
    text = (
        f"{engine:<10} {phase.bot:<4} {phase.mode:<6} n={len(phase.samples):<6} "
        f"{phase.throughput:7.1f} votes/s  p50 {phase.percentile(0.5) * 1000:7.1f} ms  "
        f"p99 {phase.percentile(0.99) * 1000:8.1f} ms  bot CPU {phase.cpu_per_update_ms:.2f} "
        f"ms/vote  bench CPU {phase.own_cpu_share:.0%}  settle {phase.settle:.1f} s"
    )
    if phase.mode == "open":
        text += f"  offered {phase.offered:.0f}/s"
    return text


async def run_benchmark(
    plan: Plan, workdir: Path, say: Callable[[str], None] = print
) -> list[EngineRun]:
    return [await PollBench(plan, e, workdir / e, say).execute() for e in plan.engines]


def figures(run: EngineRun) -> dict[str, object]:
    """One engine's figures for --json."""
    return {
        "engine": run.engine,
        "viewers": run.viewers,
        "ballots_per_second": run.ballots_per_second,
        "dedupe_ms": run.dedupe_ms,
        "checks": asdict(run.checks),
        "phases": [phase_json(p) for p in run.phases],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.polls", description="Issue 5 votes")
    load_arguments(parser, viewers=10_000, rate="votes/s of the latency phase")
    return load_main(
        "polls", parser, argv, SECTION,
        plan=Plan, run=run_benchmark, render=render_section, figures=figures,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
