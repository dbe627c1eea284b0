"""Queries for questions, moderators' cards and mutes (votes: storage/question_votes.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import CursorResult, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    PendingStep,
    Question,
    QuestionCard,
    QuestionMute,
    RoleGrant,
    Session,
    User,
)
from storage.queries import _insert, among, insert_ignore_many, languages_of
from storage.types import utcnow

T = TypeVar("T")
OPEN = ("pending", "approved", "answered")
SIMILAR_POOL = 2000


def rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def ensure_users(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[int, str]:
    """The users rows, created (not subscribed) for those missing (each row: id, language
    and names); every one's language. One query when none is missing (the usual case)."""
    return await _ensured(db, rows, lambda ids: languages_of(db, ids))


async def askers(
    db: AsyncSession, rows: Sequence[dict[str, Any]], since: datetime
) -> dict[int, tuple[str, int]]:
    """`ensure_users` for those asking questions, with each one's language and how many
    questions they asked after `since` in the same query. The rows are locked in id order
    (the missing ones after, as they are created), so one viewer's questions take turns
    across processes."""
    return await _ensured(db, rows, lambda ids: _askers_read(db, ids, since))


async def _ensured(
    db: AsyncSession,
    rows: Sequence[dict[str, Any]],
    read: Callable[[list[int]], Awaitable[dict[int, T]]],
) -> dict[int, T]:
    """What `read` says of these users, after creating those it did not find (in id order)
    and reading them too: one query when none is missing, two statements more otherwise
    (usually none is: a viewer who votes or asks has started the bot)."""
    found = await read([int(row["id"]) for row in rows])
    missing = sorted((row for row in rows if row["id"] not in found), key=lambda r: r["id"])
    if missing:
        now = utcnow()
        extra = {"subscribed": False, "reachable": True, "created_at": now, "updated_at": now}
        await insert_ignore_many(db, User, ["id"], [{**row, **extra} for row in missing])
        found |= await read([int(row["id"]) for row in missing])
    return found


async def _askers_read(
    db: AsyncSession, user_ids: Collection[int], since: datetime
) -> dict[int, tuple[str, int]]:
    recent = (
        select(func.count())
        .where(Question.user_id == User.id, Question.created_at > since)
        .correlate(User)
        .scalar_subquery()
    )
    statement = (
        select(User.id, User.language, recent)
        .where(User.id.in_(sorted(user_ids)))
        .order_by(User.id)
        .with_for_update(of=User)
    )
    return {row[0]: (row[1], int(row[2])) for row in (await db.execute(statement)).all()}


async def get_question(
    db: AsyncSession, question_id: int, *, lock: bool = False
) -> Question | None:
    statement = select(Question).where(Question.id == question_id)
    if lock:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


async def questions_and_sessions(
    db: AsyncSession, question_ids: Collection[int]
) -> tuple[dict[int, Question], dict[int, Session]]:
    """These questions (those that exist) and their sessions, in one query; the questions'
    rows locked for this transaction, in id order (the same in every process), so what is
    read of them stays true until the commit."""
    statement = (
        select(Question, Session)
        .join(Session, Question.session_id == Session.id)
        .where(Question.id.in_(sorted(question_ids)))
        .order_by(Question.id)
        .with_for_update(of=Question)
    )
    questions: dict[int, Question] = {}
    sessions: dict[int, Session] = {}
    for question, session in (await db.execute(statement)).tuples():
        questions[question.id] = question
        sessions[session.id] = session
    return questions, sessions


async def by_messages(
    db: AsyncSession, messages: Collection[tuple[int, int]]
) -> dict[tuple[int | None, int | None], Question]:
    """The questions already made of these (chat id, message id)s."""
    if not messages:
        return {}
    wanted, keys = among(Question.__table__, ("chat_id", "message_id"), messages)  # type: ignore[arg-type]  # a declarative model's table
    rows = (await db.execute(select(Question).where(wanted), keys)).scalars()
    return {(row.chat_id, row.message_id): row for row in rows}


