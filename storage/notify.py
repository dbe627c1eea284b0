"""PostgreSQL LISTEN/NOTIFY on one channel: how processes sharing a database tell each other
that something changed (domain.events.NotifyBus is the only user).

`notify` sends through the engine's pool (so the command line can publish too) and groups
what several callers publish at the same moment into one `pg_notify` statement. `listen`
keeps one asyncpg connection of its own; if it breaks, it is opened again and
`on_reconnect` says that notifications may have been missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from sqlalchemy import text

from storage.database import Database

log = logging.getLogger(__name__)

KEEPALIVE = 10.0  # seconds between checks that the listening connection is alive
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
# Query options of the URL that configure SQLAlchemy's asyncpg dialect, not asyncpg
SQLALCHEMY_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")
NOTIFY = text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p")


class PgChannel:
    def __init__(self, db: Database, channel: str) -> None:
        self._db = db
        self.channel = channel
        self._pending: list[str] = []
        self._sending: asyncio.Future[None] | None = None
        self._connection: Any = None  # asyncpg.Connection
        self._watch: asyncio.Task[None] | None = None
        self._callback: Callable[[str], None] = lambda _: None
        self._on_reconnect: Callable[[], None] = lambda: None

    # -- sending -----------------------------------------------------------------------------
    async def notify(self, payloads: Sequence[str]) -> None:
        """Send the payloads; callers arriving while a send is under way are sent together
        right after it (one round trip for a burst)."""
        self._pending.extend(payloads)
        while True:
            if self._sending is not None:
                await asyncio.shield(self._sending)
                continue
            batch, self._pending = self._pending, []
            if not batch:
                return  # sent by whoever went first
            self._sending = asyncio.get_running_loop().create_future()
            try:
                await self._send(batch)
            finally:
                done, self._sending = self._sending, None
                done.set_result(None)
            return

    async def _send(self, payloads: list[str]) -> None:
        async with self._db.engine.connect() as connection:
            await connection.execute(NOTIFY, {"channel": self.channel, "payloads": payloads})
            await connection.commit()

    # -- listening ---------------------------------------------------------------------------
    async def listen(
        self, callback: Callable[[str], None], *, on_reconnect: Callable[[], None]
    ) -> None:
        self._callback, self._on_reconnect = callback, on_reconnect
        await self._connect()
        self._watch = asyncio.create_task(self._keep_alive(), name=f"listen {self.channel}")

    def _dsn(self) -> str:
        """The engine's URL for asyncpg itself, without SQLAlchemy's own options (asyncpg
        would send them to the server as settings, which refuses them)."""
        url = self._db.engine.url.set(drivername="postgresql")
        url = url.difference_update_query(SQLALCHEMY_OPTIONS)
        return url.render_as_string(hide_password=False)

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self._dsn())
        await connection.add_listener(self.channel, self._received)
        self._connection = connection

    def _received(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._callback(payload)
        except Exception:  # a subscriber's bug must not close the listening connection
            log.exception("notification handler failed")

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE)
            try:
                await asyncio.wait_for(self._connection.execute("SELECT 1"), KEEPALIVE)
                continue
            except Exception:  # noqa: BLE001  # any failure: the connection is gone
                log.warning("LISTEN connection lost; reconnecting")
            await self._drop()
            for attempt in range(10**9):
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                try:
                    await self._connect()
                    break
                except (OSError, asyncpg.PostgresError) as error:
                    log.warning("LISTEN reconnect failed: %s", error)
            self._on_reconnect()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def close(self) -> None:
        task, self._watch = self._watch, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop()
