"""SQLite on the event loop's thread (storage/sqlite_inline.py): a writer of another process
is waited for without stopping the loop, errors are SQLAlchemy's as before, streams take
turns with the loop, and driver options in the URL keep aiosqlite's thread."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import sqlite_inline
from storage.database import Database
from storage.models import User
from storage.sqlite_inline import InlineConnection
from tests import databases


@pytest.fixture
def url(sqlite_template: Path, tmp_path: Path) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path)


@contextlib.asynccontextmanager
async def counting_turns(pause: float) -> AsyncIterator[list[int]]:
    """While the block runs, a task counts its turns of the loop (`pause` s apart)."""
    turns = [0]

    async def count() -> None:
        while True:
            await asyncio.sleep(pause)
            turns[0] += 1

    task = asyncio.create_task(count())
    try:
        yield turns
    finally:
        task.cancel()


def path_of(url: str) -> str:
    return url.split(":///", 1)[1]


async def test_runs_on_the_loop_thread_without_aiosqlite(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as s:
            s.add(User(id=1, language="en"))
        async with db.transaction() as s:
            raw = (await s.connection()).sync_connection
            assert raw is not None
            assert isinstance(raw.connection.driver_connection, InlineConnection)
            assert (await s.execute(select(User.language))).scalar_one() == "en"
            assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() == 0
            assert (await s.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await s.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.dispose()


async def test_another_writer_is_waited_for_while_the_loop_goes_on(url: str) -> None:
    """Another process holds the write lock for 0.4 s: our transaction waits for it, the
    loop keeps ticking meanwhile, and then it writes."""
    other = sqlite3.connect(path_of(url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO users (id, language, subscribed, reachable, created_at, "
                  "updated_at) VALUES (7, 'ar', 0, 1, '2026-01-01', '2026-01-01')")  # fmt: skip
    db = Database(url)
    try:
        asyncio.get_running_loop().call_later(0.4, other.commit)
        started = time.monotonic()
        async with counting_turns(0.01) as ticks, db.transaction() as s:
            s.add(User(id=8, language="en"))
        waited = time.monotonic() - started
        assert waited >= 0.35
        assert ticks[0] >= 10  # the loop ran while we waited (10 ms ticks over ~0.4 s; a
        # blocked loop gets none), with room for a loaded machine
        async with db.snapshot() as s:
            assert set((await s.execute(select(User.id))).scalars()) == {7, 8}
    finally:
        other.close()
        await db.dispose()


async def test_a_writer_that_never_lets_go_is_an_error_after_the_busy_timeout(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(path_of(url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    db = Database(url)
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with db.transaction() as s:
                s.add(User(id=9, language="en"))
    finally:
        other.rollback()
        other.close()
        await db.dispose()


async def test_errors_are_sqlalchemys_and_roll_back(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as s:
            s.add(User(id=1, language="en"))

        async def half_then_a_clash() -> None:
            async with db.transaction() as s:
                s.add(User(id=2, language="ar"))
                await s.flush()
                s.add(User(id=1, language="ar"))  # the same id again

        with pytest.raises(IntegrityError):
            await half_then_a_clash()
        async with db.snapshot() as s:
            assert list((await s.execute(select(User.id))).scalars()) == [1]
    finally:
        await db.dispose()


async def test_a_stream_takes_turns_with_the_loop(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as s:
            s.add_all(User(id=i, language="ar") for i in range(1, 501))
        async with counting_turns(0) as turns, db.snapshot() as s:
            result = await s.stream(select(User.id).execution_options(yield_per=50))
            seen = [row async for row in result.scalars()]
        assert len(seen) == 500
        assert turns[0] >= 9  # a turn of the other task before each of the ten batches
    finally:
        await db.dispose()


async def test_driver_options_in_the_url_keep_aiosqlite(url: str) -> None:
    db = Database(url + "?timeout=5")
    try:
        async with db.transaction() as s:
            raw = (await s.connection()).sync_connection
            assert raw is not None
            assert not isinstance(raw.connection.driver_connection, InlineConnection)
            assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() == 10000
            s.add(User(id=3, language="en"))
    finally:
        await db.dispose()
