"""Fresh databases per test, on SQLite and PostgreSQL, cloned from a migrated template.

PostgreSQL is used when `TEST_DATABASE_URL` is set or a server answers at 127.0.0.1:5432;
with `REQUIRE_POSTGRES=1` (set by .ci/run) an unreachable server fails the run instead of
skipping the PostgreSQL leg.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg

from storage.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TEMPLATE_NAME = f"shurakum_tmpl_{os.getpid()}"


def postgres_required() -> bool:
    return os.environ.get("REQUIRE_POSTGRES") == "1"


def postgres_reachable() -> bool:
    if "TEST_DATABASE_URL" in os.environ:
        return True
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _raw(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_raw(PG_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run(coroutine_function: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run on a loop of its own in a worker thread: fixtures may already be inside a loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine_function()).result()


def build_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    _run(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    path = folder / "test.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


def build_postgres_template() -> str:
    async def build() -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{TEMPLATE_NAME}"')
        await upgrade(_with_db(PG_URL, TEMPLATE_NAME))

    _run(build)
    return TEMPLATE_NAME


def drop_postgres_template() -> None:
    _run(lambda: _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)'))


async def postgres_copy() -> tuple[str, str]:
    name = f"shurakum_t_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"')
    return name, _with_db(PG_URL, name)


async def postgres_drop(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
