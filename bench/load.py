"""Load generation for the poll and question benchmarks (bench/polls.py, bench/ingest.py).

The emulation and the simulated viewers run in the benchmark process; the bot under test
(ours, or the bare echo bot of bench/echo_bot.py) runs as a process of its own, so each side
has a core, as in production where Telegram is remote.

Each action is one update and its confirmation: a button press answered with
answerCallbackQuery, or a message answered with a message in the same chat. Times are taken
where they happen: when the update is queued in the emulation and when the emulation
receives the answer (not when the waiting task wakes up).

- `closed_loop`: at most `window` actions outstanding, as fast as the bot answers
  (throughput: actions ÷ time from the first update to the last answer);
- `open_loop`: actions started at a fixed rate whatever the answers (latency at that rate).

Both benchmarks share their command line: `load_arguments` and `load_main`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import inspect
import json
import os
import pickle
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import update

from bench.fixtures import ROOT, BotProcess, TimedEmulator, go_live
from bench.profile import Profile, summarise
from domain.updates import UpdateLog
from sandbox import CallbackAnswer, RateLimits, SentMessage, SimUser
from sandbox.state import CallbackRegistry, ChatState
from storage.database import Database
from storage.models import Broadcast, Delivery

if TYPE_CHECKING:
    from bench.report import DocSection

DEDUPE_FIRST = 900_000_000  # update ids the emulation never reaches
ANSWER_WAIT = 600.0  # seconds an action may wait for its confirmation before it fails


class TimedCallbacks(CallbackRegistry):
    """Callback queries with the time each was opened (queued) and answered."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: dict[str, float] = {}
        self.answered_at: dict[str, float] = {}

    def open(self, user_id: int) -> tuple[str, asyncio.Future[CallbackAnswer]]:
        query_id, future = super().open(user_id)
        self.opened[query_id] = time.monotonic()
        return query_id, future

    def answer(self, answer: CallbackAnswer) -> bool:
        self.answered_at.setdefault(answer.query_id, time.monotonic())
        return super().answer(answer)


class LoadEmulator(TimedEmulator):
    """The emulation, timing callback answers and handing each chat's next message to
    whoever waits for it."""

    def __init__(self, limits: RateLimits) -> None:
        super().__init__(limits)
        self.callbacks: TimedCallbacks = TimedCallbacks()
        self._waiters: dict[int, deque[asyncio.Future[tuple[float, SentMessage]]]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[tuple[float, SentMessage]]:
        """The next message the bot sends to this chat, with the time it arrived."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(chat_id, deque()).append(future)
        return future

    def deliver(self, chat: ChatState, message: SentMessage) -> None:
        super().deliver(chat, message)
        waiting = self._waiters.get(chat.id)
        while waiting:
            future = waiting.popleft()
            if not future.done():
                future.set_result((time.monotonic(), message))
                break


@asynccontextmanager
async def load_emulation(limits: RateLimits) -> AsyncIterator[LoadEmulator]:
    emulator = LoadEmulator(limits)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@dataclass(frozen=True)
class Sample:
    kind: str  # what the update was: "vote", "ask", "upvote", …
    sent: float  # the update was queued (monotonic)
    done: float  # the bot's answer reached the emulation
    text: str  # the answer's text (checked by the caller)

    @property
    def latency(self) -> float:
        return self.done - self.sent


Action = Callable[[], Coroutine[Any, Any, Sample]]  # a coroutine: open_loop makes it a task


async def press(
    emulator: LoadEmulator, user: SimUser, message_id: int, data: str, kind: str
) -> Sample:
    """Press a button with `data` on the bot's message; done at answerCallbackQuery."""
    answer = await user.press_data(message_id, data, timeout=ANSWER_WAIT)
    callbacks = emulator.callbacks
    query = answer.query_id
    return Sample(
        kind, callbacks.opened.pop(query), callbacks.answered_at.pop(query), answer.text or ""
    )


async def say(emulator: LoadEmulator, user: SimUser, text: str, kind: str) -> Sample:
    """Send `text` to the bot; done when the bot's next message reaches this chat."""
    reply = emulator.expect(user.id)
    sent = time.monotonic()
    await user.send(text)
    async with asyncio.timeout(ANSWER_WAIT):
        done, message = await reply
    return Sample(kind, sent, done, message.text or "")


@dataclass
class Phase:
    """One measured stretch of load against one bot."""

    bot: str  # "ours" or "echo"
    mode: str  # "closed" (throughput) or "open" (latency at a rate)
    samples: list[Sample] = field(default_factory=list)
    offered: float = 0.0  # open loop: the rate updates were actually queued at
    bot_cpu: float = 0.0  # CPU seconds of the bot process during the phase
    own_cpu: float = 0.0  # CPU seconds of the benchmark process (emulation and viewers)
    settle: float = 0.0  # seconds from the last answer until the bot went quiet (edits)

    @property
    def span(self) -> float:
        first = min(s.sent for s in self.samples)
        return max(s.done for s in self.samples) - first

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.span if self.span > 0 else 0.0

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(s.latency for s in self.samples if kind is None or s.kind == kind)

    def percentile(self, q: float, kind: str | None = None) -> float:
        values = self.latencies(kind)
        if not values:
            return float("nan")
        index = min(len(values) - 1, max(0, round(q * len(values)) - 1))
        return values[index]

    @property
    def cpu_per_update_ms(self) -> float:
        return self.bot_cpu * 1000 / max(1, len(self.samples))

    @property
    def own_cpu_share(self) -> float:
        """The benchmark process's CPU use during the phase (1.0 = a whole core)."""
        return self.own_cpu / self.span if self.span > 0 else 0.0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The benchmark process's cyclic garbage collector off while a phase is measured, as
    `timeit` does: a full collection of this process's heap (the viewers and the emulation's
    chats) paused it for up to 300 ms, and every answer arriving meanwhile was timed late,
    as if the bot had been slow. What it would have collected is collected afterwards."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


