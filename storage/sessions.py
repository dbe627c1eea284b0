"""Queries for sessions, their streams, subscriptions and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reminder, Session, SessionSubscription, SessionViewer, Stream, User


async def get_session(
    db: AsyncSession, session_id: int, *, for_update: bool = False
) -> Session | None:
    statement = select(Session).where(Session.id == session_id)
    if for_update:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


async def streams_of(db: AsyncSession, session_ids: Sequence[int]) -> dict[int, list[Stream]]:
    result: dict[int, list[Stream]] = {sid: [] for sid in session_ids}
    if not session_ids:
        return result
    statement = select(Stream).where(Stream.session_id.in_(session_ids)).order_by(Stream.position)
    for stream in (await db.execute(statement)).scalars():
        result[stream.session_id].append(stream)
    return result


async def replace_streams(
    db: AsyncSession, session_id: int, links: Sequence[tuple[str, str]]
) -> None:
    await db.execute(delete(Stream).where(Stream.session_id == session_id))
    for position, (url, platform) in enumerate(links):
        db.add(Stream(session_id=session_id, position=position, url=url, platform=platform))


async def list_sessions(
    db: AsyncSession, statuses: Sequence[str], *, ended_since: datetime | None = None
) -> Sequence[Session]:
    condition: ColumnElement[bool] = Session.status.in_(statuses)
    if ended_since is not None:
        condition = or_(condition, (Session.status == "ended") & (Session.ended_at >= ended_since))
    statement = select(Session).where(condition).order_by(Session.starts_at, Session.id)
    return (await db.execute(statement)).scalars().all()


async def is_subscribed(db: AsyncSession, user_id: int, session_id: int) -> bool:
    return (await db.get(SessionSubscription, (user_id, session_id))) is not None


async def subscriber_count(db: AsyncSession, session_id: int) -> int:
    statement = select(func.count()).select_from(audience(session_id).subquery())
    return int((await db.execute(statement)).scalar_one())


def audience(session_id: int | None, *, viewers: bool = False) -> Select[tuple[int]]:
    """Reachable users subscribed to everything or to this session (and, with `viewers`,
    whoever opened its card)."""
    condition: ColumnElement[bool] = User.subscribed.is_(True)
    if session_id is not None:
        alternatives = [
            User.subscribed.is_(True),
            exists().where(
                SessionSubscription.user_id == User.id,
                SessionSubscription.session_id == session_id,
            ),
        ]
        if viewers:
            alternatives.append(
                exists().where(
                    SessionViewer.user_id == User.id, SessionViewer.session_id == session_id
                )
            )
        condition = or_(*alternatives)
    return select(User.id).where(User.reachable.is_(True), condition)


async def record_viewer(db: AsyncSession, session_id: int, user_id: int) -> None:
    if await db.get(SessionViewer, (session_id, user_id)) is None:
        db.add(SessionViewer(session_id=session_id, user_id=user_id))


async def due_reminders(db: AsyncSession, now: datetime, limit: int = 20) -> Sequence[Reminder]:
    statement = (
        select(Reminder)
        .where(Reminder.done_at.is_(None), Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await db.execute(statement)).scalars().all()


async def due_auto_golive(db: AsyncSession, now: datetime) -> Sequence[int]:
    statement = select(Session.id).where(
        Session.status == "scheduled", Session.auto_golive, Session.starts_at <= now
    )
    return (await db.execute(statement)).scalars().all()


async def set_reminders(db: AsyncSession, session: Session, plan: dict[str, datetime]) -> None:
    """Replace the session's pending reminders with `plan` (kind → due time)."""
    await db.execute(
        delete(Reminder).where(Reminder.session_id == session.id, Reminder.done_at.is_(None))
    )
    done = set(
        (await db.execute(select(Reminder.kind).where(Reminder.session_id == session.id))).scalars()
    )
    for kind, due in plan.items():
        if kind not in done:
            db.add(Reminder(session_id=session.id, kind=kind, due_at=due))
