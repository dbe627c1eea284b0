"""Lookups by a list of keys of two columns look each key up in the table's index.

`(a, b) IN ((…), …)` made SQLite scan the whole table: the upvotes' batch, when it still
read the votes before writing them, read every vote of the session (9 ms at 40,000 votes,
growing through the session). The queries of the hot paths (questions by message, mutes) ask
for an OR of index lookups instead (`storage.queries.among`); these tests read SQLite's plan
for the statements those queries really send (the `db` fixture: tests/storage/conftest.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage import questions
from storage.database import Database
from storage.models import Question

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def plan_of(db: Database, query: Callable[[AsyncSession], Awaitable[Any]]) -> str:
    """SQLite's query plan for the one SELECT that `query` sends."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.lstrip().startswith("BEGIN"):
            sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.transaction() as s:
            await query(s)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    reads = [
        (sql, params) for sql, params in sent if not sql.lstrip().startswith(("UPDATE", "INSERT"))
    ]
    assert len(reads) == 1, sent
    sql, params = reads[0]
    async with db.engine.connect() as connection:
        rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in rows)


async def test_questions_of_messages_are_read_by_the_index(db: Database) -> None:
    found: dict[Any, Question] = {}

    async def query(s: AsyncSession) -> None:
        found.update(await questions.by_messages(s, [(1, 5), (1, 6), (2, 5)]))

    plan = await plan_of(db, query)
    assert "SEARCH questions USING INDEX" in plan, plan
    assert "SCAN questions" not in plan, plan
    assert list(found) == [(1, 5)]


async def test_mutes_are_read_by_the_key(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(
            text("INSERT INTO question_mutes (session_id, user_id, muted_by, created_at) "
                 "VALUES (1, 2, 1, '2026-01-01 00:00:00')")
        )  # fmt: skip
    muted: set[tuple[int, int]] = set()

    async def query(s: AsyncSession) -> None:
        muted.update(await questions.muted_among(s, [(1, 2), (1, 3)]))

    plan = await plan_of(db, query)
    assert "SCAN question_mutes" not in plan, plan
    assert muted == {(1, 2)}
