"""Flood limits of the emulated Bot API: sliding-window logs, O(1) amortised per request."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass
class RateLimits:
    """Telegram's broadcast limits; only sending methods are counted.

    ``private_per_second`` applies per private chat, ``group_per_minute`` per group, supergroup
    or channel, ``global_per_second`` across all chats and ``paid_per_second`` across all chats
    for requests with ``allow_paid_broadcast=true`` (instead of the global limit).
    """

    enabled: bool = True
    global_per_second: float = 30
    private_per_second: float = 1
    group_per_minute: int = 20
    paid_per_second: float = 1000


class SlidingWindow:
    """At most ``capacity`` events in any ``window`` seconds (a log of the last events)."""

    __slots__ = ("_times", "capacity", "window")

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity = max(1, capacity)
        self.window = window
        self._times: deque[float] = deque()

    @classmethod
    def per_second(cls, rate: float) -> SlidingWindow:
        """A window for ``rate`` events per second (rates below 1 widen the window)."""
        if rate >= 1:
            return cls(int(rate), 1.0)
        return cls(1, 1.0 / rate if rate > 0 else math.inf)

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits (0 if it fits now); drops expired entries."""
        times = self._times
        horizon = now - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) < self.capacity:
            return 0.0
        return times[0] + self.window - now

    def record(self, now: float) -> None:
        self._times.append(now)


def retry_after_seconds(wait: float) -> int:
    """Telegram's ``retry_after``: whole seconds, at least 1."""
    if math.isinf(wait):
        return 3600
    return max(1, math.ceil(wait))


class RateLimiter:
    """Checks and records the per-chat and global windows of one emulator."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.reset()

    def reset(self) -> None:
        """Forget all recorded events (and pick up changed limits)."""
        limits = self.limits
        self._global = SlidingWindow.per_second(limits.global_per_second)
        self._paid = SlidingWindow.per_second(limits.paid_per_second)
        self._chats: dict[int, SlidingWindow] = {}

    def _chat_window(self, chat_id: int, private: bool) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if private:
                window = SlidingWindow.per_second(self.limits.private_per_second)
            else:
                window = SlidingWindow(self.limits.group_per_minute, 60.0)
            self._chats[chat_id] = window
        return window

    def acquire(self, chat_id: int, private: bool, paid: bool, now: float) -> int:
        """Count one message; returns 0 if allowed, else ``retry_after`` (nothing recorded)."""
        if not self.limits.enabled:
            return 0
        chat = self._chat_window(chat_id, private)
        overall = self._paid if paid else self._global
        wait = max(chat.wait_time(now), overall.wait_time(now))
        if wait > 0:
            return retry_after_seconds(wait)
        chat.record(now)
        overall.record(now)
        return 0
