"""The sender of the broadcast outbox: paced at BROADCAST_RATE, resumable, observable.

It claims one second's worth of due deliveries, sends them at the configured rate (several
in flight, so a slow Bot API does not lower the rate), and records the batch's results in
one transaction. 429 pauses every send for `retry_after` and re-queues without counting an
attempt; 403 marks the viewer unreachable; other errors retry with exponential backoff up
to MAX_ATTEMPTS. It uses its own Bot without python-telegram-bot's rate limiter, because
the pacing here is the limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

import metrics
from domain.broadcasts import ChannelPost, Job, Outcome, Progress
from domain.errors import DomainError
from domain.polls import PollView
from domain.services import Services
from domain.sessions import SessionView
from handlers import poll_render, render
from locales import isolate, translator

log = logging.getLogger(__name__)

UNREACHABLE = ("chat not found", "user is deactivated", "bot was blocked", "have no rights")


def backoff(attempt: int) -> float:
    return float(min(300, 2**attempt))


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class Pacer:
    """Start at most `rate` sends per second, evenly spaced; `pause()` holds everyone."""

    rate: float
    _next: float = 0.0
    _paused_until: float = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        start = max(now, self._next, self._paused_until)
        self._next = start + 1.0 / self.rate
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self._next = max(self._next, self._paused_until)


@dataclass
class Broadcaster:
    bot: Bot
    services: Services
    rate: float
    paid: bool = False
    channel_id: int | str | None = None
    lease: timedelta = timedelta(seconds=30)
    idle_poll: float = 1.0
    progress_every: float = 3.0
    max_in_flight: int = 64
    sent_total: int = 0
    failed_total: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _pacer: Pacer = field(init=False)
    _sessions: dict[int, SessionView] = field(default_factory=dict)
    _polls: dict[int, PollView] = field(default_factory=dict)  # ballots: one read per poll
    _last_progress: float = 0.0
    _started: dict[int, tuple[float, int]] = field(default_factory=dict)
    _photos: dict[tuple[int, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._pacer = Pacer(self.rate)

    def wake(self) -> None:
        self._wake.set()

    @property
    def batch_size(self) -> int:
        """One second of sends: also the bound on duplicates after a crash."""
        return max(1, math.ceil(self.rate))

    async def run(self) -> None:
        """Loop until cancelled."""
        while True:
            try:
                worked = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the sender must survive a bad batch; logged
                log.exception("broadcast step failed")
                worked = False
            if not worked:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the event is set, and stop() would hang.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.idle_poll):
                        await self._wake.wait()
                self._wake.clear()

    async def step(self) -> bool:
        """Post pending channel messages, send one batch, update progress; True if busy."""
        broadcasts = self.services.broadcasts
        await broadcasts.release_expired()
        for post in await broadcasts.channel_posts():
            await broadcasts.channel_done(post.broadcast_id, await self._post_channel(post))
        jobs = await broadcasts.claim(self.batch_size, self.lease)
        finished: list[int] = []
        if jobs:
            outcomes = await self._send_all(jobs)
            finished = await broadcasts.record(outcomes, backoff)
        await self._report(force=finished)
        if finished:
            self._sessions.clear()  # edits made since are picked up by the next broadcast
            self._polls.clear()
            for broadcast_id in finished:
                self._started.pop(broadcast_id, None)
        return bool(jobs)

    async def _send_all(self, jobs: list[Job]) -> list[Outcome]:
        limit = asyncio.Semaphore(self.max_in_flight)
        tasks = []
        for job in jobs:
            await self._pacer.wait()
            await limit.acquire()
            task = asyncio.create_task(self._send(job))
            task.add_done_callback(lambda _: limit.release())
            tasks.append(task)
        return list(await asyncio.gather(*tasks))

    async def _session(self, session_id: int) -> SessionView:
        view = self._sessions.get(session_id)
        if view is None:
            view = await self.services.sessions.get(session_id)
            self._sessions[session_id] = view
        return view

    async def render(
        self, job: Job | ChannelPost, language: str
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        tr = translator(language)
        if job.kind == "poll":
            assert job.poll_id is not None
            poll = self._polls.get(job.poll_id)
            if poll is None:
                poll = self._polls[job.poll_id] = await self.services.polls.get(job.poll_id)
            return poll_render.ballot(tr, poll)
        if job.kind == "announce":
            own = job.text_ar if language == "ar" else job.text_en
            body = own or job.text_ar or job.text_en or ""
            return tr.t("broadcast.announce", text=body), None
        assert job.session_id is not None
        view = await self._session(job.session_id)
        text = tr.t(
            f"broadcast.{job.kind}",
            title=view.title(language),
            when=tr.when(view.starts_at, self.services.zone),
        )
        description = view.description(language)
        if description and job.kind == "golive":
            text += "\n\n" + isolate(description)
        return text, InlineKeyboardMarkup(render.watch_buttons(tr, view))

    async def _results_photo(self, job: Job) -> tuple[str | bytes, str]:
        """The chart (uploaded once per broadcast and language, then by file id) and caption."""
        assert job.poll_id is not None
        key = (job.broadcast_id, job.language)
        tr = translator(job.language)
        results = await self.services.polls.results(job.poll_id)
        caption = poll_render.summary(tr, results)[:1024]
        cached = self._photos.get(key)
        return (cached if cached else poll_render.chart(tr, results)), caption

    async def _deliver(self, job: Job) -> int:
        """Send one job; returns the message id."""
        if job.kind == "poll_results":
            photo, caption = await self._results_photo(job)
            message = await self.bot.send_photo(
                job.user_id, photo, caption=caption, parse_mode=ParseMode.HTML,
                allow_paid_broadcast=self.paid or None,
            )  # fmt: skip
            if message.photo:
                self._photos[(job.broadcast_id, job.language)] = message.photo[-1].file_id
            return message.message_id
        text, markup = await self.render(job, job.language)
        message = await self.bot.send_message(
            job.user_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            allow_paid_broadcast=self.paid or None,
        )
        return message.message_id

    async def _send(self, job: Job) -> Outcome:
        try:
            message_id = await self._deliver(job)
        except RetryAfter as error:
            self._pacer.pause(retry_seconds(error))
            return Outcome(job.delivery_id, job.user_id, "throttled", "429")
        except Forbidden as error:
            metrics.BROADCAST.labels("blocked").inc()
            return Outcome(job.delivery_id, job.user_id, "blocked", str(error)[:200])
        except BadRequest as error:
            reason = str(error).lower()
            result = "blocked" if any(r in reason for r in UNREACHABLE) else "retry"
            return Outcome(job.delivery_id, job.user_id, result, str(error)[:200])
        except (TelegramError, DomainError) as error:
            metrics.BROADCAST.labels("failed").inc()
            return Outcome(job.delivery_id, job.user_id, "retry", str(error)[:200])
        self.sent_total += 1
        metrics.BROADCAST.labels("sent").inc()
        return Outcome(job.delivery_id, job.user_id, "sent", message_id=message_id)

    async def _post_channel(self, post: ChannelPost) -> bool:
        """The channel gets the announcement first, Arabic then English in one post; a poll
        goes there as a native Telegram poll whose answers count in the same poll."""
        if self.channel_id is None:
            return True
        if post.kind == "poll":
            return await self._post_channel_poll(post)
        ar, markup = await self.render(post, "ar")
        en, _ = await self.render(post, "en")
        try:
            await self.bot.send_message(
                self.channel_id, f"{ar}\n\n{en}", parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))
            return await self._post_channel(post)
        except TelegramError as error:
            log.warning("channel post of broadcast %s failed: %s", post.broadcast_id, error)
            return False
        return True

    async def _post_channel_poll(self, post: ChannelPost) -> bool:
        assert post.poll_id is not None
        assert self.channel_id is not None
        poll = await self.services.polls.get(post.poll_id)
        if poll.kind == "text":
            return True  # Telegram polls have no open answers: viewers answer in the bot
        question = " / ".join(filter(None, (poll.question_ar, poll.question_en)))[:300]
        options = [" / ".join(filter(None, (o.text_ar, o.text_en)))[:100] for o in poll.options]
        chat = await self.bot.get_chat(self.channel_id)
        try:
            message = await self.bot.send_poll(
                self.channel_id,
                question,
                options,
                # Channels only allow anonymous polls; in a group the bot gets each answer.
                is_anonymous=chat.type == "channel",
                allows_multiple_answers=poll.kind == "multiple",
            )
        except TelegramError as error:
            log.warning("channel poll %s not posted: %s", post.poll_id, error)
            return False
        if message.poll is not None:
            await self.services.polls.set_channel_poll(
                post.poll_id, message.poll.id, message.message_id
            )
        return True

    async def _report(self, force: list[int]) -> None:
        """Edit each running broadcast's progress message every few seconds, and at the end."""
        now = time.monotonic()
        if not force and now - self._last_progress < self.progress_every:
            return
        self._last_progress = now
        running = await self.services.broadcasts.running()
        done = [await self.services.broadcasts.progress(b) for b in force]
        for progress in [*running, *done]:
            await self._edit_progress(progress, now)

    async def _edit_progress(self, progress: Progress, now: float) -> None:
        if progress.progress_chat_id is None or progress.progress_message_id is None:
            return
        started_at, sent_at_start = self._started.setdefault(
            progress.broadcast_id, (now, progress.sent)
        )
        elapsed = now - started_at
        speed = (progress.sent - sent_at_start) / elapsed if elapsed > 0 else 0
        eta = progress.left / speed if speed > 0 else progress.left / self.rate
        language = await self.services.users.language_of(progress.progress_chat_id, None)
        tr = translator(language)
        try:
            await self.bot.edit_message_text(
                render.progress_text(tr, progress, eta),
                chat_id=progress.progress_chat_id,
                message_id=progress.progress_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=render.progress_markup(tr, progress),
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.info("progress of broadcast %s not shown: %s", progress.broadcast_id, error)
        except TelegramError as error:
            log.info("progress of broadcast %s not shown: %s", progress.broadcast_id, error)
