"""What the bot sends, held to Telegram's flood limits, so that the Bot API never answers 429.

python-telegram-bot's `AIORateLimiter` (used before) let 429s through: its leaky buckets
admit a burst of 30 at once and then 30 a second, so up to 59 sends fall into one second
after a quiet spell (and 39 into a minute for a group); it has no limit per private chat;
and one 429 holds back every request, answers to button presses included, until its retry.

`FloodLimiter` counts what Telegram counts, the sending methods, in sliding windows like
Telegram's: at most `overall` a second across chats, one a second per private chat and
`group_per_minute` a minute per group or channel, each window `MARGIN` longer than
Telegram's so that network jitter cannot push one send too many into Telegram's window.
A send holds its place from the moment it is let go until Telegram answers, and is dated by
the answer (`Window`): an event loop busy with a rush of updates can hold a request back
after it was let go, and it must not land in the next window as well.
In a group, edits count as well (the moderators' feed relies on it to pace its digest).
Other edits, answers to callback queries and the rest never wait. A send waits for its turn
where it is made: the `/ask` confirmation and what goes to the moderators' group wait in
their chat's lane (handlers/question_feed.py) and hold no update; another reply sent by a
handler waits in the handler (its chat's later updates wait with it, bot/ordering.py).
If a 429 comes anyway (another process using the token), every send waits `retry_after`
and the request is repeated, at most `max_retries` times.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from handlers.broadcaster import retry_seconds

MARGIN = 0.1  # seconds added to each of Telegram's windows
IN_FLIGHT_CHECK = 0.02  # s: a window full of sends still on their way is looked at again
SENDS = frozenset(
    {
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "sendAnimation",
        "sendAudio",
        "sendContact",
        "sendDice",
        "sendDocument",
        "sendGame",
        "sendInvoice",
        "sendLocation",
        "sendMediaGroup",
        "sendMessage",
        "sendPaidMedia",
        "sendPhoto",
        "sendPoll",
        "sendSticker",
        "sendVenue",
        "sendVideo",
        "sendVideoNote",
        "sendVoice",
    }
)
# Counted in a group or channel's window too, as python-telegram-bot's limiter did.
GROUP_EDITS = frozenset(
    {
        "editMessageCaption",
        "editMessageLiveLocation",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageText",
    }
)
Chat = int | str


class Window:
    """At most `capacity` sends in any `seconds`. A send holds its place from the moment it
    is let go, and its time is taken when Telegram has answered (`done`): Telegram counted it
    somewhere in between, and an event loop busy with other updates can hold a request back
    for a while after the limiter let it go. The log of the last ones is in order."""

    __slots__ = ("capacity", "seconds", "sending", "times")

    def __init__(self, capacity: int, seconds: float) -> None:
        self.capacity = capacity
        self.seconds = seconds
        self.times: deque[float] = deque()
        self.sending = 0  # let go, not answered yet

    def wait(self, now: float) -> float:
        """Seconds until one more send fits (0: now)."""
        times = self.times
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if len(times) + self.sending < self.capacity:
            return 0.0
        return times[0] + self.seconds - now if times else IN_FLIGHT_CHECK

    def take(self) -> None:
        self.sending += 1

    def done(self, now: float) -> None:
        self.sending -= 1
        self.times.append(now)


class FloodLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        overall: int = 30,
        group_per_minute: int = 20,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = Window(overall, 1 + MARGIN)
        self._group_per_minute = group_per_minute
        self._max_retries = max_retries
        self._clock = clock
        self._chats: dict[Chat, tuple[Window, asyncio.Lock]] = {}
        self._gate = asyncio.Lock()  # the overall window, first come first served
        self._paused_until = 0.0
        self._sends = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        if not isinstance(chat, int | str):
            return await callback(*args, **kwargs)
        group = isinstance(chat, str) or chat < 0
        if endpoint not in SENDS and not (group and endpoint in GROUP_EDITS):
            return await callback(*args, **kwargs)
        overall = endpoint in SENDS and not data.get("allow_paid_broadcast")
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            windows = await self._turn(chat, overall=overall)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt >= retries:
                    raise
                attempt += 1
                until = self._clock() + retry_seconds(error)
                self._paused_until = max(self._paused_until, until)
            finally:
                now = self._clock()
                for window in windows:
                    window.done(now)

    async def _turn(self, chat: Chat, *, overall: bool) -> tuple[Window, ...]:
        """Wait until this chat (and, for a send, Telegram as a whole: a paid broadcast has
        1000/s of its own) takes one more message; hold its places until it is answered."""
        window, turn = self._chat(chat)
        async with turn:  # one waiting send per chat, in order
            await self._wait(window)
            if not overall:
                window.take()
                taken: tuple[Window, ...] = (window,)
            else:
                async with self._gate:
                    await self._wait(self._overall)
                    self._overall.take()
                window.take()
                taken = (window, self._overall)
        self._sends += 1
        if self._sends % 1000 == 0:
            self._forget_idle(self._clock())
        return taken

    async def _wait(self, window: Window) -> None:
        while True:
            now = self._clock()
            delay = max(window.wait(now), self._paused_until - now)
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    def _chat(self, chat: Chat) -> tuple[Window, asyncio.Lock]:
        found = self._chats.get(chat)
        if found is None:
            private = isinstance(chat, int) and chat > 0
            if private:
                window = Window(1, 1 + MARGIN)
            else:
                window = Window(self._group_per_minute, 60 + MARGIN)
            found = self._chats[chat] = (window, asyncio.Lock())
        return found

    def _forget_idle(self, now: float) -> None:
        """Drop the windows of chats with nothing in them (memory stays bounded)."""
        for chat, (window, turn) in list(self._chats.items()):
            if (
                not turn.locked()
                and not window.sending
                and window.wait(now) == 0
                and not window.times
            ):
                del self._chats[chat]