async def muted_among(db: AsyncSession, pairs: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (session id, user id) are muted."""
    if not pairs:
        return set()
    wanted, keys = among(QuestionMute.__table__, ("session_id", "user_id"), pairs)  # type: ignore[arg-type]  # as above
    statement = select(QuestionMute.session_id, QuestionMute.user_id).where(wanted)
    return {(row.session_id, row.user_id) for row in (await db.execute(statement, keys)).all()}


async def drop_steps(db: AsyncSession, user_ids: Collection[int]) -> None:
    """Forget these users' pending steps (their question came)."""
    if user_ids:
        await db.execute(delete(PendingStep).where(PendingStep.user_id.in_(sorted(user_ids))))


async def mute(db: AsyncSession, session_id: int, user_id: int, actor: int | None) -> bool:
    statement = (
        _insert(db, QuestionMute)
        .values(session_id=session_id, user_id=user_id, muted_by=actor, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["session_id", "user_id"])
    )
    return rowcount(await db.execute(statement)) == 1


async def similar_pool(
    db: AsyncSession, session_id: int, exclude: int | None = None
) -> list[tuple[int, str]]:
    """(id, normalised text) of the session's open questions, newest first."""
    statement = (
        select(Question.id, Question.normalized)
        .where(Question.session_id == session_id, Question.status.in_(OPEN))
        .order_by(Question.id.desc())
        .limit(SIMILAR_POOL)
    )
    if exclude is not None:
        statement = statement.where(Question.id != exclude)
    return [(qid, text) for qid, text in (await db.execute(statement)).all()]


async def approved_page(
    db: AsyncSession, session_id: int, offset: int, limit: int
) -> tuple[Sequence[Question], int]:
    """Approved questions, most voted first (then oldest), and how many there are."""
    where = and_(Question.session_id == session_id, Question.status == "approved")
    total = (await db.execute(select(func.count()).where(where))).scalar_one()
    statement = (
        select(Question)
        .where(where)
        .order_by(Question.votes.desc(), Question.created_at, Question.id)
        .offset(offset)
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all(), int(total)


async def of_user(db: AsyncSession, user_id: int, limit: int) -> Sequence[Question]:
    statement = (
        select(Question)
        .where(Question.user_id == user_id)
        .order_by(Question.id.desc())
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all()


async def pending(db: AsyncSession, offset: int, limit: int) -> tuple[Sequence[Question], int]:
    """Pending questions of every session, oldest first, and how many there are."""
    where = Question.status == "pending"
    total = (await db.execute(select(func.count()).where(where))).scalar_one()
    statement = select(Question).where(where).order_by(Question.id).offset(offset).limit(limit)
    return (await db.execute(statement)).scalars().all(), int(total)


async def top_unshown(db: AsyncSession, session_id: int) -> Question | None:
    """The approved question not yet on screen with the most votes (then the oldest)."""
    statement = (
        select(Question)
        .where(
            Question.session_id == session_id,
            Question.status == "approved",
            Question.shown_at.is_(None),
        )
        .order_by(Question.votes.desc(), Question.created_at, Question.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def on_screen(db: AsyncSession, session_id: int) -> Question | None:
    """The approved question put on screen last (answered ones leave the screen)."""
    statement = (
        select(Question)
        .where(
            Question.session_id == session_id,
            Question.status == "approved",
            Question.shown_at.is_not(None),
        )
        .order_by(Question.shown_at.desc(), Question.id.desc())
        .limit(1)
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def cards_of(db: AsyncSession, question_ids: Sequence[int]) -> Sequence[QuestionCard]:
    statement = select(QuestionCard).where(QuestionCard.question_id.in_(question_ids))
    return (await db.execute(statement.order_by(QuestionCard.id))).scalars().all()


async def add_card(
    db: AsyncSession, question_id: int, chat_id: int, message_id: int, language: str
) -> None:
    await db.execute(
        _insert(db, QuestionCard)
        .values(
            question_id=question_id,
            chat_id=chat_id,
            message_id=message_id,
            language=language,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["chat_id", "message_id"])
    )


async def status_counts(db: AsyncSession, session_id: int) -> dict[tuple[str, str | None], int]:
    statement = (
        select(Question.status, Question.reject_reason, func.count())
        .where(Question.session_id == session_id)
        .group_by(Question.status, Question.reject_reason)
    )
    return {(status, reason): int(n) for status, reason, n in (await db.execute(statement)).all()}


async def approved_ever(db: AsyncSession, session_id: int) -> int:
    statement = select(func.count()).where(
        Question.session_id == session_id, Question.approved_at.is_not(None)
    )
    return int((await db.execute(statement)).scalar_one())


async def intake_candidates(db: AsyncSession, *, ended_since: datetime) -> Sequence[Session]:
    """Sessions that may take questions: scheduled, live, or ended since `ended_since`."""
    statement = (
        select(Session)
        .where(
            Session.status.in_(("scheduled", "live"))
            | ((Session.status == "ended") & (Session.ended_at >= ended_since))
        )
        .order_by(Session.id)
    )
    return (await db.execute(statement)).scalars().all()


async def session_titles(db: AsyncSession, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    statement = select(Session.id, Session.title_ar, Session.title_en).where(Session.id.in_(ids))
    return {sid: (ar, en) for sid, ar, en in (await db.execute(statement)).all()}


async def users(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    statement = select(User).where(User.id.in_(user_ids))
    return {user.id: user for user in (await db.execute(statement)).scalars()}


async def moderator_ids(db: AsyncSession) -> list[int]:
    statement = select(RoleGrant.user_id).where(RoleGrant.role == "moderator")
    return list((await db.execute(statement)).scalars())
