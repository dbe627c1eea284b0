"""Flood limits: 1/s per private chat, 20/min per group, 30/s overall, 1000/s paid."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from sandbox import BotApiEmulator, Driver, RateLimits
from sandbox.limits import RateLimiter

# reading RetryAfter.retry_after as an int is deprecated in PTB 22; seconds() handles both
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@asynccontextmanager
async def running(limits: RateLimits) -> AsyncIterator[tuple[BotApiEmulator, Bot, Driver]]:
    emulator = BotApiEmulator(limits=limits)
    await emulator.start()
    try:
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            yield emulator, bot, Driver(emulator)
    finally:
        await emulator.stop()


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def test_one_message_per_second_per_private_chat() -> None:
    async with running(RateLimits()) as (emulator, bot, driver):
        sara, omar = driver.user(1, "Sara"), driver.user(2, "Omar")
        first = await bot.send_message(sara.id, "one")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(sara.id, "two")
        assert seconds(caught.value) == 1
        await bot.send_message(omar.id, "other chat is fine")
        await bot.edit_message_text("edits are free", chat_id=sara.id, message_id=first.id)
        with pytest.raises(RetryAfter):
            await bot.send_message(sara.id, "three")
        assert emulator.stats.rate_limited == 2
        assert len(emulator.stats.rate_limited_at) == 2
        assert [m.text for m in sara.messages] == ["edits are free"]
        emulator.reset_stats()
        assert emulator.stats.rate_limited == 0
        await bot.send_message(sara.id, "windows reset too")


async def test_global_limit_and_edits_are_free() -> None:
    async with running(RateLimits(global_per_second=5, private_per_second=100)) as (
        emulator,
        bot,
        driver,
    ):
        users = [driver.user(100 + i) for i in range(6)]
        first = None
        for user in users[:5]:
            sent = await bot.send_message(user.id, "hi")
            first = first or sent
        with pytest.raises(RetryAfter):
            await bot.send_message(users[5].id, "sixth")
        assert first is not None
        for i in range(10):
            await bot.edit_message_text(f"edit {i}", chat_id=users[0].id, message_id=first.id)
        assert emulator.stats.rate_limited == 1


async def test_thirty_per_second_by_default() -> None:
    async with running(RateLimits(private_per_second=1000)) as (_emulator, bot, driver):
        users = [driver.user(200 + i) for i in range(31)]
        for user in users[:30]:
            await bot.send_message(user.id, "hi")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[30].id, "one too many")


async def test_group_limit_per_minute() -> None:
    async with running(RateLimits(group_per_minute=3)) as (_emulator, bot, driver):
        group = driver.group(-1001, "Live")
        for i in range(3):
            await bot.send_message(group.id, f"m{i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(group.id, "m3")
        assert 55 <= seconds(caught.value) <= 60


async def test_no_limits_when_disabled() -> None:
    async with running(RateLimits(enabled=False)) as (emulator, bot, driver):
        user = driver.user(3)
        for i in range(50):
            await bot.send_message(user.id, f"m{i}")
        assert len(user.messages) == 50
        assert emulator.stats.delivered[user.id] == 50


async def test_paid_broadcast_uses_its_own_limit() -> None:
    async with running(RateLimits(global_per_second=2, paid_per_second=5)) as (_, bot, driver):
        users = [driver.user(300 + i) for i in range(6)]
        for user in users[:5]:
            await bot.send_message(user.id, "paid", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(users[5].id, "paid", allow_paid_broadcast=True)
        await bot.send_message(users[5].id, "free")  # the free window is separate


async def test_paid_broadcast_keeps_the_per_chat_limit() -> None:
    async with running(RateLimits(paid_per_second=100)) as (_, bot, driver):
        user = driver.user(400)
        await bot.send_message(user.id, "paid", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(user.id, "again", allow_paid_broadcast=True)


def test_retry_after_comes_from_the_window() -> None:
    limiter = RateLimiter(RateLimits(global_per_second=2, private_per_second=1))
    assert limiter.acquire(1, True, False, now=10.0) == 0
    assert limiter.acquire(2, True, False, now=10.2) == 0
    assert limiter.acquire(3, True, False, now=10.4) == 1  # global full until 11.0
    assert limiter.acquire(3, True, False, now=11.01) == 0  # first event left the window
    assert limiter.acquire(1, True, False, now=11.02) == 1  # global: 10.2 and 11.01 inside
    assert limiter.acquire(1, True, False, now=12.5) == 0
    slow = RateLimiter(RateLimits(private_per_second=0.25))
    assert slow.acquire(1, True, False, now=0.0) == 0
    assert slow.acquire(1, True, False, now=1.0) == 3
