"""Issue 4 benchmark: viewers asking (`/ask TEXT`) and upvoting, beside a bare echo bot.

    .venv/bin/python -m bench.ingest [--viewers N] [--engine sqlite|postgresql|both]
                                     [--repeats R] [--rate 300] [--no-docs]
                                     [--profile [closed|open]]

Per engine: a scratch database with N viewers of a live session and 20 approved questions,
our bot as a real `python -m bot.cli run` process with a moderators' group
(MODERATOR_CHAT_ID: new questions go there as cards, then as a digest), and the Bot API
emulation in this process. Every viewer first opens `/questions` (not measured), so that they
press the vote buttons of a board the bot sent them. Then, R times, on the same emulation:

1. throughput, the emulation's limits off: every viewer sends `/ask TEXT` and upvotes two
   questions, at most WINDOW updates outstanding (closed loop);
2. latency, limits off: the same again, started at `--rate` updates/s (open loop);

first our bot, then the echo bot of bench/echo_bot.py (which echoes the text and answers the
callback) on the same updates. An update is done when its confirmation reaches the
emulation: the message with the question's number for `/ask`, answerCallbackQuery for an
upvote. Finally, once per engine:

3. limits on (30 messages/s overall, 1/s per chat, 20/min per group; 429 beyond): the same
   mix at `--rate` updates/s, our bot restarted as configured for production
   (TELEGRAM_RATE_LIMITS=true; phases 1-2 run it with false, as a Bot API without limits
   allows); we count 429s and time the confirmations, which queue under the limits.

Checks at the end: each `/ask` created exactly one question (by Telegram message), each
viewer's upvotes are exactly the expected rows, and each question's `votes` equals a COUNT of
its active vote rows. The figures replace our section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from bench.fixtures import ROOT, BotProcess, scratch_database, seed
from bench.ingest_data import QUESTIONS, TOPICS, Checks, approved_questions, read_checks
from bench.ingest_report import render_section
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
    say,
    take_turns,
    wait_quiet,
)
from bench.profile import Profile
from bench.report import DocSection, phase_json
from bench.runs import _py_spy
from sandbox import Driver, RateLimits

DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench:ingest:start -->"
END = "<!-- bench:ingest:end -->"
HEADING = "## Questions and upvotes (issue 4)"
SECTION = DocSection(DOC, START, END, HEADING)
MODERATORS = -1_001_000_000_042
WINDOW = 256
# Where our bot's CPU goes, per update: (label, a frame of the stack).
MARKERS = (
    ("getUpdates: fetching and parsing the updates", "Bot.get_updates ("),
    # The use cases run in their batch's task (domain/batching.py), SQL in greenlets.
    ("`/ask`: the questions' batch (QuestionService._write_questions)", "_write_questions ("),
    ("upvote: the upvotes' batch (QuestionService._write_votes)", "QuestionService._write_votes ("),
    ("UpdateLog._claim: the update claims, a batch at a time", "UpdateLog._claim ("),
    ("answerCallbackQuery (upvotes)", "Bot.answer_callback_query ("),
    ("lanes: confirmations, moderators' cards and digest, board edits", "Feed._drain ("),
    ("  of it: the `/ask` confirmation", "Feed.say.<locals>.job ("),
    ("  of it: the board redrawn after an upvote", "Feed._board_due.<locals>.job ("),
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
    viewers: int = 2_000
    repeats: int = 3
    rate: float = 300.0
    window: int = WINDOW
    echo: bool = True
    limited: bool = True  # phase 3
    dedupe_claims: int = 2000
    profile: str | None = None  # the phase py-spy samples


@dataclass
class Limited:
    """Phase 3: limits on."""

    phase: Phase
    throttled: int  # 429s the emulation answered
    sent: int  # messages the emulation delivered during the phase
    drain: float  # seconds from the first update to the last confirmation
    max_per_second: int  # most messages delivered in any 1-second window
    ask_rate: float  # confirmations of /ask per second, first update to last confirmation


@dataclass
class EngineRun:
    engine: str
    viewers: int
    phases: list[Phase] = field(default_factory=list)
    limited: Limited | None = None
    checks: Checks = field(default_factory=Checks)
    dedupe_ms: float = 0.0
    profiles: dict[str, Profile] = field(default_factory=dict)  # "ours", "echo"

    def of(self, bot: str, mode: str) -> list[Phase]:
        return [p for p in self.phases if p.bot == bot and p.mode == mode]


class IngestBench:
    def __init__(self, plan: Plan, engine: str, workdir: Path, say: Callable[[str], None]):
        self.plan, self.engine, self.workdir, self.say = plan, engine, workdir, say
        self.run = EngineRun(engine, plan.viewers)
        self.active: set[tuple[int, int]] = set()  # (viewer, question) upvotes expected
        self.round = 0

    async def execute(self) -> EngineRun:
        self.workdir.mkdir(parents=True, exist_ok=True)
        limits = RateLimits(enabled=False)
        async with (
            scratch_database(self.engine, self.workdir) as url,
            load_emulation(limits) as emulator,
        ):
            self.url, self.emulator = url, emulator
            ids = await seed(url, self.plan.viewers + QUESTIONS)
            driver = Driver(emulator)
            viewers = ids[: self.plan.viewers]
            self.users = [
                driver.user(i, f"U{i}", language_code="ar" if i % 2 else "en") for i in viewers
            ]
            driver.group(MODERATORS, "Moderators")
            self.session_id = await live_session(url)
            askers = ids[self.plan.viewers :]
            self.questions = await approved_questions(url, self.session_id, askers)
            ours = self._ours()
            await ours.start()
            try:
                await self._boards(ours)
                echo = partial(echo_process, emulator, url, self.workdir)
                repeats = self.plan.repeats
                await take_turns(ours, echo if self.plan.echo else None, repeats, self._rounds)
                if self.plan.limited:
                    await ours.stop()  # if the turns left it running (no repeats)
                    emulator.queue.drop_all()
                    ours = self._ours(limited=True)
                    await ours.start()
                    await self._limited(ours)
                    # The moderators' digest may wait for its group's minute, and a clean stop
                    # waits for it; everything checked below was committed before any reply.
                    await ours.kill()
            finally:
                await ours.stop()
            await self._check()
            self.run.dedupe_ms = await dedupe_cost(url, self.plan.dedupe_claims)
        return self.run

    def _ours(self, *, limited: bool = False) -> BotProcess:
        bot = BotProcess(self.emulator, self.url, self.workdir, rate=25)
        bot.env |= {
            "MODERATOR_CHAT_ID": str(MODERATORS),
            # Phases 1-2: a Bot API without flood limits, and the bot told so.
            "TELEGRAM_RATE_LIMITS": "true" if limited else "false",
            # Every /ask of the benchmark must create a question (3 rounds a minute or more).
            "QUESTION_RATE_PER_MINUTE": "60",
        }
        return bot

    async def _boards(self, bot: BotProcess) -> None:
        """Every viewer opens /questions: the board whose buttons they press later."""
        actions = [partial(say, self.emulator, u, "/questions", "board") for u in self.users]
        await measure("ours", "closed", bot, self.emulator, actions, window=self.plan.window)
        self.board = {u.id: u.messages[-1].message_id for u in self.users}
        await wait_quiet(self.emulator, 0.5)

    def _mix(self, record: bool) -> list[Action]:
        """Every viewer asks once and upvotes two questions (other ones each round)."""
        self.round += 1
        actions: list[Action] = []
        n = len(self.questions)
        for v, user in enumerate(self.users):
            ar, en = TOPICS[(v + self.round) % len(TOPICS)]
            text = f"/ask {ar if user.id % 2 else en}؟ ({user.id}-{self.round})"
            actions.append(partial(say, self.emulator, user, text, "ask"))
            for k in (0, 1):
                question = self.questions[(v + 2 * self.round + k) % n]
                if record:
                    self.active ^= {(user.id, question)}
                data = f"qv:{self.session_id}:{question}:0"
                actions.append(
                    partial(press, self.emulator, user, self.board[user.id], data, "upvote")
                )
        return actions

    async def _rounds(self, bot: str, process: BotProcess) -> None:
        record = bot == "ours"
        for mode in ("closed", "open"):
            profile = profile_path("ingest", self.engine, bot)
            spy = None
            if mode == self.plan.profile and bot not in self.run.profiles:
                spy = await _py_spy(process.pid, profile)
            phase = await measure(
                bot, mode, process, self.emulator, self._mix(record),
                window=self.plan.window, rate=self.plan.rate,
            )  # fmt: skip
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
                self.run.profiles[bot] = busy_profile(profile, MARKERS)
            if record:
                self._confirmed(phase)
            self.run.phases.append(phase)
            self.say(summary(self.engine, phase))
        if not record:
            self.round -= 2  # the echo bot changed nothing

    def _confirmed(self, phase: Phase) -> None:
        for sample in phase.samples:
            if sample.kind == "ask":
                self.run.checks.asks += 1
                if "#" not in sample.text:
                    self.run.checks.unconfirmed += 1

    async def _limited(self, bot: BotProcess) -> None:
        emulator = self.emulator
        emulator.limits.enabled = True
        emulator.reset_stats()
        first_delivery = len(emulator.delivered_at)
        phase = await measure(
            "ours", "open", bot, emulator, self._mix(True), rate=self.plan.rate, quiet=2.0
        )
        self._confirmed(phase)
        times = emulator.delivered_at[first_delivery:]
        busiest, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - 1.0:
                j += 1
            busiest = max(busiest, i - j + 1)
        first = min(s.sent for s in phase.samples)
        asks = [s for s in phase.samples if s.kind == "ask"]
        self.run.limited = Limited(
            phase=phase,
            throttled=emulator.stats.rate_limited,
            sent=len(times),
            drain=max(s.done for s in phase.samples) - first,
            max_per_second=busiest,
            ask_rate=len(asks) / (max(s.done for s in asks) - first),
        )
        emulator.limits.enabled = False
        self.say(
            summary(self.engine, phase)
            + f"  limits on: 429s {emulator.stats.rate_limited}, {len(times)} messages, "
            f"busiest second {busiest}"
        )

    async def _check(self) -> None:
        read = await read_checks(self.url, {u.id for u in self.users}, self.active)
        checks = self.run.checks
        read.asks, read.unconfirmed = checks.asks, checks.unconfirmed
        self.run.checks = read
        self.say(f"{self.engine}: checks {asdict(read)}")


def summary(engine: str, phase: Phase) -> str:
    text = (
        f"{engine:<10} {phase.bot:<4} {phase.mode:<6} n={len(phase.samples):<6} "
        f"{phase.throughput:7.1f} updates/s  p50 {phase.percentile(0.5) * 1000:6.1f} ms  "
        f"p99 {phase.percentile(0.99) * 1000:7.1f} ms "
        f"(ask {phase.percentile(0.99, 'ask') * 1000:.0f}, "
        f"upvote {phase.percentile(0.99, 'upvote') * 1000:.0f})  bot CPU "
        f"{phase.cpu_per_update_ms:.2f} ms/update  bench CPU {phase.own_cpu_share:.0%}  "
        f"settle {phase.settle:.1f} s"
    )
    if phase.mode == "open":
        text += f"  offered {phase.offered:.0f}/s"
    return text


async def run_benchmark(
    plan: Plan, workdir: Path, say: Callable[[str], None] = print
) -> list[EngineRun]:
    return [await IngestBench(plan, e, workdir / e, say).execute() for e in plan.engines]


def figures(run: EngineRun) -> dict[str, object]:
    """One engine's figures for --json."""
    limited = run.limited
    return {
        "engine": run.engine,
        "viewers": run.viewers,
        "dedupe_ms": run.dedupe_ms,
        "checks": asdict(run.checks),
        "phases": [phase_json(p) for p in run.phases],
        "limited": None
        if limited is None
        else {**asdict(limited), "phase": phase_json(limited.phase)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description="Issue 4 ingest")
    load_arguments(parser, viewers=2_000, rate="updates/s of phases 2 and 3")
    return load_main(
        "ingest", parser, argv, SECTION,
        plan=Plan, run=run_benchmark, render=render_section, figures=figures,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
