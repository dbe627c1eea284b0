"""Migrations and the unit of work on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text

from domain.updates import UpdateLog
from storage.database import PG_STATEMENT_CACHE, Database
from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import Base, User
from storage.queries import claim_updates
from storage.types import utcnow


async def test_upgrade_is_repeatable_and_at_head(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    assert await current_revision(database_url) == head


async def test_models_match_migrations(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await db.dispose()
    assert diff == []


async def test_sqlite_pragmas(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    await upgrade(url)
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.dispose()


async def test_transaction_rolls_back_on_error(database_url: str) -> None:
    db = Database(database_url)
    try:

        async def fail_midway() -> None:
            async with db.transaction() as session:
                session.add(User(id=1, language="ar"))
                await session.flush()
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_midway()
        async with db.transaction() as session:
            assert await session.get(User, 1) is None
            session.add(User(id=2, language="en"))
        async with db.transaction() as session:
            user = await session.get(User, 2)
            assert user is not None
            assert user.created_at.tzinfo is not None
            assert abs((utcnow() - user.created_at).total_seconds()) < 60
    finally:
        await db.dispose()


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    naive = datetime(2026, 1, 1)  # a naive time is the point of the test
    db = Database(database_url)

    async def store_naive() -> None:
        async with db.transaction() as session:
            session.add(User(id=3, language="ar", created_at=naive))

    try:
        with pytest.raises(Exception, match="naive datetime"):
            await store_naive()
    finally:
        await db.dispose()


async def test_concurrent_first_starts_create_one_user(database_url: str) -> None:
    from domain.users import Profile, UserService

    db = Database(database_url)
    users = UserService(db, "ar")
    try:
        results = await asyncio.gather(
            *(users.start(Profile(42, "سارة", language_code="ar")) for _ in range(8))
        )
        assert sum(viewer.is_new for viewer in results) == 1
        async with db.transaction() as session:
            count = (await session.execute(text("SELECT count(*) FROM users"))).scalar()
        assert count == 1
    finally:
        await db.dispose()


async def test_concurrent_read_then_write_transactions(database_url: str) -> None:
    """Several transactions that read and then write the same row, at once: none fails
    (on SQLite a deferred BEGIN would fail with 'database is locked')."""
    from domain.users import Profile, UserService

    db = Database(database_url)
    users = UserService(db, "ar")
    try:
        await users.start(Profile(7, "A"))
        await asyncio.gather(
            *(users.set_language(Profile(7, "A"), ("ar", "en")[i % 2]) for i in range(10)),
            *(users.unsubscribe(7) for _ in range(10)),
            *(users.set_reachable(7, i % 2 == 0) for i in range(10)),
        )
        viewer = await users.get(7)
        assert viewer is not None
        assert viewer.subscribed is False
    finally:
        await db.dispose()


async def test_concurrent_go_live_has_exactly_one_winner(database_url: str) -> None:
    """Read-check-write in one transaction: of five simultaneous go-lives exactly one wins
    (on SQLite this needs BEGIN IMMEDIATE; on PostgreSQL the row lock)."""
    from datetime import timedelta

    from domain.errors import DomainError
    from domain.services import Services
    from domain.sessions import SessionDraft

    db = Database(database_url)
    services = Services.build(db, admin_ids=frozenset(), default_language="ar")
    try:
        draft = SessionDraft(
            title_ar="ج",
            title_en="S",
            starts_at=utcnow() + timedelta(days=1),
            streams=(("https://youtube.com/live/x", "youtube"),),
        )
        view = await services.sessions.create(None, draft)
        results = await asyncio.gather(
            *(services.sessions.go_live(None, view.id) for _ in range(5)), return_exceptions=True
        )
        wins = [r for r in results if not isinstance(r, BaseException)]
        losses = [r for r in results if isinstance(r, DomainError)]
        assert (len(wins), len(losses)) == (1, 4), results
        assert {e.key for e in losses} == {"session.already_live"}
    finally:
        await db.dispose()


async def test_update_claims_are_written_together_and_counted_once(database_url: str) -> None:
    """The updates of one batch claim their ids in one statement; a second delivery, in the
    same batch or later, or through another process's log, never wins."""
    db, other_db = Database(database_url), Database(database_url)
    other = UpdateLog(other_db)  # another process sharing the database
    log = UpdateLog(db)
    statements: list[str] = []
    listen = partial(event.listen, db.engine.sync_engine, "before_cursor_execute")
    listen(lambda *args: statements.append(args[2]))
    try:
        assert await other.first_time(13)
        first = await asyncio.gather(*(log.first_time(i) for i in (11, 12, 12, 13, 14)))
        assert first == [True, True, False, False, True]
        inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 1  # one group commit for the five claims
        again = await asyncio.gather(log.first_time(11), other.first_time(14), log.first_time(15))
        assert list(again) == [False, False, True]
    finally:
        await db.dispose()
        await other_db.dispose()


async def test_many_rows_inserted_together_say_which_were_new(database_url: str) -> None:
    """`inserted_of` above one statement's worth of rows: the chunks together answer with
    exactly the keys that were not there yet (claims here: 1,200 ids, 100 already known)."""
    db = Database(database_url)
    try:
        now = utcnow()
        async with db.statement() as connection:
            known = await claim_updates(connection, list(range(1, 1200, 12)), now)
        assert len(known) == 100
        async with db.statement() as connection:
            new = await claim_updates(connection, list(range(1, 1201)), now)
        assert new == set(range(1, 1201)) - known
    finally:
        await db.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_connections_keep_the_hot_paths_statements_prepared(
    database_url: str,
) -> None:
    """SQLAlchemy's asyncpg default of 100 prepared statements per connection is fewer than
    the batches' statements (one per number of keys); a URL's own choice is kept."""

    async def capacity(url: str) -> int:
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                return int(raw.dbapi_connection._prepared_statement_cache.capacity)  # type: ignore[union-attr]  # asyncpg's adapted connection
        finally:
            await db.dispose()

    assert await capacity(database_url) == PG_STATEMENT_CACHE >= 1000
    assert await capacity(database_url + "?prepared_statement_cache_size=7") == 7


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_claims_take_one_round_trip(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update claims run on every update's path: on PostgreSQL their one statement is
    its own transaction (autocommit), without a BEGIN and a COMMIT around it."""
    import asyncpg

    sent: list[str] = []
    execute = asyncpg.Connection.execute

    async def recorded(self: asyncpg.Connection, query: str, *args: object, **kw: object) -> str:
        sent.append(query.split()[0].rstrip(";").upper())
        return await execute(self, query, *args, **kw)  # type: ignore[arg-type]

    db = Database(database_url)
    try:
        log = UpdateLog(db)
        assert await log.first_time(900) is True  # the pool's first connection set up
        monkeypatch.setattr(asyncpg.Connection, "execute", recorded)
        assert await log.first_time(901) is True
        assert {"BEGIN", "COMMIT"}.isdisjoint(sent), sent
        monkeypatch.undo()
        async with db.transaction() as session:  # committed: seen by another connection
            claimed = text("SELECT 1 FROM processed_updates WHERE update_id = 901")
            found = await session.execute(claimed)
            assert found.scalar_one() == 1
        assert await log.first_time(901) is False
    finally:
        await db.dispose()
