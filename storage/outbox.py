"""The broadcast outbox: a row per recipient, claimed in batches by the sender.

On PostgreSQL a claim is `SELECT … FOR UPDATE SKIP LOCKED`, so several processes never
claim the same delivery; SQLite ignores the locking clause and supports one process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Delivery, User
from storage.sessions import audience

OPEN = ("pending", "sending")


async def create_broadcast(
    db: AsyncSession,
    *,
    kind: str,
    session_id: int | None,
    created_by: int | None,
    now: datetime,
    text_ar: str | None = None,
    text_en: str | None = None,
    to_channel: bool = False,
    progress_chat_id: int | None = None,
    poll_id: int | None = None,
) -> Broadcast:
    """Write the header and one pending delivery per reachable subscriber, before any send.

    A poll (or its results) also reaches the session's viewers who opened its card."""
    broadcast = Broadcast(
        kind=kind,
        session_id=session_id,
        poll_id=poll_id,
        text_ar=text_ar,
        text_en=text_en,
        created_by=created_by,
        created_at=now,
        status="running",
        channel_status="pending" if to_channel else None,
        progress_chat_id=progress_chat_id,
    )
    db.add(broadcast)
    await db.flush()
    recipients = audience(session_id, viewers=poll_id is not None).subquery()
    rows = select(
        literal(broadcast.id),
        recipients.c.id,
        literal("pending"),
        literal(0),
        literal(now, type_=Delivery.next_attempt_at.type),
    )
    await db.execute(
        insert(Delivery).from_select(
            ["broadcast_id", "user_id", "status", "attempts", "next_attempt_at"], rows
        )
    )
    count = select(func.count()).where(Delivery.broadcast_id == broadcast.id)
    broadcast.total = int((await db.execute(count)).scalar_one())
    return broadcast


async def claim(
    db: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> Sequence[tuple[Delivery, Broadcast, str]]:
    """Claim up to `limit` due deliveries of running broadcasts (with the recipient's language)."""
    statement = (
        select(Delivery, Broadcast, User.language)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .join(User, User.id == Delivery.user_id)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            Broadcast.status == "running",
            or_(Broadcast.channel_status.is_(None), Broadcast.channel_status != "pending"),
        )
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    rows = [(d, b, lang) for d, b, lang in (await db.execute(statement)).all()]
    for delivery, _, _ in rows:
        delivery.status = "sending"
        delivery.lease_until = lease_until
    return rows


async def release_expired(db: AsyncSession, now: datetime) -> int:
    """Deliveries whose claiming process died go back to pending."""
    result: CursorResult[Any] = await db.execute(  # type: ignore[assignment]  # DML returns a CursorResult
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.lease_until < now)
        .values(status="pending", lease_until=None)
    )
    return int(result.rowcount)


async def channel_pending(db: AsyncSession) -> Sequence[Broadcast]:
    statement = (
        select(Broadcast)
        .where(Broadcast.status == "running", Broadcast.channel_status == "pending")
        .order_by(Broadcast.id)
        .with_for_update(skip_locked=True)
    )
    return (await db.execute(statement)).scalars().all()


async def mark_unreachable(db: AsyncSession, user_ids: Iterable[int]) -> None:
    ids = list(user_ids)
    if ids:
        await db.execute(update(User).where(User.id.in_(ids)).values(reachable=False))


async def finish_done(db: AsyncSession, now: datetime) -> Sequence[int]:
    """Mark running broadcasts with nothing left to send as done; return their ids."""
    still_open = (
        select(Delivery.id)
        .where(Delivery.broadcast_id == Broadcast.id, Delivery.status.in_(OPEN))
        .exists()
    )
    statement = select(Broadcast).where(
        Broadcast.status == "running",
        or_(Broadcast.channel_status.is_(None), Broadcast.channel_status != "pending"),
        ~still_open,
    )
    finished = (await db.execute(statement)).scalars().all()
    for broadcast in finished:
        broadcast.status = "done"
        broadcast.finished_at = now
    return [b.id for b in finished]


async def counts(db: AsyncSession, broadcast_id: int) -> dict[str, int]:
    statement = (
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    return {status: int(n) for status, n in (await db.execute(statement)).all()}


async def cancel(db: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
    broadcast.status = "cancelled"
    broadcast.finished_at = now
    await db.execute(
        update(Delivery)
        .where(and_(Delivery.broadcast_id == broadcast.id, Delivery.status == "pending"))
        .values(status="cancelled")
    )


async def get_broadcast(
    db: AsyncSession, broadcast_id: int, *, for_update: bool = False
) -> Broadcast | None:
    statement = select(Broadcast).where(Broadcast.id == broadcast_id)
    if for_update:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


async def active_broadcasts(db: AsyncSession) -> Sequence[Broadcast]:
    statement = select(Broadcast).where(Broadcast.status == "running").order_by(Broadcast.id)
    return (await db.execute(statement)).scalars().all()


async def deliveries(db: AsyncSession, ids: Sequence[int]) -> Sequence[Delivery]:
    statement = select(Delivery).where(Delivery.id.in_(ids)).with_for_update()
    return (await db.execute(statement)).scalars().all()


async def poll_ids(db: AsyncSession, broadcast_ids: Iterable[int]) -> dict[int, int]:
    """broadcast id → poll id, for the broadcasts of these ids that carry a poll."""
    ids = list(broadcast_ids)
    if not ids:
        return {}
    statement = select(Broadcast.id, Broadcast.poll_id).where(
        Broadcast.id.in_(ids), Broadcast.poll_id.is_not(None)
    )
    return {bid: int(pid) for bid, pid in (await db.execute(statement)).all()}