async def closed_loop(actions: Sequence[Action], window: int) -> list[Sample]:
    """Run every action with at most `window` outstanding; samples in completion order."""
    samples: list[Sample] = []
    queue = iter(actions)

    async def worker() -> None:
        for action in queue:
            samples.append(await action())

    await asyncio.gather(*(worker() for _ in range(min(window, len(actions)))))
    return samples


async def open_loop(actions: Sequence[Action], rate: float) -> tuple[list[Sample], float]:
    """Start action i at `i / rate` seconds whatever the answers; returns the samples and
    the rate at which the actions were actually started."""
    tasks: list[asyncio.Task[Sample]] = []
    start = time.monotonic()
    for i, action in enumerate(actions):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(action()))
    started = time.monotonic() - start
    samples = await asyncio.gather(*tasks)
    offered = (len(actions) - 1) / started if started > 0 else float("inf")
    return list(samples), offered


async def measure(
    bot: str,
    mode: str,
    process: BotProcess,
    emulator: LoadEmulator,
    actions: Sequence[Action],
    *,
    window: int = 256,
    rate: float = 300.0,
    quiet: float = 1.0,
) -> Phase:
    """Run the actions in `mode` against the running bot, then wait until it is quiet (no
    request for `quiet` s: coalesced edits and other work after the answers are done)."""
    phase = Phase(bot, mode)
    cpu, own = process.cpu_seconds(), time.process_time()
    with collector_paused():
        if mode == "closed":
            phase.samples = await closed_loop(actions, window)
        else:
            phase.samples, phase.offered = await open_loop(actions, rate)
    last = max(s.done for s in phase.samples)
    await wait_quiet(emulator, quiet)
    # The bot's CPU includes the work after the last answer (edits that catch up): all the
    # phase caused. The `quiet` wait itself is idle.
    phase.bot_cpu, phase.own_cpu = process.cpu_seconds() - cpu, time.process_time() - own
    phase.settle = max(0.0, emulator.last_activity - last)
    return phase


