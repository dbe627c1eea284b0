"""PostgreSQL LISTEN/NOTIFY on one channel: how processes sharing a database tell each other
that something changed (domain.events.NotifyBus is the only user).

`post` queues for a task that sends through the engine's pool (so the command line can publish
too; `close` waits for it) and groups what several callers publish meanwhile into one
`pg_notify` statement; nobody waits for it on the path of an update. `listen`
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
        self._sender: asyncio.Task[None] | None = None
        self._connection: Any = None  # asyncpg.Connection
        self._watch: asyncio.Task[None] | None = None
        self._callback: Callable[[str], None] = lambda _: None
        self._on_reconnect: Callable[[], None] = lambda: None

    # -- sending -----------------------------------------------------------------------------
    def post(self, payloads: Sequence[str]) -> None:
        """Queue the payloads for a task that sends them, with whatever else is queued while
        a send is under way (one round trip for a burst); the caller does not wait. A
        failure is logged: the change is committed, live pages catch up on their next
        reload."""
        self._pending.extend(payloads)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(
                self._send_pending(), name=f"notify {self.channel}"
            )

    async def flush(self) -> None:
        """Wait until what was queued has been sent (or failed)."""
        while self._sender is not None and not self._sender.done():
            await asyncio.shield(self._sender)

    async def _send_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._send(batch)
            except Exception:  # logged; the senders' changes are committed
                log.warning("could not notify %s events", len(batch), exc_info=True)

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
        await self.flush()
        task, self._watch = self._watch, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop()
