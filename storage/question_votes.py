"""Queries for upvotes, race-free on both engines without table locks.

The first vote is an `INSERT … ON CONFLICT DO NOTHING`; a toggle is one conditional `UPDATE`
(skipped when the row already carries this callback query id, i.e. a redelivered press); the
counter on the question moves by exactly the rows changed, in the same transaction. The
presses that arrive together take a few statements for the lot (`toggle_votes`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, QuestionVote
from storage.queries import _insert, among, insert_ignore, inserted_of
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


Press = tuple[int, int, str]  # question id, user id, callback query id


async def toggle_votes(db: AsyncSession, presses: Sequence[Press]) -> list[bool | None]:
    """`toggle_vote` for many presses, with their outcomes in order, in a few statements:
    the votes there are read (locked, on PostgreSQL) in one query, the first votes inserted
    in one, the toggles written in one executemany. A viewer pressing one button twice in
    the batch is a second round, after the first."""
    outcomes: list[bool | None] = [None] * len(presses)
    waiting = list(range(len(presses)))
    while waiting:
        taken: set[tuple[int, int]] = set()
        this_round: list[int] = []
        later: list[int] = []
        for i in waiting:
            pair = presses[i][:2]
            (later if pair in taken else this_round).append(i)
            taken.add(pair)
        await _toggle_round(db, presses, this_round, outcomes)
        waiting = later
    return outcomes


async def _toggle_round(
    db: AsyncSession, presses: Sequence[Press], indexes: list[int], outcomes: list[bool | None]
) -> None:
    """Presses on distinct (question, viewer) pairs."""
    row = QuestionVote.__table__.c
    pairs = sorted(presses[i][:2] for i in indexes)
    wanted, keys = among(_VOTES, ("question_id", "user_id"), pairs)
    statement = (
        select(row.question_id, row.user_id, row.active, row.query_id)
        .where(wanted)
        .order_by(row.question_id, row.user_id)  # locked in the same order by every process
        .with_for_update()  # (not on SQLite, whose writer holds the database)
    )
    found = {(r.question_id, r.user_id): r for r in (await db.execute(statement, keys)).all()}
    now = utcnow()
    toggles: list[dict[str, object]] = []
    first: list[int] = []
    for i in indexes:
        question_id, user_id, query_id = presses[i]
        vote = found.get((question_id, user_id))
        if vote is None:
            first.append(i)
        elif vote.query_id != query_id:  # else a redelivered press: None, nothing changes
            outcomes[i] = not vote.active
            toggles.append(
                {"q": question_id, "u": user_id, "on": not vote.active, "by": query_id, "at": now}
            )
    if toggles:
        await db.execute(_TOGGLE, toggles)
    rows = [
        {"question_id": q_id, "user_id": u_id, "active": True, "query_id": by, "updated_at": now}
        for q_id, u_id, by in (presses[i] for i in first)
    ]
    inserted = await inserted_of(db, QuestionVote, ["question_id", "user_id"], rows)
    for i in first:
        if presses[i][:2] in inserted:
            outcomes[i] = True
        else:  # another process's press on this pair came first (PostgreSQL)
            outcomes[i] = await toggle_vote(db, *presses[i])


_VOTES: Table = QuestionVote.__table__  # type: ignore[assignment]  # a declarative model's table
_QUESTIONS: Table = Question.__table__  # type: ignore[assignment]  # as above
_TOGGLE = (
    update(_VOTES)
    .where(_VOTES.c.question_id == bindparam("q"), _VOTES.c.user_id == bindparam("u"))
    .values(active=bindparam("on"), query_id=bindparam("by"), updated_at=bindparam("at"))
)
_BUMP = (
    update(_QUESTIONS)
    .where(_QUESTIONS.c.id == bindparam("question"))
    .values(votes=_QUESTIONS.c.votes + bindparam("delta"))
)


async def bump_many(db: AsyncSession, deltas: Mapping[int, int]) -> None:
    """Move each question's counter by its delta, in one executemany, in id order (the
    same in every process)."""
    moves = [{"question": q_id, "delta": deltas[q_id]} for q_id in sorted(deltas) if deltas[q_id]]
    if moves:
        await db.execute(_BUMP, moves)


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
    await bump_many(db, {target.id: gained})
    return gained


async def count_active_votes(db: AsyncSession, question_id: int) -> int:
    statement = select(func.count()).where(
        QuestionVote.question_id == question_id, QuestionVote.active.is_(True)
    )
    return int((await db.execute(statement)).scalar_one())
