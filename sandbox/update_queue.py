"""Pending updates with getUpdates semantics (offset, limit, allowed_updates, long polling)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from .state import Notifier

JSON = dict[str, Any]

#: Update types delivered when ``allowed_updates`` was never given (or given as []).
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: JSON) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


class UpdateQueue:
    """Updates waiting for the bot, oldest first.

    Updates stay until the bot confirms them with a higher ``offset`` (or a webhook accepted
    them). ``delivered_upto`` is the highest update_id handed out at least once.
    """

    def __init__(self) -> None:
        self.pending: deque[JSON] = deque()
        self.next_id = 1
        self.allowed: frozenset[str] | None = None
        self.delivered_upto = 0
        self.last_delivery = 0.0
        self.changed = Notifier()

    # -- producing -------------------------------------------------------------------------
    def accepts(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def put(self, update: JSON) -> tuple[int, bool]:
        """Assign an update_id if missing and enqueue; returns (update_id, accepted).

        Types excluded by ``allowed_updates`` are dropped at once, as Telegram does.
        """
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or update_id < self.next_id:
            update_id = self.next_id
            update = {
                "update_id": update_id,
                **{k: v for k, v in update.items() if k != "update_id"},
            }
        self.next_id = update_id + 1
        if not self.accepts(update_type(update)):
            return update_id, False
        self.pending.append(update)
        self.changed.notify()
        return update_id, True

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        """Remember ``allowed_updates``; an empty list means the default set."""
        new = frozenset(allowed) if allowed else None
        if new == self.allowed:
            return
        self.allowed = new
        self.pending = deque(u for u in self.pending if self.accepts(update_type(u)))

    # -- consuming -------------------------------------------------------------------------
    def confirm(self, offset: int) -> None:
        """Apply a getUpdates ``offset``: drop confirmed updates (negative: keep the last N)."""
        pending = self.pending
        if offset > 0:
            while pending and pending[0]["update_id"] < offset:
                pending.popleft()
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft()

    def peek(self, limit: int) -> list[JSON]:
        """The first ``limit`` pending updates, marked as delivered."""
        pending = self.pending
        if not pending:
            return []
        batch = list(pending) if len(pending) <= limit else [pending[i] for i in range(limit)]
        self.mark_delivered(batch[-1]["update_id"])
        return batch

    def mark_delivered(self, update_id: int) -> None:
        if update_id > self.delivered_upto:
            self.delivered_upto = update_id
        self.last_delivery = time.monotonic()

    def drop_all(self) -> None:
        self.pending.clear()

    @property
    def undelivered(self) -> bool:
        """True if some pending update was never handed to the bot."""
        return bool(self.pending) and self.pending[-1]["update_id"] > self.delivered_upto