async def wait_quiet(emulator: LoadEmulator, quiet: float, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while not emulator.idle_now(quiet):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not go quiet")
        await asyncio.sleep(0.05)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def revision() -> str:
    """The code measured: BENCH_REVISION if set (a snapshot), else git's HEAD."""
    if os.environ.get("BENCH_REVISION"):
        return os.environ["BENCH_REVISION"]
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown"
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if changed else "")


@dataclass(frozen=True)
class Stamp:
    """A run's facts for its section's first line: the command, when it started, and the
    code measured and the load taken as it ended. Kept with the run, so that `--render`
    later writes the run's own, not those of the moment it renders."""

    command: str
    started: datetime
    revision: str
    load: str

    @classmethod
    def ended(cls, command: str, started: datetime) -> Stamp:
        return cls(command, started, revision(), load_average())


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was)."""
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else ""


async def live_session(url: str) -> int:
    """A session taken live through the domain; its go-live announcement is marked sent
    (the viewers are watching already), so the bot starts with an empty outbox."""
    broadcast_id = await go_live(url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(Delivery).where(Delivery.broadcast_id == broadcast_id).values(status="sent")
            )
            row = await session.get(Broadcast, broadcast_id)
            assert row is not None
            assert row.session_id is not None
            row.status = "done"
            return row.session_id
    finally:
        await db.dispose()


async def dedupe_cost(url: str, claims: int = 2000, batch: int = 100) -> float:
    """Milliseconds per `UpdateLog.first_time` (the claim of every update id on arrival, for
    cross-process dedupe; bot/application.py `first_time`), `batch` claims at a time as the
    updates of one getUpdates answer make them (written in one statement)."""
    db = Database(url)
    try:
        log = UpdateLog(db)
        await log.first_time(DEDUPE_FIRST - 1)  # the connection, opened once
        started = time.perf_counter()
        for first in range(DEDUPE_FIRST, DEDUPE_FIRST + claims, batch):
            ids = range(first, min(first + batch, DEDUPE_FIRST + claims))
            assert all(await asyncio.gather(*(log.first_time(i) for i in ids)))
        return (time.perf_counter() - started) * 1000 / claims
    finally:
        await db.dispose()


def profile_path(bench: str, engine: str, bot: str) -> Path:
    """Where a py-spy profile is kept after the run (the system's temporary directory)."""
    folder = Path(tempfile.gettempdir()) / "shurakum-bench-profiles"
    folder.mkdir(exist_ok=True)
    return folder / f"{bench}-{engine}-{bot}.txt"


def py_spy_found() -> bool:
    """Whether bench.runs._py_spy will find py-spy (on PATH, or next to this Python)."""
    return bool(shutil.which("py-spy")) or Path(sys.executable).with_name("py-spy").exists()


def keep_runs(bench: str, data: object) -> Path:
    """Pickle a run's results next to the profiles, so `--render` can rewrite the section."""
    path = profile_path(bench, "all", "runs").with_suffix(".pickle")
    path.write_bytes(pickle.dumps(data))
    return path


def kept_runs(path: Path) -> Any:
    return pickle.loads(path.read_bytes())  # noqa: S301  # our own file, from keep_runs


def _waiting_frames() -> tuple[str, ...]:
    """Innermost frames of threads that wait: py-spy cannot always tell them from running."""
    waiting = ["select (selectors.py:"]
    try:
        import aiosqlite.core  # only to find its worker's waiting line

        lines, first = inspect.getsourcelines(aiosqlite.core._connection_worker_thread)
        line = first + next(i for i, text in enumerate(lines) if "tx.get(" in text)
        waiting.append(f"_connection_worker_thread (aiosqlite/core.py:{line})")
    except (ImportError, OSError, StopIteration):
        pass
    return tuple(waiting)


def busy_profile(raw: Path, markers: tuple[tuple[str, str], ...]) -> Profile:
    """A py-spy profile (raw, collapsed stacks) summarised over the samples that ran."""
    waiting = _waiting_frames()
    kept = []
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack = line.rpartition(" ")[0]
        if not stack.rpartition(";")[2].startswith(waiting):
            kept.append(line)
    busy = raw.with_suffix(".busy.txt")
    busy.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return summarise(busy, markers=markers)


async def take_turns(
    ours: BotProcess,
    echo: Callable[[], BotProcess] | None,
    repeats: int,
    rounds: Callable[[str, BotProcess], Awaitable[None]],
) -> None:
    """`repeats` times: our bot's rounds, then the echo bot's on the same emulation (the
    two never poll at the same time). Our bot runs on entry; it is stopped on return."""
    for repeat in range(repeats):
        if repeat:
            ours.emulator.queue.drop_all()
            await ours.start()
        await rounds("ours", ours)
        await ours.stop()
        if echo is not None:
            process = echo()
            await process.start()
            try:
                await rounds("echo", process)
            finally:
                await process.stop()


def echo_process(emulator: LoadEmulator, url: str, workdir: Path) -> BotProcess:
    """The bare python-telegram-bot echo bot (bench/echo_bot.py) against the same emulation."""
    module = f"bench.echo_bot --base-url {emulator.base_url} --token {emulator.token}"
    return BotProcess(emulator, url, workdir, rate=1, module=module)


class LoadPlan(Protocol):
    """What the shared command line sets on a benchmark's plan (bench/polls.py, ingest.py)."""

    engines: list[str]
    profile: str | None  # the phase py-spy samples ("closed" or "open"), or None


class Checked(Protocol):
    @property
    def ok(self) -> bool: ...


class LoadRun(Protocol):
    """One engine's results, as the shared command line and report helpers read them."""

    engine: str
    viewers: int
    profiles: dict[str, Profile]  # "ours", "echo"

    @property
    def checks(self) -> Checked: ...

    def of(self, bot: str, mode: str) -> list[Phase]: ...


P = TypeVar("P", bound=LoadPlan)
P_co = TypeVar("P_co", bound=LoadPlan, covariant=True)
R = TypeVar("R", bound=LoadRun)


class PlanMaker(Protocol[P_co]):
    def __call__(self, engines: list[str], *, viewers: int, repeats: int, rate: float) -> P_co: ...


def load_arguments(parser: argparse.ArgumentParser, viewers: int, rate: str) -> None:
    """The options of both benchmarks: `viewers` is the default of --viewers, `rate` the
    help of --rate."""
    parser.add_argument("--viewers", type=int, default=viewers)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=300.0, help=rate)
    parser.add_argument(
        "--profile", nargs="?", const="closed", choices=["closed", "open"],
        help="py-spy both bots over the first closed-loop phase, or the first open-loop one "
        "(PyPI py-spy)",
    )  # fmt: skip
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--render", type=Path, help="rewrite the section from a kept run")


