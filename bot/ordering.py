"""Updates handled concurrently, in order within each chat.

python-telegram-bot handles updates one at a time by default: every database round trip and
every reply that waits for Telegram's flood limits holds up every other viewer. With
`ChatOrderedProcessor` the application starts a task per update (up to `limit` at once) and
this processor keeps one rule: two updates of the same chat (or, without a chat, the same
user) never run at the same time, and they run in the order Telegram numbered them. So a
viewer's `/ask` and the text that follows it, or a moderator's two taps, are seen in order,
while a thousand viewers' votes overlap.

Ordering: the application creates the tasks in update order and each task queues on its
chat's lock before its first `await` can yield to a later update of that chat, and
`asyncio.Lock` wakes its waiters first in, first out.

Admission: `admit(update)` (the claim of the update's id, bot/application.py) is started when
the update arrives, before it waits for its chat's turn, and awaited when the turn comes; an
update it refuses is dropped. So the updates of one getUpdates batch are claimed together,
and a viewer's third update does not wait for its own claim after the first two.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_LIMIT = 256  # updates in progress at once; getUpdates returns at most 100
Admit = Callable[[object], Awaitable[bool]]


def order_key(update: object) -> int | None:
    """The chat whose updates must stay in order; None for what has no chat or user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:  # poll answers, inline queries
        return update.effective_user.id
    return None


class _Turn:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # tasks holding or awaiting the lock


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one."""

    __slots__ = ("_admit", "_locks")

    def __init__(self, limit: int = DEFAULT_LIMIT, admit: Admit | None = None) -> None:
        super().__init__(max_concurrent_updates=limit)
        self._admit = admit
        self._locks: dict[int, _Turn] = {}  # dropped when nobody holds or awaits it

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        admitted = None if self._admit is None else asyncio.ensure_future(self._admit(update))
        try:
            key = order_key(update)
            if key is None:
                await _run(admitted, coroutine)
                return
            turn = self._locks.get(key)
            if turn is None:
                turn = self._locks[key] = _Turn()
            turn.users += 1
            try:
                async with turn.lock:
                    await _run(admitted, coroutine)
            finally:
                turn.users -= 1
                if not turn.users:
                    del self._locks[key]
        finally:
            if admitted is not None and not admitted.done():  # cancelled while waiting
                admitted.cancel()

    @property
    def chats_in_progress(self) -> int:
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free: the application waits for its update tasks itself."""


async def _run(admitted: asyncio.Future[bool] | None, coroutine: Awaitable[Any]) -> None:
    """The update's handling, if it was admitted."""
    if admitted is None or await admitted:
        await coroutine
    elif inspect.iscoroutine(coroutine):
        coroutine.close()  # never started: no "never awaited" warning
