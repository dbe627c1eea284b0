"""The edits of ballots and poll cards: the newest state wins, none is lost, few at once."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from telegram import Bot

from handlers import poll_cards
from handlers.poll_cards import EDITS_IN_FLIGHT, Coalescer


class SlowBot:
    """Records edits; each takes until `release` is set."""

    def __init__(self) -> None:
        self.edits: list[tuple[int, str]] = []
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> None:
        assert method == "editMessageText"
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.release.wait()
        self.in_flight -= 1
        self.edits.append((api_kwargs["message_id"], api_kwargs["text"]))


async def test_a_state_wanted_during_an_edit_is_applied_after_it() -> None:
    bot = SlowBot()
    coalescer = Coalescer(cast(Bot, bot), delay=0.01)
    coalescer.edit(1, 10, "first", None)
    await asyncio.sleep(0.05)  # the first edit is on its way
    coalescer.edit(1, 10, "second", None)
    coalescer.edit(1, 10, "third", None)  # replaces "second" while it waits
    bot.release.set()
    await asyncio.sleep(0.1)
    assert bot.edits == [(10, "first"), (10, "third")]
    await coalescer.close()


async def test_few_edits_at_once_and_every_message_gets_its_newest() -> None:
    bot = SlowBot()
    coalescer = Coalescer(cast(Bot, bot), delay=0.01)
    for message_id in range(20):
        coalescer.edit(1, message_id, f"v1-{message_id}", None)
        coalescer.edit(1, message_id, f"v2-{message_id}", None)
    await asyncio.sleep(0.05)
    assert bot.in_flight == EDITS_IN_FLIGHT  # the rest wait their turn
    bot.release.set()
    await asyncio.sleep(0.2)
    assert sorted(bot.edits) == sorted((m, f"v2-{m}") for m in range(20))
    assert bot.most_in_flight == EDITS_IN_FLIGHT
    await coalescer.close()


async def test_edits_wait_for_a_moment_without_updates_but_not_for_ever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = SlowBot()
    bot.release.set()
    busy = True
    coalescer = Coalescer(cast(Bot, bot), delay=0.01, busy=lambda: busy)
    coalescer.edit(1, 10, "rush over", None)
    await asyncio.sleep(0.2)
    assert bot.edits == []  # updates in progress: the edit waits
    busy = False
    await asyncio.sleep(0.1)
    assert bot.edits == [(10, "rush over")]
    busy = True
    monkeypatch.setattr(poll_cards, "PATIENCE", 0.1)
    coalescer.edit(1, 11, "anyway", None)
    await asyncio.sleep(0.3)
    assert bot.edits[-1] == (11, "anyway")  # a rush that does not end delays it, no more
    await coalescer.close()
