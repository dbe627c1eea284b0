"""Queries for polls, their options and votes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Table, and_, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Poll, PollMessage, PollOption, PollVote
from storage.types import utcnow


async def get_poll(db: AsyncSession, poll_id: int, *, for_update: bool = False) -> Poll | None:
    statement = select(Poll).where(Poll.id == poll_id)
    if for_update:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


async def poll_with_options(db: AsyncSession, poll_id: int) -> tuple[Poll, list[PollOption]] | None:
    """The poll and its options (by position) in one query."""
    statement = (
        select(Poll, PollOption)
        .outerjoin(PollOption, PollOption.poll_id == Poll.id)
        .where(Poll.id == poll_id)
        .order_by(PollOption.position)
    )
    rows = (await db.execute(statement)).all()
    if not rows:
        return None
    return rows[0][0], [option for _, option in rows if option is not None]


async def by_channel_poll(db: AsyncSession, telegram_poll_id: str) -> Poll | None:
    statement = select(Poll).where(Poll.channel_poll_id == telegram_poll_id)
    return (await db.execute(statement)).scalar_one_or_none()


async def options(db: AsyncSession, poll_id: int) -> Sequence[PollOption]:
    statement = (
        select(PollOption).where(PollOption.poll_id == poll_id).order_by(PollOption.position)
    )
    return (await db.execute(statement)).scalars().all()


async def session_polls(db: AsyncSession, session_id: int) -> Sequence[Poll]:
    statement = select(Poll).where(Poll.session_id == session_id).order_by(Poll.id)
    return (await db.execute(statement)).scalars().all()


async def choices_of(db: AsyncSession, poll_id: int, voter_id: int) -> list[int]:
    statement = (
        select(PollVote.position)
        .where(PollVote.poll_id == poll_id, PollVote.voter_id == voter_id)
        .order_by(PollVote.position)
    )
    return list((await db.execute(statement)).scalars())


async def answer_of(db: AsyncSession, poll_id: int, voter_id: int) -> PollVote | None:
    statement = select(PollVote).where(PollVote.poll_id == poll_id, PollVote.voter_id == voter_id)
    return (await db.execute(statement)).scalars().first()


async def set_choices(
    db: AsyncSession, poll_id: int, voter_id: int, positions: Sequence[int], via: str
) -> None:
    """Replace one voter's choices (the caller holds the voter's lock)."""
    current = await choices_of(db, poll_id, voter_id)
    await replace_choices(db, [(poll_id, voter_id, current, positions, via)])


async def lock_voter(db: AsyncSession, poll_id: int, voter_id: int) -> None:
    """Serialise one voter's taps on one poll (PostgreSQL advisory lock; SQLite writers
    take turns already, storage/database.py)."""
    await lock_voters(db, poll_id, [voter_id])


async def lock_voters(db: AsyncSession, poll_id: int, voter_ids: Collection[int]) -> None:
    """`lock_voter` for many voters: one advisory lock each, always in the same order, so
    two processes locking overlapping groups wait for each other instead of deadlocking."""
    if db.get_bind().dialect.name != "postgresql":
        return
    # One statement: PostgreSQL evaluates a volatile function of the select list after the
    # ORDER BY, so the locks are taken in ascending order.
    keys = sorted({v % 2_000_000_000 for v in voter_ids})
    await db.execute(LOCK_VOTERS, {"poll": poll_id, "keys": keys})


LOCK_VOTERS = text(
    "SELECT pg_advisory_xact_lock(:poll, k) FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k"
)


async def choices_of_many(
    db: AsyncSession, poll_id: int, voter_ids: Collection[int]
) -> dict[int, list[int]]:
    """Each voter's current positions (an empty list for those who have none)."""
    statement = (
        select(PollVote.voter_id, PollVote.position)
        .where(PollVote.poll_id == poll_id, PollVote.voter_id.in_(sorted(voter_ids)))
        .order_by(PollVote.voter_id, PollVote.position)
    )
    found: dict[int, list[int]] = {voter_id: [] for voter_id in voter_ids}
    for voter_id, position in (await db.execute(statement)).all():
        found[voter_id].append(position)
    return found


async def replace_choices(
    db: AsyncSession, changes: Iterable[tuple[int, int, Sequence[int], Sequence[int], str]]
) -> None:
    """Many voters' choices replaced in two statements: for each (poll, voter, positions
    before, positions after, via), delete what went and insert what came (the caller holds
    the voters' locks)."""
    gone, new = [], []
    now = utcnow()
    for poll_id, voter_id, before, after, via in changes:
        gone += [{"p": poll_id, "v": voter_id, "o": o} for o in before if o not in after]
        new += [
            {"poll_id": poll_id, "voter_id": voter_id, "position": o, "via": via, "created_at": now}
            for o in after
            if o not in before
        ]
    table = PollVote.__table__
    assert isinstance(table, Table)
    connection = await db.connection()
    if gone:
        condition = and_(
            table.c.poll_id == bindparam("p"),
            table.c.voter_id == bindparam("v"),
            table.c.position == bindparam("o"),
        )
        await connection.execute(table.delete().where(condition), gone)
    if new:
        await connection.execute(table.insert(), new)


async def counts(db: AsyncSession, poll_id: int) -> dict[int, int]:
    statement = (
        select(PollVote.position, func.count())
        .where(PollVote.poll_id == poll_id)
        .group_by(PollVote.position)
    )
    return {position: int(n) for position, n in (await db.execute(statement)).all()}


async def voter_count(db: AsyncSession, poll_id: int) -> int:
    statement = select(func.count(func.distinct(PollVote.voter_id))).where(
        PollVote.poll_id == poll_id
    )
    return int((await db.execute(statement)).scalar_one())


async def texts(db: AsyncSession, poll_id: int) -> Sequence[str]:
    statement = select(PollVote.text).where(PollVote.poll_id == poll_id, PollVote.text.is_not(None))
    return [t for t in (await db.execute(statement)).scalars() if t]


async def due_to_close(db: AsyncSession, now: datetime) -> Sequence[int]:
    statement = select(Poll.id).where(Poll.status == "open", Poll.closes_at <= now)
    return (await db.execute(statement)).scalars().all()


async def remember_message(db: AsyncSession, poll_id: int, user_id: int, message_id: int) -> None:
    row = await db.get(PollMessage, (poll_id, user_id))
    if row is None:
        db.add(PollMessage(poll_id=poll_id, user_id=user_id, message_id=message_id))
    else:
        row.message_id = message_id


async def message_of(db: AsyncSession, poll_id: int, user_id: int) -> int | None:
    row = await db.get(PollMessage, (poll_id, user_id))
    return None if row is None else row.message_id


async def anonymise_voter(db: AsyncSession, voter_id: int, replacement: int) -> None:
    await db.execute(
        update(PollVote).where(PollVote.voter_id == voter_id).values(voter_id=replacement)
    )


async def votes_of(db: AsyncSession, poll_id: int, voter_id: int) -> Sequence[PollVote]:
    statement = select(PollVote).where(PollVote.poll_id == poll_id, PollVote.voter_id == voter_id)
    return (await db.execute(statement)).scalars().all()
