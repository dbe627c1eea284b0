"""The bot's flood limiter: Telegram's windows for sends, nothing else held back."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from telegram.error import RetryAfter

from bot.flood import MARGIN, FloodLimiter


class Calls:
    def __init__(self, fail_first: int = 0) -> None:
        self.times: list[float] = []
        self.fail_first = fail_first

    async def __call__(self, *_: Any) -> bool:
        self.times.append(time.monotonic())
        if self.fail_first:
            self.fail_first -= 1
            raise RetryAfter(1)
        return True


async def send(limiter: FloodLimiter, calls: Calls, endpoint: str, chat: int | str) -> None:
    await limiter.process_request(calls, (), {}, endpoint, {"chat_id": chat}, None)


async def test_overall_window_is_never_exceeded() -> None:
    limiter, calls = FloodLimiter(overall=3), Calls()
    await asyncio.gather(*(send(limiter, calls, "sendMessage", 100 + i) for i in range(7)))
    times = sorted(calls.times)
    assert len(times) == 7
    for i in range(3, 7):  # any 4 sends span more than Telegram's second
        assert times[i] - times[i - 3] >= 1 + MARGIN - 0.01


async def test_one_a_second_per_private_chat_and_edits_never_wait() -> None:
    limiter, sends, edits = FloodLimiter(), Calls(), Calls()
    started = time.monotonic()
    await asyncio.gather(
        send(limiter, sends, "sendMessage", 7),
        send(limiter, sends, "sendMessage", 7),
        *(send(limiter, edits, "editMessageText", 7) for _ in range(50)),
        *(send(limiter, edits, "answerCallbackQuery", 7) for _ in range(50)),
    )
    assert max(edits.times) - started < 0.5
    first, second = sorted(sends.times)
    assert second - first >= 1 + MARGIN - 0.01


async def test_groups_get_their_minute_window_edits_included() -> None:
    limiter, calls = FloodLimiter(group_per_minute=2), Calls()
    await send(limiter, calls, "sendMessage", -100123)
    await send(limiter, calls, "editMessageText", -100123)
    waiting = asyncio.create_task(send(limiter, calls, "sendMessage", -100123))
    await asyncio.sleep(0.3)
    assert len(calls.times) == 2
    assert not waiting.done()  # the third waits for the minute
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting


async def test_a_429_that_gets_through_is_waited_out_and_retried() -> None:
    limiter, calls = FloodLimiter(), Calls(fail_first=1)
    await send(limiter, calls, "sendMessage", 8)
    assert len(calls.times) == 2
    assert calls.times[1] - calls.times[0] >= 1.0


async def test_a_send_holds_its_place_until_telegram_answers() -> None:
    """Telegram counts a message when it arrives, which a busy event loop can delay after the
    limiter let it go: a send on its way fills its place, and its time is its answer's."""
    limiter = FloodLimiter(overall=2)
    started: dict[str, float] = {}
    answered: dict[str, float] = {}

    async def send_slowly(label: str, chat: int) -> None:
        async def slow(*_: Any) -> bool:
            started[label] = time.monotonic()
            await asyncio.sleep(0.4)
            answered[label] = time.monotonic()
            return True

        await limiter.process_request(slow, (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(send_slowly("a", 9), send_slowly("b", 10), send_slowly("c", 11))
    assert started["b"] - started["a"] < 0.1  # two fit the overall window at once
    # the third waits for an answer plus the window (counted from the send: 1.1 s)
    assert started["c"] - answered["a"] >= 1 + MARGIN - 0.01
    await send_slowly("d", 9)  # chat 9 again: a second after its last answer
    assert started["d"] - answered["a"] >= 1 + MARGIN - 0.01
