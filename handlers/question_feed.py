"""Questions' outgoing traffic, off the update path: moderators' cards and their refreshes,
the digest, askers' notices and viewers' board edits (a burst of votes redraws once).

Each chat has a lane: an ordered set of jobs drained by one task at a time (started on
demand with `Application.create_task`, so `stop()` waits for it). A job queued under a key
that is still waiting replaces the waiting one, so edits coalesce and the newest state wins.
Handlers only enqueue: a group that hit Telegram's 20 messages a minute makes
python-telegram-bot's rate limiter wait in the lane's task, never in an update's handler.

Cards of new questions: a lane sends one per question while it made fewer than
`CARDS_PER_MINUTE` requests in the last minute (cards, edits and digests all count, as in the
rate limiter). Above that it switches to a digest, one message ("37 new questions — /queue")
edited in place, until the last minute's requests fall to half the budget (no flapping).
The counting is in memory on purpose: after a restart the worst case is one minute in which
the rate limiter, not this count, holds the group to its limit (its waits are in the lane,
so nothing is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from domain.question_views import CardRef, Notice
from domain.services import Services
from handlers import question_render as render
from handlers.common import Rows, quietly
from handlers.context import SERVICES_KEY, BotApp, BotContext, handling_updates
from locales import translator

log = logging.getLogger(__name__)

FEED_KEY = "question_feed"
CARDS_PER_MINUTE = 18  # of Telegram's 20 per group: room for the digest and a reply
BOARD_DELAY = 0.5  # s: a viewer's votes in this time redraw their board once; the grid step
BOARD_PATIENCE = 2.0  # s a redraw waits, in BOARD_DELAY steps, while updates are in progress
WINDOW = 60.0
Job = Callable[[], Awaitable[None]]


@dataclass
class Lane:
    chat_id: int
    language: str = "ar"
    jobs: OrderedDict[Hashable, Job] = field(default_factory=OrderedDict)
    sent: deque[float] = field(default_factory=deque)
    running: bool = False
    digest_count: int = 0
    digest_message_id: int | None = None

    def recent(self, now: float) -> int:
        while self.sent and self.sent[0] <= now - WINDOW:
            self.sent.popleft()
        return len(self.sent)

    def note(self) -> None:
        self.sent.append(time.monotonic())


def feed_of(app: BotApp) -> Feed:
    feed = app.bot_data.get(FEED_KEY)
    if not isinstance(feed, Feed):
        feed = Feed(app)
        app.bot_data[FEED_KEY] = feed
    return feed


def feed(context: BotContext) -> Feed:
    app: BotApp = context.application  # type: ignore[assignment]  # ST is BotContext here
    return feed_of(app)


class Feed:
    def __init__(self, app: BotApp) -> None:
        self._app = app
        self._lanes: dict[int, Lane] = {}
        self._serial = itertools.count()
        self._stray: set[asyncio.Task[None]] = set()
        self._boards: dict[tuple[int, int], tuple[int, int, int, str]] = {}

    @property
    def services(self) -> Services:
        services = self._app.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    def lane(self, chat_id: int) -> Lane:
        lane = self._lanes.get(chat_id)
        if lane is None:
            lane = self._lanes[chat_id] = Lane(chat_id)
        return lane

    def put(self, chat_id: int, key: Hashable, job: Job) -> None:
        lane = self.lane(chat_id)
        lane.jobs[key] = job  # a waiting job with this key keeps its place, with the new work
        if not lane.running:
            lane.running = True
            name = f"question-feed-{chat_id}"
            if self._app.running:
                self._app.create_task(self._drain(lane), name=name)  # awaited by stop()
            else:  # the last updates handled while stopping: finish on our own
                task = asyncio.get_running_loop().create_task(self._drain(lane), name=name)
                self._stray.add(task)
                task.add_done_callback(self._stray.discard)

    async def _drain(self, lane: Lane) -> None:
        try:
            while lane.jobs:
                _, job = lane.jobs.popitem(last=False)
                try:
                    await job()
                except TelegramError as error:
                    log.info("question feed: chat %s: %s", lane.chat_id, error)
                except Exception:  # one bad job must not stop the lane; logged
                    log.exception("question feed job failed in chat %s", lane.chat_id)
        finally:
            lane.running = False

    # -- jobs --------------------------------------------------------------------------------
    def say(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | Rows | None = None
    ) -> None:
        async def job() -> None:
            await quietly(
                self._app.bot, "sendMessage", chat_id=chat_id, text=text, reply_markup=markup
            )
            self.lane(chat_id).note()

        self.put(chat_id, ("say", next(self._serial)), job)

    def new_question(self, chat_id: int, language: str, question_id: int) -> None:
        lane = self.lane(chat_id)
        lane.language = language

        async def job() -> None:
            budget = CARDS_PER_MINUTE if not lane.digest_count else CARDS_PER_MINUTE // 2
            if lane.recent(time.monotonic()) < budget:
                lane.digest_count, lane.digest_message_id = 0, None
                await self.send_card(chat_id, language, question_id)
            else:
                lane.digest_count += 1
                self.put(chat_id, "digest", lambda: self._digest(lane))

        self.put(chat_id, ("new", question_id), job)

    async def send_card(self, chat_id: int, language: str, question_id: int) -> None:
        """Post a card and remember it. A change made while it was on its way found no card
        to refresh, so the card is compared with the question once it is remembered."""
        tr = translator(language)
        desk = self.services.question_desk
        card = await desk.card(question_id)
        message = await self._app.bot.send_message(
            chat_id, render.card_text(tr, card), reply_markup=render.card_markup(tr, card)
        )
        self.lane(chat_id).note()
        await desk.add_card(question_id, chat_id, message.message_id, language)
        if (await desk.card(question_id)).question != card.question:
            self.edit_card(chat_id, message.message_id, language, question_id)

    async def _digest(self, lane: Lane) -> None:
        if not lane.digest_count:
            return  # the flood ended before this edit's turn
        text = translator(lane.language).tn("queue.digest", lane.digest_count)
        bot = self._app.bot
        if lane.digest_message_id is not None:
            try:
                await bot.edit_message_text(text, lane.chat_id, lane.digest_message_id)
                lane.note()
                return
            except BadRequest as error:
                if "not modified" in str(error).lower():
                    return
                log.info("digest in chat %s not editable (%s): posting anew", lane.chat_id, error)
        message = await bot.send_message(lane.chat_id, text)
        lane.note()
        lane.digest_message_id = message.message_id

    async def refresh(self, question_ids: Sequence[int], pressed: CardRef | None = None) -> None:
        """Queue an edit of every card of these questions to their current state; `pressed`
        is the card a moderator just used (perhaps not recorded yet, if it is brand new)."""
        refs = list(await self.services.question_desk.cards_of(tuple(question_ids)))
        for ref in [*refs, pressed] if pressed is not None else refs:
            self.edit_card(ref.chat_id, ref.message_id, ref.language, ref.question_id)

    def edit_card(
        self,
        chat_id: int,
        message_id: int,
        language: str,
        question_id: int,
        markup: Callable[[], Awaitable[InlineKeyboardMarkup]] | None = None,
    ) -> None:
        """The card's current state (or, with `markup`, only a different keyboard)."""

        async def job() -> None:
            tr = translator(language)
            bot = self._app.bot
            with contextlib.suppress(BadRequest):  # not modified, or deleted meanwhile
                if markup is not None:
                    await bot.edit_message_reply_markup(
                        chat_id, message_id, reply_markup=await markup()
                    )
                else:
                    card = await self.services.question_desk.card(question_id)
                    await bot.edit_message_text(
                        render.card_text(tr, card),
                        chat_id,
                        message_id,
                        reply_markup=render.card_markup(tr, card),
                    )
            self.lane(chat_id).note()

        self.put(chat_id, ("card", message_id), job)

    def notify(self, notices: Sequence[Notice]) -> None:
        for notice in notices:
            text = render.notice_text(translator(notice.language), notice)
            self.say(notice.user_id, text)

    def edit_board(
        self,
        chat_id: int,
        message_id: int,
        user_id: int,
        session_id: int,
        page: int,
        language: str,
    ) -> None:
        """Redraw a viewer's board after a vote, `BOARD_DELAY` to twice that later: the votes
        of a burst redraw it once, with the newest counts. Redraws fall on a grid of
        `BOARD_DELAY` steps, so the boards due in one step are read together (one batch of
        `QuestionService.board`, instead of a read per viewer). While updates are in progress
        the redraw waits longer (up to `BOARD_PATIENCE`): in a rush the answers, which say
        the vote is in, come first, and a viewer's next votes join the same redraw."""
        key = (chat_id, message_id)
        waiting = key in self._boards
        self._boards[key] = (user_id, session_id, page, language)
        if not waiting:
            self._board_later(key, time.monotonic())

    def _board_later(self, key: tuple[int, int], since: float) -> None:
        loop = asyncio.get_running_loop()
        step = math.ceil((loop.time() + BOARD_DELAY) / BOARD_DELAY) * BOARD_DELAY
        loop.call_at(step, self._board_due, key, since)

    def _board_due(self, key: tuple[int, int], since: float) -> None:
        if handling_updates(self._app) and time.monotonic() - since < BOARD_PATIENCE:
            self._board_later(key, since)
            return
        chat_id, message_id = key
        user_id, session_id, page, language = self._boards.pop(key)

        async def job() -> None:
            tr = translator(language)
            board = await self.services.questions.board(user_id, session_id, page)
            with contextlib.suppress(BadRequest):  # not modified
                await quietly(
                    self._app.bot, "editMessageText", chat_id=chat_id, message_id=message_id,
                    text=render.board_text(tr, board),
                    reply_markup=render.board_rows(tr, board, user_id),
                )  # fmt: skip

        self.put(chat_id, ("board", message_id), job)
