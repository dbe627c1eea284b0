"""Shared fixtures: a fresh migrated database per test on each engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import databases

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required (REQUIRE_POSTGRES=1) but 127.0.0.1:5432 is down")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432 and TEST_DATABASE_URL unset")
    name = databases.build_postgres_template()
    yield name
    databases.drop_postgres_template()


@pytest.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database of its own for this test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    request.getfixturevalue("postgres_template")
    name, url = await databases.postgres_copy()
    try:
        yield url
    finally:
        await databases.postgres_drop(name)
