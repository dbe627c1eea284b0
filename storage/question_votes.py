"""Queries for upvotes, race-free on both engines without table locks.

The first vote is an `INSERT … ON CONFLICT DO NOTHING`; a toggle is one conditional `UPDATE`
(skipped when the row already carries this callback query id, i.e. a redelivered press); the
counter on the question moves by exactly the rows changed, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, QuestionVote
from storage.queries import _insert, insert_ignore
from storage.questions import rowcount
from storage.types import utcnow


async def voted_by(
    db: AsyncSession, user_ids: Collection[int], question_ids: Collection[int]
) -> set[tuple[int, int]]:
    """(user id, question id) of these users' active upvotes on these questions."""
    if not user_ids or not question_ids:
        return set()
    statement = select(QuestionVote.user_id, QuestionVote.question_id).where(
        QuestionVote.user_id.in_(sorted(user_ids)),
        QuestionVote.question_id.in_(sorted(question_ids)),
        QuestionVote.active.is_(True),
    )
    return {(row.user_id, row.question_id) for row in (await db.execute(statement)).all()}


async def toggle_vote(
    db: AsyncSession, question_id: int, user_id: int, query_id: str
) -> bool | None:
    """Vote, or take the vote back; None if this press was already applied (redelivery).
    The caller moves the questions' counters (`bump_many`) in the same transaction."""
    now = utcnow()
    inserted = await insert_ignore(
        db, QuestionVote, ["question_id", "user_id"], question_id=question_id, user_id=user_id,
        active=True, query_id=query_id, updated_at=now,
    )  # fmt: skip
    if inserted == 1:
        return True
    row = QuestionVote.__table__.c
    result = await db.execute(
        update(QuestionVote)
        .where(
            row.question_id == question_id,
            row.user_id == user_id,
            (row.query_id.is_(None)) | (row.query_id != query_id),
        )
        .values(active=~row.active, query_id=query_id, updated_at=now)
        .returning(row.active)
    )
    active = result.scalar_one_or_none()
    return None if active is None else bool(active)


async def bump_many(db: AsyncSession, deltas: Mapping[int, int]) -> None:
    """Move each question's counter by its delta, in id order (the same in every process)."""
    for question_id in sorted(deltas):
        await bump_votes(db, question_id, deltas[question_id])


async def bump_votes(db: AsyncSession, question_id: int, delta: int) -> None:
    if delta:
        await db.execute(
            update(Question)
            .where(Question.id == question_id)
            .values(votes=Question.votes + delta)
            .execution_options(synchronize_session=False)
        )


async def move_votes(db: AsyncSession, source: Question, target: Question) -> int:
    """Give the target every active vote of the source (and the source's asker's support),
    without counting anyone twice; returns how many votes the target gained."""
    rows = await db.execute(
        select(QuestionVote.user_id).where(
            QuestionVote.question_id == source.id, QuestionVote.active.is_(True)
        )
    )
    voters = {voter for voter in rows.scalars() if voter is not None}
    if source.user_id is not None:
        voters.add(source.user_id)
    if target.user_id is not None:
        voters.discard(target.user_id)
    gained = 0
    now = utcnow()
    row = QuestionVote.__table__.c
    for voter in sorted(voters):
        inserted = await db.execute(
            _insert(db, QuestionVote)
            .values(question_id=target.id, user_id=voter, active=True, updated_at=now)
            .on_conflict_do_nothing(index_elements=["question_id", "user_id"])
        )
        if rowcount(inserted) == 0:
            inserted = await db.execute(
                update(QuestionVote)
                .where(row.question_id == target.id, row.user_id == voter, row.active.is_(False))
                .values(active=True, updated_at=now)
            )
        gained += rowcount(inserted)
    await db.execute(
        update(QuestionVote)
        .where(row.question_id == source.id, row.active.is_(True))
        .values(active=False, updated_at=now)
    )
    await db.execute(
        update(Question)
        .where(Question.id == source.id)
        .values(votes=0)
        .execution_options(synchronize_session=False)
    )
    await bump_votes(db, target.id, gained)
    return gained


async def count_active_votes(db: AsyncSession, question_id: int) -> int:
    statement = select(func.count()).where(
        QuestionVote.question_id == question_id, QuestionVote.active.is_(True)
    )
    return int((await db.execute(statement)).scalar_one())
