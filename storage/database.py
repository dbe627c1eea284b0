"""The engine and the unit of work: one use case = one transaction (STYLE.md)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_inline import InlineConnection

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """aiosqlite's threaded connections (`inline=False`): the driver's implicit deferred
    BEGIN off (we issue BEGIN below), and SQLite's own busy handler for the write lock."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (*SQLITE_PRAGMAS, "PRAGMA busy_timeout=10000"):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN. A deferred transaction that reads and then writes
    fails at once with SQLITE_BUSY when another connection wrote in between (the busy
    timeout does not apply to that case); IMMEDIATE makes it wait its turn instead.
    A `snapshot()` only reads: a plain BEGIN, so it never holds up a writer."""
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# Statements prepared per PostgreSQL connection (SQLAlchemy's asyncpg default: 100). A batch's
# statements differ by their number of keys, so the hot paths alone have a few hundred; with
# 100 they pushed each other out and were prepared again (10 % of a vote's CPU in a batch).
PG_STATEMENT_CACHE = 1000


def make_engine(url: str, *, inline: bool = True, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE, and runs on the
    event loop's thread (`storage/sqlite_inline.py`) unless `inline` is false or the URL
    carries driver options, which then go to aiosqlite's threaded connection. asyncpg keeps
    `PG_STATEMENT_CACHE` prepared statements unless the URL says otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_driver_name() == "asyncpg":
            cache = parsed.query.get("prepared_statement_cache_size", str(PG_STATEMENT_CACHE))
            parsed = parsed.update_query_dict({"prepared_statement_cache_size": cache})
        return create_async_engine(parsed, **kwargs)
    if inline and not parsed.query:
        path = parsed.database or ":memory:"
        kwargs["async_creator"] = lambda: InlineConnection.open(path, SQLITE_PRAGMAS)
    engine = create_async_engine(url, **kwargs)
    if "async_creator" not in kwargs:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


class Database:
    """Owns the engine; `transaction()` commits on success and rolls back on any error.

    SQLite has one writer at a time: the transactions of this process take turns on an
    asyncio lock before BEGIN IMMEDIATE, so concurrent updates queue in order instead of
    polling in SQLite's busy handler (which sleeps up to 100 ms between tries). The busy
    timeout still covers other processes (the CLI). PostgreSQL needs no such turn."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._writer, self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection, no ORM session, for one statement that is a transaction by
        itself, on the path of every update (the update log), where the session's overhead
        is half the cost. On PostgreSQL it runs in autocommit: one round trip instead of
        three (BEGIN, the statement, COMMIT). On SQLite it is a transaction as any other
        (the writer's turn, BEGIN IMMEDIATE)."""
        if self.dialect == "postgresql":
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with self._writer, self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that sees one consistent state and blocks no writer (long
        reads such as exports): deferred BEGIN under WAL on SQLite, REPEATABLE READ READ ONLY
        on PostgreSQL."""
        options: dict[str, Any] = {"read_only": True}
        if self.dialect == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        async with self.engine.connect() as connection:
            await connection.execution_options(**options)
            async with AsyncSession(bind=connection) as session, session.begin():
                yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001  # any failure means "not reachable" for /healthz
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
