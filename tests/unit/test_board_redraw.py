"""A viewer's board after upvotes: redrawn once per burst, and later while updates are in
progress (the answers come first), but never later than the patience allows."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any, cast

import pytest

from handlers import question_feed
from handlers.context import BotApp
from handlers.question_feed import Feed


async def test_board_redraw_waits_while_updates_are_in_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy = True
    monkeypatch.setattr(question_feed, "handling_updates", lambda app: busy)
    monkeypatch.setattr(question_feed, "BOARD_DELAY", 0.02)
    monkeypatch.setattr(question_feed, "BOARD_PATIENCE", 0.3)
    feed = Feed(cast(BotApp, object()))
    redraws: list[Hashable] = []

    def put(chat_id: int, key: Hashable, job: Any) -> None:
        redraws.append(key)

    monkeypatch.setattr(feed, "put", put)
    feed.edit_board(1, 10, 1, 5, 0, "en")
    await asyncio.sleep(0.15)
    assert redraws == []  # updates in progress: it waits
    feed.edit_board(1, 10, 1, 5, 0, "en")  # the viewer's next vote joins the same redraw
    await asyncio.sleep(0.3)
    assert redraws == [("board", 10)]  # the patience ran out: once, busy or not
    busy = False
    feed.edit_board(1, 11, 1, 5, 0, "en")
    await asyncio.sleep(0.06)
    assert redraws == [("board", 10), ("board", 11)]  # nothing in progress: at once


async def test_boards_due_in_one_step_are_redrawn_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Viewers who voted at different moments of one step get their redraws in the same
    turn of the loop, so `QuestionService.board` reads them as one batch."""
    monkeypatch.setattr(question_feed, "handling_updates", lambda app: False)
    monkeypatch.setattr(question_feed, "BOARD_DELAY", 0.1)
    feed = Feed(cast(BotApp, object()))
    loop = asyncio.get_running_loop()
    redraws: list[tuple[int, float]] = []

    def put(chat_id: int, key: Hashable, job: Any) -> None:
        redraws.append((chat_id, loop.time()))

    monkeypatch.setattr(feed, "put", put)
    start = loop.time()
    await asyncio.sleep(0.1 - start % 0.1 + 0.01)  # just after a step: the rest comes soon
    for viewer in range(1, 6):
        feed.edit_board(viewer, 10 + viewer, viewer, 5, 0, "en")
        await asyncio.sleep(0.012)  # votes spread over 60 ms of the step
    await asyncio.sleep(0.25)
    assert sorted(chat for chat, _ in redraws) == [1, 2, 3, 4, 5]
    times = [at for _, at in redraws]
    assert max(times) - min(times) < 0.005  # one turn of the loop for all five (votes: 48 ms)
    at = min(times)
    first_vote = start + (0.1 - start % 0.1 + 0.01)
    assert 0.1 <= at - first_vote < 0.2 + 0.02  # at least BOARD_DELAY, at most two steps
