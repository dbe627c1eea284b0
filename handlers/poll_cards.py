"""Live results on moderators' poll cards, and viewers' ballots, edited off the hot path.

A vote is acknowledged with answerCallbackQuery only; showing the voter's choice on their
ballot and the counts on the moderator's card are edits that are coalesced: the newest
state wins, at most one edit per message per interval. Edits come second to updates: at
most `EDITS_IN_FLIGHT` are on their way at once, and each first waits (up to `PATIENCE`) for a
moment with no update in progress. During a vote rush the answers, which viewers wait for,
get the bot's time, and the ballots catch up when it ends; the answer itself already says
the vote is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from domain.services import Services
from handlers import poll_render
from handlers.common import quietly
from locales import translator

log = logging.getLogger(__name__)
Key = tuple[int, int]
EDITS_IN_FLIGHT = 4
PATIENCE = 2.0  # s an edit waits for a quiet moment before it goes anyway
QUIET_CHECK = 0.02  # s between looks


@dataclass
class Coalescer:
    """Edit a message to its newest wanted state, once per `delay` at most."""

    bot: Bot
    delay: float = 0.5
    busy: Callable[[], bool] = lambda: False  # updates in progress (bot/runtime.py)
    _wanted: dict[Key, tuple[str, InlineKeyboardMarkup | None]] = field(default_factory=dict)
    _tasks: dict[Key, asyncio.Task[None]] = field(default_factory=dict)
    _turns: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(EDITS_IN_FLIGHT))
    _closed: bool = False

    def edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        key = (chat_id, message_id)
        self._wanted[key] = (text, markup)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._apply(key))

    async def _apply(self, key: Key) -> None:
        try:
            await asyncio.sleep(self.delay)
            async with self._turns:
                waited = 0.0
                while self.busy() and waited < PATIENCE:
                    await asyncio.sleep(QUIET_CHECK)
                    waited += QUIET_CHECK
                text, markup = self._wanted.pop(key)  # the newest, when its turn came
                await quietly(
                    self.bot, "editMessageText", chat_id=key[0], message_id=key[1], text=text,
                    reply_markup=markup,
                )  # fmt: skip
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.info("edit of %s skipped: %s", key, error)
        except TelegramError as error:
            log.info("edit of %s skipped: %s", key, error)
        finally:
            self._tasks.pop(key, None)
            if key in self._wanted and not self._closed:  # wanted while this one was on its way
                self._tasks[key] = asyncio.create_task(self._apply(key))

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@dataclass
class PollCards:
    """Polls whose moderator card is out of date; `run()` refreshes them every `every` s."""

    bot: Bot
    services: Services
    coalescer: Coalescer
    every: float = 2.0
    _dirty: set[int] = field(default_factory=set)

    def mark(self, poll_id: int) -> None:
        self._dirty.add(poll_id)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            for poll_view in await self.services.polls.close_due():
                self._dirty.add(poll_view.id)
            dirty, self._dirty = self._dirty, set()
            for poll_id in dirty:
                try:
                    await self.refresh(poll_id)
                except Exception:  # one bad card must not stop the others
                    log.exception("poll card %s not refreshed", poll_id)

    async def refresh(self, poll_id: int) -> None:
        results = await self.services.polls.results(poll_id)
        poll = results.poll
        if poll.card_chat_id is None or poll.card_message_id is None:
            return
        language = await self.services.users.language_of(poll.card_chat_id, None)
        text, markup = poll_render.card(translator(language), results)
        self.coalescer.edit(poll.card_chat_id, poll.card_message_id, text, markup)
