"""The rows of the export tables, streamed from the database into a renderer batch by batch.

Each timestamp becomes two cells: the wall clock in TIMEZONE and in UTC. No row carries a
Telegram id, a chat or message id, or the pseudonyms' secret."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.question_text import language_of
from domain.report_data import Pseudonyms, display_name, viewer_label
from exports.model import (
    MODERATION,
    POLL_ANSWERS,
    POLLS,
    QUESTIONS,
    TIMELINE,
    Cell,
    SessionSummary,
    Writer,
)
from storage import polls as poll_queries
from storage import reports as q

EVERY = 2000  # rows between progress reports
OPERATOR = "cli"  # who acted from the command line


class RowWriter:
    def __init__(
        self,
        db: AsyncSession,
        writer: Writer,
        pseudonyms: Pseudonyms,
        zone: ZoneInfo,
        *,
        names: bool,
        admin_ids: Sequence[int],
        progress: Callable[[int], None],
    ) -> None:
        self._db = db
        self._writer = writer
        self._pseudonyms = pseudonyms
        self._zone = zone
        self._names = names
        self._admin_ids = admin_ids
        self._progress = progress
        self._staff: dict[int, str | None] = {}
        self.count = 0

    def _times(self, moment: datetime | None) -> tuple[datetime | None, datetime | None]:
        if moment is None:
            return None, None
        return moment.astimezone(self._zone), moment

    def _tick(self, rows: int) -> None:
        before = self.count // EVERY
        self.count += rows
        if self.count // EVERY != before:
            self._progress(self.count)

    def _staff_name(self, session_id: int, user_id: int | None) -> str:
        """Moderators, staff and admins by name (they act for the organiser); anyone else
        who appears as an actor (a viewer's refused attempt) by pseudonym."""
        if user_id is None:
            return OPERATOR
        if user_id in self._staff:
            return self._staff[user_id] or f"staff {self._pseudonyms.of(0, user_id)}"
        return self._pseudonyms.of(session_id, user_id)

    async def write_tables(self, summaries: Sequence[SessionSummary]) -> None:
        staff = await q.staff(self._db, self._admin_ids)
        self._staff = {user_id: display_name(*names) for user_id, names in staff.items()}
        write = self._writer
        write.table(QUESTIONS)
        for summary in summaries:
            await self._questions(summary.id)
        write.table(POLLS)
        for summary in summaries:
            self._polls(summary)
        write.table(POLL_ANSWERS)
        for summary in summaries:
            await self._poll_answers(summary.id)
        write.table(TIMELINE)
        for summary in summaries:
            await self._timeline(summary)
        write.table(MODERATION)
        for summary in summaries:
            await self._moderation(summary.id)

    async def _questions(self, session_id: int) -> None:
        row, times, staff = self._writer.row, self._times, self._staff_name
        pseudonyms, names = self._pseudonyms, self._names
        async for batch in q.stream_questions(self._db, session_id, names=names):
            for r in batch:
                name = display_name(r.first_name, r.last_name, r.username) if names else None
                reply = r.reply
                row(
                    (
                        session_id, r.id, *times(r.created_at),
                        viewer_label(pseudonyms, session_id, r.user_id, anonymous=r.anonymous,
                                     name=name),
                        r.text, r.language, r.status, r.reject_reason, r.votes, r.merged_into,
                        reply, language_of(reply) if reply else None,
                        staff(session_id, r.decided_by) if r.decided_at else None,
                        *times(r.decided_at), *times(r.shown_at),
                    )
                )  # fmt: skip
            self._tick(len(batch))

    def _polls(self, summary: SessionSummary) -> None:
        polls = [*summary.polls, *([summary.survey] if summary.survey else [])]
        for poll in sorted(polls, key=lambda p: p.number):
            head: tuple[Cell, ...] = (
                summary.id, poll.number, poll.kind, poll.is_survey, poll.question_ar,
                poll.question_en, poll.status, *self._times(poll.opened_at),
                *self._times(poll.closed_at), poll.voters,
            )  # fmt: skip
            average = round(poll.average, 2) if poll.average is not None else None
            for option in poll.options:
                self._writer.row(
                    (*head, option.position, option.text_ar, option.text_en, option.count,
                     option.percent, average)
                )  # fmt: skip
            if poll.answers or not poll.options:  # open answers or survey comments
                self._writer.row((*head, None, None, None, poll.answers, None, average))

    async def _poll_answers(self, session_id: int) -> None:
        polls = await poll_queries.session_polls(self._db, session_id)
        labels: dict[tuple[int, int], str | None] = {}
        for poll in polls:
            for option in await poll_queries.options(self._db, poll.id):
                labels[(poll.id, option.position)] = option.text_ar or option.text_en
        row, times, names = self._writer.row, self._times, self._names
        pseudonyms = self._pseudonyms
        poll_ids = [p.id for p in polls]
        async for batch in q.stream_poll_answers(self._db, poll_ids, names=names):
            for r in batch:
                name = display_name(r.first_name, r.last_name, r.username) if names else None
                text = r.text
                # A choice (its position and label), or an open answer / comment (its text).
                choice = None if text else r.position
                row(
                    (
                        session_id, r.poll_id, *times(r.created_at),
                        viewer_label(pseudonyms, session_id, r.voter_id, name=name),
                        choice, None if text else labels.get((r.poll_id, r.position)),
                        text, language_of(text) if text else None, r.via,
                    )
                )  # fmt: skip
            self._tick(len(batch))

    async def _timeline(self, summary: SessionSummary) -> None:
        events: list[tuple[datetime, str, str | None]] = []
        session = await q.get_session(self._db, summary.id)
        assert session is not None
        events.append((session.created_at, "session.created", None))
        if session.live_at:
            events.append((session.live_at, "session.live", None))
        if session.ended_at:
            events.append((session.ended_at, "session.ended", None))
        for poll in (*summary.polls, *([summary.survey] if summary.survey else [])):
            title = f"#{poll.number} {poll.question('ar')}"
            if poll.opened_at:
                events.append((poll.opened_at, "poll.opened", title))
            if poll.closed_at:
                events.append((poll.closed_at, "poll.closed", title))
        for kind, created, finished, total, sent in await q.broadcasts(self._db, summary.id):
            events.append((created, f"broadcast.{kind}", f"{sent}/{total}"))
            if finished:
                events.append((finished, f"broadcast.{kind}.done", f"{sent}/{total}"))
        for at, event, detail in sorted(events, key=lambda e: e[0]):
            self._writer.row((summary.id, *self._times(at), event, detail))

    async def _moderation(self, session_id: int) -> None:
        row, times, staff = self._writer.row, self._times, self._staff_name
        async for batch in q.stream_moderation(self._db, session_id):
            for r in batch:
                before: dict[str, Any] = r.before or {}
                after: dict[str, Any] = r.after or {}
                muted = r.action == "question.mute"
                viewer = (
                    viewer_label(self._pseudonyms, session_id, r.user_id, anonymous=r.anonymous)
                    if muted
                    else None
                )
                detail = r.detail if r.outcome != "ok" else None
                if r.action == "question.merge" and isinstance(after.get("target"), dict):
                    detail = f"→ #{after.get('merged_into')}"
                row(
                    (
                        session_id, *times(r.at), staff(session_id, r.actor_id),
                        r.action.removeprefix("question."), r.outcome, r.id, viewer,
                        None if muted else before.get("status"),
                        None if muted else after.get("status"), after.get("reason"), detail,
                    )
                )  # fmt: skip
            self._tick(len(batch))