def load_main(
    name: str,
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    section: DocSection,
    *,
    plan: PlanMaker[P],
    run: Callable[[P, Path], Coroutine[Any, Any, list[R]]],
    render: Callable[[P, list[R], Stamp], str],
    figures: Callable[[R], dict[str, object]],
) -> int:
    """`python -m bench.NAME` with the options of `load_arguments`: run the benchmark, keep
    the results for --render, print the section, write --json and the section (unless
    --no-docs); 1 if an engine's checks failed. With --render, only rewrite the section."""
    args = parser.parse_args(argv)
    if args.render is not None:
        kept_plan, kept, kept_stamp = kept_runs(args.render)
        section.write(render(kept_plan, kept, kept_stamp))
        return 0
    if args.profile and not py_spy_found():
        parser.error("--profile needs py-spy on PATH or in the venv (pip install py-spy)")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    made = plan(engines, viewers=args.viewers, repeats=args.repeats, rate=args.rate)
    made.profile = args.profile
    command = shlex.join(["python", "-m", f"bench.{name}", *(argv or sys.argv[1:])])
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        runs = asyncio.run(run(made, Path(folder)))
    stamp = Stamp.ended(command, started)
    print(f"results kept in {keep_runs(name, (made, runs, stamp))}")
    text = render(made, runs, stamp)
    print(text)
    if args.json is not None:
        data = [figures(r) for r in runs]
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    if not args.no_docs:
        section.write(text)
        print(f"wrote {section.doc}")
    return 0 if all(r.checks.ok for r in runs) else 1
