"""SQLite on the event loop's own thread: the connection SQLAlchemy's aiosqlite dialect talks
to, without aiosqlite's thread.

aiosqlite runs every call in a thread of its own and wakes the loop for each answer; the
dialect makes four such calls per statement (cursor, execute, fetch, close). A query of the
bot's live paths takes SQLite ~10 µs, the four round trips ~150 µs of CPU and two thread
switches each. Here the same calls run inline: `make_engine` hands this class to the
dialect (`async_creator`), the URL stays `sqlite+aiosqlite://`.

What would block the loop, and how it does not:
- Waiting for the write lock. The connection's busy timeout is 0; a statement refused with
  SQLITE_BUSY (another process writes) is retried after an `asyncio.sleep`, with back-off, for
  up to `BUSY_TIMEOUT` seconds, so the loop goes on meanwhile. A refused statement had no
  effect, so trying it again is safe. Within the process the writers already take turns
  (`Database`), so this is only for other processes (the CLI).
- Long reads. A stream (`yield_per`) yields to the loop before each batch; exports run in a
  worker thread with a loop and a `Database` of their own (`domain/reports.py`), and
  `sqlite3` lets go of the GIL while SQLite works.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

BUSY_TIMEOUT = 10.0  # s, as the busy_timeout of the threaded connections
FIRST_BACKOFF = 0.001  # s, doubled after each refusal up to MAX_BACKOFF
MAX_BACKOFF = 0.05

T = TypeVar("T")


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error)


async def _patiently(call: Callable[[], T]) -> T:
    """`call()`, again after a pause while SQLite answers that the database is busy."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    pause = FIRST_BACKOFF
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_BACKOFF)


class InlineCursor:
    """The slice of `aiosqlite.Cursor` that SQLAlchemy's dialect uses."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await _patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)
        await _patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        await asyncio.sleep(0)  # a stream's batches take turns with the rest of the loop
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Inline:
    """Stands in for aiosqlite's queue of calls (`_tx`), which the dialect uses directly to
    set the isolation level: run the call now and settle its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # noqa: BLE001  # handed to whoever awaits the future
            future.set_exception(error)


class InlineConnection:
    """The slice of `aiosqlite.Connection` that SQLAlchemy's dialect uses, run inline."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _Inline()

    @classmethod
    async def open(cls, path: str, pragmas: Sequence[str] = ()) -> InlineConnection:
        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(
                path, timeout=0, isolation_level=None, check_same_thread=False, uri=True
            )
            try:
                for pragma in pragmas:
                    connection.execute(pragma)
            except BaseException:
                connection.close()
                raise
            return connection

        return cls(await _patiently(connect))

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        return await (await self.cursor()).execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        """aiosqlite's forced close (the pool's terminate)."""
        self._conn.close()
