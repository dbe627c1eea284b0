"""Queries for upvotes, race-free on both engines without table locks.

A press is one upsert: the first vote is inserted, a later press flips it, unless the row
already carries this press's callback query id (a redelivered press); the counter on the
question moves by exactly the rows changed, in the same transaction. The presses that arrive
together are one statement for the lot (`toggle_votes`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Table, TextualSelect, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, QuestionVote
from storage.queries import INSERT_CHUNK, _insert
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


Press = tuple[int, int, str]  # question id, user id, callback query id


async def toggle_votes(db: AsyncSession, presses: Sequence[Press]) -> list[bool | None]:
    """Vote, or take the vote back, for each press: its outcome in order, the new state of
    the vote, or None if this press was already applied (a redelivery). Presses on distinct
    (question, viewer) pairs go in one statement (`_toggle_sql`); a viewer pressing one
    button twice in the batch is a second round, after the first. The caller moves the
    questions' counters (`bump_many`) in the same transaction."""
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
    """Presses on distinct (question, viewer) pairs, written in (question, viewer) order: the
    order in which every process locks the votes."""
    order = sorted(indexes, key=lambda i: presses[i][:2])
    now = utcnow()
    changed: dict[tuple[int, int], bool] = {}
    for start in range(0, len(order), INSERT_CHUNK):
        chunk = [presses[i] for i in order[start : start + INSERT_CHUNK]]
        values: dict[str, object] = {"on": True, "at": now}
        for k, (question_id, user_id, query_id) in enumerate(chunk):
            values |= {f"q{k}": question_id, f"u{k}": user_id, f"by{k}": query_id}
        rows = await db.execute(_toggle_sql(len(chunk)), values)
        changed |= {(r.question_id, r.user_id): bool(r.active) for r in rows}
    for i in indexes:
        outcomes[i] = changed.get(presses[i][:2])  # absent: a redelivered press


@functools.lru_cache(maxsize=512)
def _toggle_sql(count: int) -> TextualSelect:
    """`count` presses in one upsert (the same SQL on SQLite and PostgreSQL, compiled once
    per count): a first vote is inserted; a vote already there flips, unless it already
    carries this press's callback query id (a redelivery: it stays, and no row comes back).
    Answers with the new state of every vote it wrote. On PostgreSQL a vote that another
    transaction is inserting is waited for, then flipped: never counted twice."""
    rows = ", ".join(f"(:q{k}, :u{k}, :on, :by{k}, :at)" for k in range(count))
    sql = (
        "INSERT INTO question_votes (question_id, user_id, active, query_id, updated_at) "  # noqa: S608  # fixed names; values are bound
        f"VALUES {rows} ON CONFLICT (question_id, user_id) DO UPDATE "
        "SET active = NOT question_votes.active, query_id = excluded.query_id, "
        "updated_at = excluded.updated_at "
        "WHERE question_votes.query_id IS NULL OR question_votes.query_id <> excluded.query_id "
        "RETURNING question_id, user_id, active"
    )
    c = _VOTES.c
    binds = [bindparam("on", type_=c.active.type), bindparam("at", type_=c.updated_at.type)]
    for k in range(count):
        binds += [
            bindparam(f"q{k}", type_=c.question_id.type),
            bindparam(f"u{k}", type_=c.user_id.type),
            bindparam(f"by{k}", type_=c.query_id.type),
        ]
    return text(sql).bindparams(*binds).columns(c.question_id, c.user_id, c.active)


_VOTES: Table = QuestionVote.__table__  # type: ignore[assignment]  # a declarative model's table
_QUESTIONS: Table = Question.__table__  # type: ignore[assignment]  # as above
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
