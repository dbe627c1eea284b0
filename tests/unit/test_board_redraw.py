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
