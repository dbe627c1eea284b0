"""Upvotes written together (`toggle_votes`): the same outcomes as one press at a time, in a
fixed number of statements, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select

from storage import question_votes as votes
from storage.database import Database
from storage.models import Question, QuestionVote


async def state(db: Database) -> dict[tuple[int, int], tuple[bool, str | None]]:
    async with db.snapshot() as s:
        rows = await s.execute(
            select(QuestionVote.question_id, QuestionVote.user_id, QuestionVote.active,
                   QuestionVote.query_id)
        )  # fmt: skip
        return {(r.question_id, r.user_id): (bool(r.active), r.query_id) for r in rows}


async def test_a_batch_has_the_outcomes_of_one_press_at_a_time(db: Database) -> None:
    async with db.transaction() as s:
        assert await votes.toggle_votes(s, [(10, 2, "a"), (10, 3, "b")]) == [True, True]
    presses = [
        (10, 2, "a"),  # redelivered: nothing changes
        (10, 3, "c"),  # a second press: taken back
        (11, 2, "d"),  # a first vote
        (11, 2, "e"),  # the same button again in the batch: a second round, taken back
        (11, 2, "f"),  # and a third: on again
        (10, 4, "g"),
        (10, 4, "g"),  # the same press twice in one batch: counted once
    ]
    async with db.transaction() as s:
        outcomes = await votes.toggle_votes(s, presses)
    assert outcomes == [None, False, True, False, True, True, None]
    assert await state(db) == {
        (10, 2): (True, "a"),
        (10, 3): (False, "c"),
        (11, 2): (True, "f"),
        (10, 4): (True, "g"),
    }


async def test_a_batch_takes_the_same_few_statements_whatever_its_size(db: Database) -> None:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]).split()[0])

    presses = [(q, u, f"{q}-{u}") for q in (10, 11) for u in range(2, 7)]
    async with db.transaction() as s:
        await votes.toggle_votes(s, presses[:5])
    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.transaction() as s:
            outcomes = await votes.toggle_votes(
                s, [(q, u, f"again-{q}-{u}") for q, u, _ in presses]
            )
            await votes.bump_many(s, {10: -5, 11: 5})
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert outcomes == [False] * 5 + [True] * 5
    # the toggles and the first votes in one upsert, then the counters (an executemany)
    assert [w for w in seen if w != "BEGIN"] == ["INSERT", "UPDATE"]


async def test_bump_many_moves_each_counter_by_its_delta(db: Database) -> None:
    async with db.transaction() as s:
        await votes.bump_many(s, {11: 3, 10: 0})
        await votes.bump_many(s, {11: -1, 10: 2})
    async with db.snapshot() as s:
        rows = await s.execute(select(Question.id, Question.votes).order_by(Question.id))
        assert [tuple(r) for r in rows] == [(10, 2), (11, 2)]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # one writer on SQLite
async def test_a_first_vote_that_another_process_wrote_meanwhile_is_toggled(
    db: Database, database_url: str
) -> None:
    """PostgreSQL: another transaction has inserted the same viewer's vote and not committed
    yet; the batch's upsert waits for it, then toggles that vote instead of counting a second
    one."""
    other = Database(database_url)
    written, go_on = asyncio.Event(), asyncio.Event()

    async def theirs() -> None:
        async with other.transaction() as t:
            await votes.toggle_votes(t, [(10, 5, "theirs")])
            written.set()
            await go_on.wait()  # committed only after our batch has read the votes

    try:
        their_batch = asyncio.create_task(theirs())
        await written.wait()
        async with db.transaction() as s:
            ours = asyncio.create_task(votes.toggle_votes(s, [(10, 5, "ours")]))
            await asyncio.sleep(0.3)  # our insert waits for their transaction
            assert not ours.done()
            go_on.set()
            await their_batch
            assert await ours == [False]  # their vote, taken back by our press
    finally:
        await other.dispose()
    assert await state(db) == {(10, 5): (False, "ours")}
    async with db.snapshot() as s:
        count = select(func.count()).select_from(QuestionVote)
        assert (await s.execute(count)).scalar_one() == 1
