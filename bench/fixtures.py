"""What the broadcast benchmark runs against: the emulated Bot API, a scratch database with
subscribers, and the bot as a real `python -m bot.cli run` process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from sqlalchemy import func, insert, select

from domain.services import Services
from domain.sessions import SessionDraft
from sandbox import BotApiEmulator, Driver, RateLimits
from sandbox.state import ChatState, SentMessage
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Broadcast, Delivery, User
from storage.types import utcnow

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
FIRST_ID = 10_000_001
# Alembic keeps its migration context in module globals: one migration at a time per process.
_migrating = asyncio.Lock()


class TimedEmulator(BotApiEmulator):
    """The emulation, also noting when each message was delivered (monotonic clock)."""

    def __init__(self, limits: RateLimits) -> None:
        super().__init__(token="123:bench", limits=limits)  # noqa: S106  # a fake token
        self.delivered_at: list[float] = []

    def deliver(self, chat: ChatState, message: SentMessage) -> None:
        super().deliver(chat, message)
        self.delivered_at.append(time.monotonic())

    def add_subscribers(self, ids: range) -> None:
        driver = Driver(self)
        for user_id in ids:
            driver.user(user_id, f"U{user_id}", language_code="ar" if user_id % 2 else "en")

    def distinct(self, ids: range) -> int:
        delivered = self.stats.delivered
        return sum(1 for i in ids if delivered[i])


def _raw(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_raw(PG_ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(engine: str, folder: Path) -> AsyncIterator[str]:
    """A migrated, empty database of our own: a file on SQLite, a database on PostgreSQL
    (created next to `test` and dropped afterwards; `test` itself is never touched)."""
    tag = uuid.uuid4().hex[:10]
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/bench-{tag}.db"
        async with _migrating:
            await upgrade(url)
        yield url
        return
    name = f"shurakum_bench_{tag}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
        async with _migrating:
            await upgrade(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(url: str, subscribers: int) -> range:
    """`subscribers` users subscribed to everything, inserted in bulk; returns their ids."""
    ids = range(FIRST_ID, FIRST_ID + subscribers)
    now = utcnow()
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = [
                {
                    "id": i,
                    "first_name": f"U{i}",
                    "language": "ar" if i % 2 else "en",
                    "subscribed": True,
                    "reachable": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in ids
            ]
            await session.execute(insert(User), rows)
    finally:
        await db.dispose()
    return ids


async def go_live(url: str) -> int:
    """A published session taken live through the domain: the outbox is written in the same
    transaction. Returns the broadcast id."""
    db = Database(url)
    try:
        services = Services.build(db, admin_ids=frozenset(), default_language="ar")
        draft = SessionDraft(
            title_ar="جلسة الخطة الوطنية",
            title_en="National plan session",
            starts_at=utcnow() + timedelta(days=1),
            streams=(("https://youtube.com/live/abc", "youtube"), ("https://x.com/i/b/1", "x")),
            description_ar="حوار مفتوح مع الإدارة",
            description_en="An open dialogue with management",
        )
        view = await services.sessions.create(None, draft)
        return (await services.sessions.go_live(None, view.id)).broadcast_id
    finally:
        await db.dispose()


async def outbox_state(url: str, broadcast_id: int) -> tuple[str, dict[str, int]]:
    """The broadcast's status and its deliveries counted by status."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            status = (
                await session.execute(select(Broadcast.status).where(Broadcast.id == broadcast_id))
            ).scalar_one()
            statement = (
                select(Delivery.status, func.count())
                .where(Delivery.broadcast_id == broadcast_id)
                .group_by(Delivery.status)
            )
            counts = {s: int(n) for s, n in (await session.execute(statement)).all()}
            return status, counts
    finally:
        await db.dispose()


class BotProcess:
    """`python -m bot.cli run` with a clean environment pointing at the emulation."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        database_url: str,
        workdir: Path,
        *,
        rate: float,
        paid: bool = False,
        python_path: str = str(ROOT),
        module: str = "bot.cli run",
    ) -> None:
        self.module = module  # what `python -m` runs (bench.echo_bot for the echo baseline)
        keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
        self.env = {k: v for k, v in os.environ.items() if k in keep} | {
            "PYTHONPATH": python_path,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_API_FILE_URL": emulator.base_file_url,
            "DATABASE_URL": database_url,
            "WEB_PORT": "0",
            "BROADCAST_RATE": f"{rate:g}",
            "PAID_BROADCAST": "true" if paid else "false",
            "LOG_LEVEL": "WARNING",
        }
        self.emulator = emulator
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[Any] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, within: float = 60) -> None:
        """Start and wait until it polls for updates (the sender is running by then)."""
        polls = self.emulator.stats.requests["getUpdates"]
        self._log = (self.workdir / "bot.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *self.module.split(),
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + within
        while self.emulator.stats.requests["getUpdates"] <= polls:
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start; see {self.workdir / 'bot.log'}")
            await asyncio.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the bot process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def python_path(sniffio_stub: Path | None = None) -> str:
    """PYTHONPATH for the processes we start; with a stub `sniffio` module if asked.

    httpcore 1.0 calls `import sniffio` on every request and falls back to asyncio when it
    is missing (anyio 4 no longer installs it): the stub measures what installing it buys."""
    if sniffio_stub is None:
        return str(ROOT)
    sniffio_stub.mkdir(parents=True, exist_ok=True)
    (sniffio_stub / "sniffio.py").write_text(
        "def current_async_library():\n    return 'asyncio'\n", encoding="utf-8"
    )
    return os.pathsep.join([str(ROOT), str(sniffio_stub)])


@asynccontextmanager
async def emulation(limits: RateLimits) -> AsyncIterator[TimedEmulator]:
    emulator = TimedEmulator(limits)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
