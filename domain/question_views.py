"""Plain data and shared rules of the questions feature (viewers' and moderators' sides).

A refusal that can only come from a crafted button (a question that does not exist, that
belongs to another session or to someone else) is a `Forged` error: `audited` writes it to
the audit log in a transaction of its own (the failed one rolled back), then re-raises it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError
from storage import queries
from storage import questions as q
from storage.database import Database
from storage.models import Question, Session

MAX_WINDOW = timedelta(hours=24)  # the longest intake window after a session's end


class Forged(DomainError):
    """A refusal only a crafted callback can cause; audited before it is raised."""


class RateLimited(DomainError):
    """Too many questions in the last minute; `limit` is shown with its plural form."""

    def __init__(self, limit: int) -> None:
        super().__init__("question.slow_down")
        self.limit = limit


class NotOpenYet(DomainError):
    """The session takes questions from `opens` on (shown in the configured time zone)."""

    def __init__(self, opens: datetime) -> None:
        super().__init__("question.not_open_yet")
        self.opens = opens


@asynccontextmanager
async def audited(db: Database, actor: int, action: str, target: str) -> AsyncIterator[None]:
    """Audit a `Forged` refusal raised inside (after its own transaction rolled back)."""
    try:
        yield
    except Forged as error:
        async with db.transaction() as session:
            audit_forgery(session, actor, action, target, error)
        raise


def audit_forgery(db: AsyncSession, actor: int, action: str, target: str, error: Forged) -> None:
    """The audit entry of a refused forgery, in the caller's transaction."""
    queries.add_audit(
        db, actor_id=actor, action=action, outcome="denied", target=target, detail=error.key
    )


@dataclass(frozen=True)
class IntakeSession:
    id: int
    title_ar: str
    title_en: str
    status: str

    def title(self, language: str) -> str:
        return self.title_ar if language == "ar" else self.title_en


@dataclass(frozen=True)
class QuestionView:
    id: int
    session_id: int
    user_id: int | None
    text: str
    language: str
    anonymous: bool
    held: bool
    status: str
    reject_reason: str | None
    merged_into: int | None
    reply: str | None
    votes: int
    revision: int
    created_at: datetime
    shown_at: datetime | None


def view(question: Question) -> QuestionView:
    return QuestionView(
        id=question.id,
        session_id=question.session_id,
        user_id=question.user_id,
        text=question.text,
        language=question.language,
        anonymous=question.anonymous,
        held=question.held,
        status=question.status,
        reject_reason=question.reject_reason,
        merged_into=question.merged_into,
        reply=question.reply,
        votes=question.votes,
        revision=question.revision,
        created_at=question.created_at,
        shown_at=question.shown_at,
    )


def intake(session: Session) -> IntakeSession:
    return IntakeSession(session.id, session.title_ar, session.title_en, session.status)


class AlreadyHandled(DomainError):
    """Someone else changed the question first; `status` is what it is now."""

    def __init__(self, question_id: int, status: str) -> None:
        super().__init__("moderation.already_handled")
        self.question_id = question_id
        self.status = status


@dataclass(frozen=True)
class Notice:
    """Something to tell an asker, in their language."""

    user_id: int
    language: str
    kind: str  # approved | answered | merged | merged_in | declined
    question_id: int
    other_id: int | None = None
    reason: str | None = None
    reply: str | None = None
    text: str | None = None
    votes: int = 0


@dataclass(frozen=True)
class Outcome:
    question: QuestionView
    notices: tuple[Notice, ...] = ()
    refresh: tuple[int, ...] = ()  # questions whose cards show something new


@dataclass(frozen=True)
class Card:
    question: QuestionView
    session_title_ar: str
    session_title_en: str
    asker: str | None  # None: anonymous, or the asker used /forget
    similar: tuple[int, ...]
    held_words: tuple[str, ...]

    def session_title(self, language: str) -> str:
        return self.session_title_ar if language == "ar" else self.session_title_en


@dataclass(frozen=True)
class CardRef:
    chat_id: int
    message_id: int
    language: str
    question_id: int


@dataclass(frozen=True)
class QuestionStats:
    received: int = 0
    pending: int = 0
    approved: int = 0
    answered: int = 0
    merged: int = 0
    withdrawn: int = 0
    declined: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Queue:
    """A page of pending questions (every session, oldest first), with the titles of their
    sessions and the counts of the session taking questions now, if any."""

    questions: tuple[QuestionView, ...]
    page: int
    pages: int
    total: int
    titles: dict[int, tuple[str, str]] = field(default_factory=dict)
    current: IntakeSession | None = None
    stats: QuestionStats | None = None

    def title(self, session_id: int, language: str) -> str:
        ar, en = self.titles.get(session_id, ("", ""))
        return ar if language == "ar" else en


def intake_state(session: Session, now: datetime) -> tuple[str, datetime | None]:
    """("open" | "not_yet" | "closed", when it opens if not yet)."""
    if session.status == "live":
        return "open", None
    if session.status == "scheduled":
        opens = session.starts_at - timedelta(minutes=session.intake_before_minutes)
        return ("open", None) if now >= opens else ("not_yet", opens)
    if session.status == "ended" and session.ended_at is not None:
        closes = session.ended_at + timedelta(minutes=session.intake_after_minutes)
        return ("open", None) if now <= closes else ("closed", None)
    return "closed", None


async def sessions_taking(db: AsyncSession, now: datetime) -> list[Session]:
    """The rows of the sessions taking questions now: live ones first (most recently live
    first)."""
    rows = await q.intake_candidates(db, ended_since=now - MAX_WINDOW)
    taking = [s for s in rows if intake_state(s, now)[0] == "open"]
    order = {"live": 0, "scheduled": 1, "ended": 2}
    taking.sort(key=lambda s: (order[s.status], -(s.live_at or now).timestamp(), s.id))
    return taking


async def taking_questions(db: AsyncSession, now: datetime) -> list[IntakeSession]:
    """Sessions taking questions now, as `sessions_taking` orders them."""
    return [intake(s) for s in await sessions_taking(db, now)]


async def open_sessions(db: Database, now: datetime) -> list[IntakeSession]:
    async with db.transaction() as session:
        return await taking_questions(session, now)
