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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_LIMIT = 256  # updates in progress at once; getUpdates returns at most 100


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

    __slots__ = ("_locks",)

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        super().__init__(max_concurrent_updates=limit)
        self._locks: dict[int, _Turn] = {}  # dropped when nobody holds or awaits it

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        turn = self._locks.get(key)
        if turn is None:
            turn = self._locks[key] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                await coroutine
        finally:
            turn.users -= 1
            if not turn.users:
                del self._locks[key]

    @property
    def chats_in_progress(self) -> int:
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free: the application waits for its update tasks itself."""
