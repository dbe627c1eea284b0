"""What the web console and the presenter screen read: sessions to follow, a session's
questions (filtered by status, searched), its polls with results, and what is on screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import question_text
from domain.errors import NotFound
from domain.polls import PollService, Results
from domain.roles import Capability, RoleService
from storage import web as q
from storage.database import Database
from storage.models import Question, Session, User

STATUSES = ("pending", "approved", "answered", "rejected", "merged", "withdrawn")
LIST_LIMIT = 200
SEARCH_MAX = 100


@dataclass(frozen=True)
class ConsoleSession:
    id: int
    title_ar: str
    title_en: str
    status: str
    starts_at: datetime

    def title(self, language: str) -> str:
        return self.title_ar if language == "ar" else self.title_en


@dataclass(frozen=True)
class ConsoleQuestion:
    id: int
    session_id: int
    text: str
    status: str
    reject_reason: str | None
    merged_into: int | None
    reply: str | None
    votes: int
    revision: int
    held: bool
    asker: str | None  # None: anonymous, or the asker used /forget
    created_at: datetime
    shown_at: datetime | None


@dataclass(frozen=True)
class Screen:
    session: ConsoleSession
    question: ConsoleQuestion | None
    poll: Results | None


def _asker(question: Question, user: User | None) -> str | None:
    if question.anonymous or user is None:
        return None
    name = " ".join(filter(None, (user.first_name, user.last_name))) or str(user.id)
    return f"{name} (@{user.username})" if user.username else name


def _item(question: Question, user: User | None) -> ConsoleQuestion:
    return ConsoleQuestion(
        id=question.id, session_id=question.session_id, text=question.text,
        status=question.status, reject_reason=question.reject_reason,
        merged_into=question.merged_into, reply=question.reply, votes=question.votes,
        revision=question.revision, held=question.held, asker=_asker(question, user),
        created_at=question.created_at, shown_at=question.shown_at,
    )  # fmt: skip


def _session(row: Session) -> ConsoleSession:
    return ConsoleSession(row.id, row.title_ar, row.title_en, row.status, row.starts_at)


class ConsoleDesk:
    def __init__(self, db: Database, roles: RoleService, polls: PollService) -> None:
        self._db = db
        self._roles = roles
        self._polls = polls

    async def _may_read(self, actor: int) -> None:
        await self._roles.authorize(actor, Capability.CONSOLE, "console.read")

    async def sessions(self, actor: int) -> list[ConsoleSession]:
        await self._may_read(actor)
        async with self._db.transaction() as db:
            return [_session(row) for row in await q.console_sessions(db, 50)]

    async def session(self, session_id: int) -> ConsoleSession:
        async with self._db.transaction() as db:
            row = await q.session_row(db, session_id)
        if row is None or row.status == "draft":
            raise NotFound("session.not_found", session_id=str(session_id))
        return _session(row)

    async def questions(
        self, actor: int, session_id: int, status: str = "", search: str = ""
    ) -> list[ConsoleQuestion]:
        """Newest first; `status` one of STATUSES (else all); `search` a piece of the text
        (case and Arabic spelling variants ignored) or a number like #12."""
        await self._may_read(actor)
        statuses = [status] if status in STATUSES else []
        term = question_text.normalize(search[:SEARCH_MAX]) if search.strip() else ""
        digits = search.strip().removeprefix("#")
        number = int(digits) if digits.isdigit() and len(digits) <= 9 else None
        async with self._db.snapshot() as db:  # reads block no writer (SQLite either)
            rows = await q.console_questions(
                db, session_id, statuses, term or None, number, LIST_LIMIT
            )
            return [_item(question, user) for question, user in rows]

    async def items(self, question_ids: Sequence[int]) -> list[ConsoleQuestion]:
        """Questions by id, for the live stream (whoever receives it was checked already)."""
        if not question_ids:
            return []
        async with self._db.snapshot() as db:  # the live stream's reads wait for no write
            rows = await q.questions_by_ids(db, question_ids)
            return [_item(question, user) for question, user in rows]

    async def counts(self, session_id: int) -> dict[str, int]:
        async with self._db.snapshot() as db:
            return await q.status_counts(db, session_id)

    async def polls(self, actor: int, session_id: int) -> list[Results]:
        """The session's polls (newest first) with their results."""
        await self._may_read(actor)
        views = await self._polls.for_session(session_id)
        return [await self._polls.results(view.id) for view in reversed(views)]

    async def screen(self, session_id: int) -> Screen:
        """What the presenter screen shows now."""
        session = await self.session(session_id)
        async with self._db.transaction() as db:
            shown = await q.on_screen(db, session_id)
            poll_id = await q.screen_poll(db, session_id)
        question = _item(*shown) if shown is not None else None
        poll = await self._polls.results(poll_id) if poll_id is not None else None
        return Screen(session, question, poll)
