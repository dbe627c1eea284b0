"""One measured broadcast: our bot (a real process) or the bare baseline, against the emulation.

Rates are measured where Telegram would see them: at the emulation, from the first delivered
message to the last. `throttled_late` counts 429s answered more than one second after the
first delivery; lost and duplicates come from the emulation's per-chat delivery counts.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.fixtures import (
    ROOT,
    BotProcess,
    TimedEmulator,
    emulation,
    go_live,
    outbox_state,
    scratch_database,
    seed,
)
from sandbox import RateLimits

# The Runtime's claim lease: on PostgreSQL a restarted process re-sends rows claimed by the
# killed one only after it runs out (bot/runtime.py).
LEASE_SECONDS = 10.0


@dataclass
class Crash:
    killed_after: int  # messages delivered when SIGKILL was sent
    claimed: int  # deliveries claimed ("sending") but not recorded at the kill
    bound: int  # stated bound on duplicates: one batch = ceil(BROADCAST_RATE)
    downtime: float  # seconds from the kill to the next delivered message


@dataclass
class RunResult:
    sender: str  # "broadcaster" (our bot process) or "bare" (python-telegram-bot alone)
    engine: str  # "sqlite", "postgresql", or "-" for the bare sender
    subscribers: int
    rate: float  # BROADCAST_RATE (or the bare sender's pace)
    paid: bool
    allowed: float  # the emulation's overall limit for these sends (30/s, or 1000/s paid)
    achieved: float  # messages/s, first to last delivery
    seconds: float
    messages: int  # messages delivered, duplicates included
    lost: int
    duplicates: int
    throttled: int  # 429s answered
    throttled_late: int  # 429s answered after the first second
    outbox: dict[str, int] = field(default_factory=dict)
    crash: Crash | None = None
    cpu_ms: float | None = None  # the sender process's CPU time per message (not after a kill)

    @property
    def of_allowed(self) -> float:
        return self.achieved / self.allowed

    @property
    def of_rate(self) -> float:
        return self.achieved / min(self.rate, self.allowed)

    def summary(self) -> str:
        text = (
            f"{self.sender:<11} {self.engine:<10} n={self.subscribers:<6} rate={self.rate:g}"
            f"{' paid' if self.paid else ''}: {self.achieved:.1f}/s "
            f"({self.of_rate:.3f} of rate, {self.of_allowed:.3f} of {self.allowed:g}/s), "
            f"lost {self.lost}, dup {self.duplicates}, 429 {self.throttled} "
            f"(late {self.throttled_late}), {self.seconds:.1f} s"
        )
        if self.cpu_ms is not None:
            text += f", {self.cpu_ms:.2f} ms CPU/msg"
        if self.crash is not None:
            text += (
                f", killed after {self.crash.killed_after} ({self.crash.claimed} claimed), "
                f"bound {self.crash.bound}, "
                f"downtime {self.crash.downtime:.1f} s"
            )
        return text

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        crash = data.get("crash")
        return cls(**{**data, "crash": Crash(**crash) if crash else None})


def _measure(
    emulator: TimedEmulator,
    ids: range,
    *,
    sender: str,
    engine: str,
    rate: float,
    paid: bool,
) -> RunResult:
    times = emulator.delivered_at
    stats = emulator.stats
    first, last = times[0], times[-1]
    span = last - first
    limits = emulator.limits
    return RunResult(
        sender=sender,
        engine=engine,
        subscribers=len(ids),
        rate=rate,
        paid=paid,
        allowed=limits.paid_per_second if paid else limits.global_per_second,
        achieved=(len(times) - 1) / span if span > 0 else math.inf,
        seconds=span,
        messages=len(times),
        lost=sum(1 for i in ids if not stats.delivered[i]),
        duplicates=sum(max(0, stats.delivered[i] - 1) for i in ids),
        throttled=stats.rate_limited,
        throttled_late=sum(1 for t in stats.rate_limited_at if t > first + 1.0),
    )


async def _wait_for(condition: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {condition}")
        await asyncio.sleep(0.02)


async def broadcast_run(
    engine: str,
    subscribers: int,
    rate: float,
    workdir: Path,
    *,
    paid: bool = False,
    limits: RateLimits | None = None,
    crash: bool = False,
    profile: Path | None = None,
    path: str = str(ROOT),
) -> RunResult:
    """Seed, start the bot, go live, (kill -9 at 50% and restart), wait until the broadcast
    is done, measure. `profile` records the bot with py-spy (raw collapsed stacks)."""
    limits = limits or RateLimits()
    os.makedirs(workdir, exist_ok=True)
    async with scratch_database(engine, workdir) as url, emulation(limits) as emulator:
        ids = await seed(url, subscribers)
        emulator.add_subscribers(ids)
        bot = BotProcess(emulator, url, workdir, rate=rate, paid=paid, python_path=path)
        await bot.start()
        spy = await _py_spy(bot.pid, profile) if profile is not None else None
        allowed = limits.paid_per_second if paid else limits.global_per_second
        timeout = subscribers / min(rate, allowed) * 2 + 60
        info: Crash | None = None
        try:
            cpu_before = bot.cpu_seconds()
            broadcast_id = await go_live(url)
            delivered = emulator.stats.delivered
            if crash:
                # About half, in the middle of a batch (claimed, partly sent, not recorded).
                batch = max(1, math.ceil(rate))
                half = len(ids) // 2 // batch * batch + batch // 2
                await _wait_for("half", lambda: len(emulator.delivered_at) >= half, timeout)
                await bot.kill()
                killed_at, killed_after = time.monotonic(), len(emulator.delivered_at)
                _, at_kill = await outbox_state(url, broadcast_id)
                await bot.start()
                await _wait_for(
                    "a delivery", lambda: len(emulator.delivered_at) > killed_after, timeout
                )
                downtime = emulator.delivered_at[killed_after] - killed_at
                info = Crash(
                    killed_after, at_kill.get("sending", 0), max(1, math.ceil(rate)), downtime
                )
            await _wait_for("every subscriber", lambda: len(delivered) >= len(ids), timeout)
            outbox = await _wait_done(url, broadcast_id, LEASE_SECONDS + 30)
            cpu = bot.cpu_seconds() - cpu_before
        finally:
            await bot.stop()
            if spy is not None:
                await asyncio.wait_for(spy.wait(), 60)
    result = _measure(emulator, ids, sender="broadcaster", engine=engine, rate=rate, paid=paid)
    result.outbox, result.crash = outbox, info
    if not crash:
        result.cpu_ms = cpu * 1000 / max(1, result.messages)
    return result


async def _wait_done(url: str, broadcast_id: int, seconds: float) -> dict[str, int]:
    """Wait until the outbox says done (after a crash, until stale claims were re-sent)."""
    deadline = time.monotonic() + seconds
    while True:
        status, counts = await outbox_state(url, broadcast_id)
        if status == "done":
            return counts
        if time.monotonic() > deadline:
            raise TimeoutError(f"broadcast {broadcast_id} is still {status}: {counts}")
        await asyncio.sleep(0.25)


async def _py_spy(pid: int, output: Path) -> asyncio.subprocess.Process:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return await asyncio.create_subprocess_exec(
        spy,
        "record",
        "--pid",
        str(pid),
        "--rate",
        "100",
        "--format",
        "raw",
        "--output",
        str(output),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def bare_run(
    subscribers: int,
    rate: float,
    workdir: Path,
    *,
    paid: bool = False,
    limits: RateLimits | None = None,
    path: str = str(ROOT),
) -> RunResult:
    """The baseline in a process of its own, against a fresh emulation with the same limits."""
    limits = limits or RateLimits()
    os.makedirs(workdir, exist_ok=True)
    async with emulation(limits) as emulator:
        ids = range(20_000_001, 20_000_001 + subscribers)
        emulator.add_subscribers(ids)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bare",
            "--base-url",
            emulator.base_url,
            "--token",
            emulator.token,
            "--first-id",
            str(ids.start),
            "--count",
            str(subscribers),
            "--rate",
            f"{rate:g}",
            *(["--paid"] if paid else []),
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": path},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), subscribers / 50 + 120)
        if process.returncode != 0:
            raise RuntimeError(f"bench.bare failed: {err.decode()[-2000:]}")
        figures = json.loads(out)
    result = _measure(emulator, ids, sender="bare", engine="-", rate=rate, paid=paid)
    result.cpu_ms = figures["cpu"] * 1000 / max(1, result.messages)
    return result
