"""Issue 3 crash safety: `kill -9` the running bot in the middle of a broadcast, start it again.

The bot is a real `python -m bot.cli run` process against the Bot API emulation (which keeps
Telegram's limits: here 60 messages/s overall, 1/s per chat). Nobody may be left out, and
duplicates are bounded by one batch, ceil(BROADCAST_RATE): the sends whose results the killed
process had not recorded yet. On PostgreSQL the restarted bot re-sends those only after the
killed process's lease (10 s) runs out; on SQLite it releases them at start-up.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from pathlib import Path

from bench.fixtures import BotProcess, emulation, go_live, outbox_state, seed
from sandbox import RateLimits

SUBSCRIBERS = 250
RATE = 50


async def until(what: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def broadcast_done(url: str, broadcast_id: int, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        status, counts = await outbox_state(url, broadcast_id)
        if status == "done":
            return counts
        assert time.monotonic() < deadline, f"broadcast still {status}: {counts}"
        await asyncio.sleep(0.2)


async def test_sigkill_mid_broadcast_loses_nobody(database_url: str, tmp_path: Path) -> None:
    ids = await seed(database_url, SUBSCRIBERS)
    async with emulation(RateLimits(global_per_second=60)) as emulator:
        emulator.add_subscribers(ids)
        bot = BotProcess(emulator, database_url, tmp_path, rate=RATE)
        await bot.start()
        try:
            broadcast_id = await go_live(database_url)
            # 125 delivered is half-way through the third batch of 50
            await until("half", lambda: len(emulator.delivered_at) >= SUBSCRIBERS // 2, 20)
            await bot.kill()
            _, at_kill = await outbox_state(database_url, broadcast_id)
            claimed = at_kill.get("sending", 0)
            assert 0 < claimed <= math.ceil(RATE), at_kill  # killed inside a batch

            await bot.start()
            await until("everyone", lambda: len(emulator.stats.delivered) >= SUBSCRIBERS, 30)
            counts = await broadcast_done(database_url, broadcast_id, 20)
        finally:
            await bot.stop()

    delivered = emulator.stats.delivered
    assert [i for i in ids if delivered[i] == 0] == []
    duplicates = sum(delivered[i] - 1 for i in ids if delivered[i] > 1)
    assert duplicates <= claimed  # only sends whose result was not recorded: ≤ one batch
    assert set(delivered) == set(ids)
    assert counts == {"sent": SUBSCRIBERS}
    assert not emulator.errors, emulator.errors
