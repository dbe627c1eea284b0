"""Queries of the exports and the management report: aggregates, and row streams that hand
out batches (`yield_per`), so an export's memory does not grow with the session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, case, cast, exists, func, or_, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    AppSecret,
    AuditEntry,
    Broadcast,
    Delivery,
    Poll,
    PollVote,
    Question,
    QuestionVote,
    RoleGrant,
    Session,
    SessionSubscription,
    SessionViewer,
    User,
)

BATCH = 5000
Batches = AsyncIterator[Sequence[Row[Any]]]


async def secret(db: AsyncSession, name: str, make: Callable[[], str]) -> str:
    """The installation's secret `name`, created on first use (two first uses agree)."""
    statement = select(AppSecret.value).where(AppSecret.name == name)
    existing = (await db.execute(statement)).scalar_one_or_none()
    if existing is not None:
        return str(existing)
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    await db.execute(
        insert(AppSecret)
        .values(name=name, value=make())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return str((await db.execute(statement)).scalar_one())


async def session_exists(db: AsyncSession, session_id: int) -> bool:
    return (await db.get(Session, session_id)) is not None


async def get_session(db: AsyncSession, session_id: int) -> Session | None:
    return await db.get(Session, session_id)


async def sessions_between(db: AsyncSession, start: datetime, end: datetime) -> Sequence[int]:
    """Sessions starting in [start, end), oldest first (drafts left out)."""
    statement = (
        select(Session.id)
        .where(Session.starts_at >= start, Session.starts_at < end, Session.status != "draft")
        .order_by(Session.starts_at, Session.id)
    )
    return (await db.execute(statement)).scalars().all()


async def staff(db: AsyncSession, admin_ids: Sequence[int]) -> dict[int, tuple[str | None, ...]]:
    """Moderators, staff and admins → (first name, last name, username)."""
    granted = select(RoleGrant.user_id)
    statement = select(User.id, User.first_name, User.last_name, User.username).where(
        or_(User.id.in_(granted), User.id.in_(list(admin_ids)))
    )
    rows = await db.execute(statement)
    names: dict[int, tuple[str | None, ...]] = {
        row.id: (row.first_name, row.last_name, row.username) for row in rows
    }
    for user_id in [*admin_ids, *(await db.execute(granted)).scalars()]:
        names.setdefault(user_id, (None, None, None))
    return names


async def question_counts(db: AsyncSession, session_id: int) -> dict[tuple[str, str | None], int]:
    statement = (
        select(Question.status, Question.reject_reason, func.count())
        .where(Question.session_id == session_id)
        .group_by(Question.status, Question.reject_reason)
    )
    return {(status, reason): int(n) for status, reason, n in await db.execute(statement)}


async def top_questions(
    db: AsyncSession, session_id: int, statuses: Sequence[str], limit: int
) -> Sequence[Question]:
    statement = (
        select(Question)
        .where(Question.session_id == session_id, Question.status.in_(statuses))
        .order_by(Question.votes.desc(), Question.created_at, Question.id)
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all()


async def reach(db: AsyncSession, session_id: int) -> dict[str, int]:
    """Who was sent the session (go-live broadcast, reminders), opened its card, subscribed,
    and who interacted (asked, upvoted or answered a poll)."""
    sent = func.count(Delivery.id).filter(Delivery.status == "sent")
    broadcasts = (
        select(Broadcast.kind, func.count(Delivery.id), sent)
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(Broadcast.session_id == session_id)
        .group_by(Broadcast.kind)
    )
    result: dict[str, int] = {}
    for kind, total, delivered in await db.execute(broadcasts):
        result[f"{kind}_total"] = int(total)
        result[f"{kind}_sent"] = int(delivered)
    result["card_viewers"] = await _count(
        db, select(func.count()).where(SessionViewer.session_id == session_id)
    )
    result["subscribers"] = await _count(
        db, select(func.count()).where(SessionSubscription.session_id == session_id)
    )
    session_questions = select(Question.id).where(Question.session_id == session_id)
    session_polls = select(Poll.id).where(Poll.session_id == session_id)
    people = union(
        select(Question.user_id.label("who")).where(
            Question.session_id == session_id, Question.user_id.is_not(None)
        ),
        select(QuestionVote.user_id.label("who")).where(
            QuestionVote.question_id.in_(session_questions),
            QuestionVote.active.is_(True),
            QuestionVote.user_id.is_not(None),
        ),
        select(PollVote.voter_id.label("who")).where(PollVote.poll_id.in_(session_polls)),
    ).subquery()
    result["interacted"] = await _count(db, select(func.count()).select_from(people))
    return result


async def _count(db: AsyncSession, statement: Select[Any]) -> int:
    return int((await db.execute(statement)).scalar_one())


async def activity(db: AsyncSession, session_id: int) -> tuple[int, int]:
    """(questions, poll answers) of the session."""
    questions = await _count(db, select(func.count()).where(Question.session_id == session_id))
    answers = await _count(
        db,
        select(func.count())
        .select_from(PollVote)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(Poll.session_id == session_id),
    )
    return questions, answers


async def has_identified_viewer(db: AsyncSession, session_id: int) -> bool:
    """Whether anyone took part under their own name (not anonymous, not forgotten)."""
    asked = exists().where(
        Question.session_id == session_id,
        Question.user_id.is_not(None),
        Question.anonymous.is_(False),
    )
    voted = exists().where(
        PollVote.poll_id.in_(select(Poll.id).where(Poll.session_id == session_id)),
        PollVote.voter_id > 0,
    )
    return bool((await db.execute(select(or_(asked, voted)))).scalar_one())


async def poll_counts(db: AsyncSession, poll_id: int) -> tuple[dict[int, int], int]:
    """Choices per option position (open answers at position 0), and distinct voters."""
    statement = (
        select(PollVote.position, func.count())
        .where(PollVote.poll_id == poll_id)
        .group_by(PollVote.position)
    )
    counts = {int(p): int(n) for p, n in await db.execute(statement)}
    voters = await _count(
        db,
        select(func.count(func.distinct(PollVote.voter_id))).where(PollVote.poll_id == poll_id),
    )
    return counts, voters


async def poll_texts(db: AsyncSession, poll_id: int) -> AsyncIterator[Sequence[str]]:
    """Open answers (or survey comments) of a poll, in batches."""
    statement = select(PollVote.text).where(PollVote.poll_id == poll_id, PollVote.text.is_not(None))
    async for batch in _batches(db, statement):
        yield [row[0] for row in batch if row[0]]


async def broadcasts(db: AsyncSession, session_id: int) -> Sequence[Row[Any]]:
    sent = func.count(Delivery.id).filter(Delivery.status == "sent")
    statement = (
        select(Broadcast.kind, Broadcast.created_at, Broadcast.finished_at, Broadcast.total, sent)
        .outerjoin(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(Broadcast.session_id == session_id)
        .group_by(Broadcast.id)
        .order_by(Broadcast.created_at, Broadcast.id)
    )
    return (await db.execute(statement)).all()


async def _batches(db: AsyncSession, statement: Select[Any]) -> Batches:
    result = await db.stream(statement.execution_options(yield_per=BATCH))
    async for partition in result.partitions():
        yield partition


def question_rows(session_id: int, *, names: bool) -> Select[Any]:
    """A session's questions with everything an export shows, in the order they came in."""
    asker = aliased(User)
    columns: list[Any] = [
        Question.id, Question.user_id, Question.anonymous, Question.created_at, Question.text,
        Question.language, Question.status, Question.reject_reason, Question.votes,
        Question.merged_into, Question.reply, Question.decided_by, Question.decided_at,
        Question.shown_at,
    ]  # fmt: skip
    if names:
        columns += [asker.first_name, asker.last_name, asker.username]
    statement = select(*columns).where(Question.session_id == session_id)
    if names:
        statement = statement.outerjoin(asker, asker.id == Question.user_id)
    return statement.order_by(Question.id)


def stream_questions(db: AsyncSession, session_id: int, *, names: bool) -> Batches:
    return _batches(db, question_rows(session_id, names=names))


def poll_answer_rows(poll_ids: Sequence[int], *, names: bool) -> Select[Any]:
    """The answers to the given polls, poll by poll in the order they came in (index order:
    no sort)."""
    voter = aliased(User)
    columns: list[Any] = [
        PollVote.poll_id, PollVote.voter_id, PollVote.position, PollVote.text, PollVote.via,
        PollVote.created_at,
    ]  # fmt: skip
    if names:
        columns += [voter.first_name, voter.last_name, voter.username]
    statement = select(*columns).where(PollVote.poll_id.in_(list(poll_ids)))
    if names:
        statement = statement.outerjoin(voter, voter.id == PollVote.voter_id)
    return statement.order_by(PollVote.poll_id, PollVote.id)


def stream_poll_answers(db: AsyncSession, poll_ids: Sequence[int], *, names: bool) -> Batches:
    return _batches(db, poll_answer_rows(poll_ids, names=names))


MODERATION_ACTIONS = (
    "question.approve",
    "question.reject",
    "question.answered",
    "question.on_screen",
    "question.reply",
    "question.merge",
    "question.mute",
    "question.next",
)


def moderation_rows(session_id: int) -> Select[Any]:
    """Moderators' audit entries on the session's questions. The question is the entry's
    target (`question:<id>`), or its detail for a mute (whose target is the viewer)."""
    reference = case(
        (AuditEntry.target.like("question:%"), AuditEntry.target), else_=AuditEntry.detail
    )
    # The cast only where the text is a question reference (a denial's detail is a role).
    question_id = case(
        (reference.like("question:%"), cast(func.substr(reference, len("question:") + 1), Integer))
    )
    return (
        select(
            AuditEntry.at,
            AuditEntry.actor_id,
            AuditEntry.action,
            AuditEntry.outcome,
            AuditEntry.target,
            AuditEntry.before,
            AuditEntry.after,
            AuditEntry.detail,
            Question.id,
            Question.user_id,
            Question.anonymous,
        )
        .join(Question, Question.id == question_id)
        .where(
            AuditEntry.action.in_(MODERATION_ACTIONS),
            reference.like("question:%"),
            Question.session_id == session_id,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )


def stream_moderation(db: AsyncSession, session_id: int) -> Batches:
    return _batches(db, moderation_rows(session_id))


async def moderation_count(db: AsyncSession, session_id: int) -> int:
    inner = moderation_rows(session_id).order_by(None).subquery()
    return await _count(db, select(func.count()).select_from(inner))
