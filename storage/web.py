"""Queries of the web console and the presenter screen: login links, signed-in consoles,
screen keys, and the question and poll rows the pages show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsoleLogin, Poll, Question, ScreenKey, Session, User, WebSession
from storage.queries import _insert

Row = tuple[Question, User | None]


# -- login links and signed-in consoles ------------------------------------------------------
def add_login(
    db: AsyncSession, token_hash: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    db.add(
        ConsoleLogin(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at)
    )


async def get_login(
    db: AsyncSession, token_hash: str, *, lock: bool = False
) -> ConsoleLogin | None:
    statement = select(ConsoleLogin).where(ConsoleLogin.token_hash == token_hash)
    if lock:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


def add_web_session(
    db: AsyncSession,
    id_hash: str,
    user_id: int,
    csrf_token: str,
    language: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    db.add(
        WebSession(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            language=language,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def get_web_session(db: AsyncSession, id_hash: str) -> WebSession | None:
    return await db.get(WebSession, id_hash)


async def delete_web_session(db: AsyncSession, id_hash: str) -> None:
    await db.execute(delete(WebSession).where(WebSession.id_hash == id_hash))


async def prune(db: AsyncSession, now: datetime) -> None:
    """Expired links and consoles (their rows are useless from then on)."""
    await db.execute(delete(ConsoleLogin).where(ConsoleLogin.expires_at < now))
    await db.execute(delete(WebSession).where(WebSession.expires_at < now))


# -- screen keys -----------------------------------------------------------------------------
async def screen_key(db: AsyncSession, session_id: int) -> str | None:
    row = await db.get(ScreenKey, session_id)
    return row.key if row is not None else None


async def set_screen_key(
    db: AsyncSession, session_id: int, key: str, actor: int | None, now: datetime
) -> None:
    statement = _insert(db, ScreenKey).values(
        session_id=session_id, key=key, rotated_by=actor, rotated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["session_id"],
        set_={"key": key, "rotated_by": actor, "rotated_at": now},
    )
    await db.execute(statement)


async def add_screen_key_if_missing(
    db: AsyncSession, session_id: int, key: str, now: datetime
) -> str:
    """The session's key, created with `key` if it has none yet (race-free)."""
    statement = _insert(db, ScreenKey).values(
        session_id=session_id, key=key, rotated_by=None, rotated_at=now
    )
    await db.execute(statement.on_conflict_do_nothing(index_elements=["session_id"]))
    found = await screen_key(db, session_id)
    assert found is not None  # inserted above or already there
    return found


# -- what the pages show ---------------------------------------------------------------------
async def console_questions(
    db: AsyncSession,
    session_id: int,
    statuses: Sequence[str],
    search: str | None,
    number: int | None,
    limit: int,
) -> Sequence[Row]:
    """The session's questions with these statuses (all when empty), newest first; `search`
    is a piece of the normalised text, `number` a question id."""
    statement = (
        select(Question, User)
        .outerjoin(User, User.id == Question.user_id)
        .where(Question.session_id == session_id)
        .order_by(Question.id.desc())
        .limit(limit)
    )
    if statuses:
        statement = statement.where(Question.status.in_(list(statuses)))
    if search and number is not None:
        statement = statement.where(
            or_(Question.normalized.contains(search, autoescape=True), Question.id == number)
        )
    elif search:
        statement = statement.where(Question.normalized.contains(search, autoescape=True))
    return [(question, user) for question, user in (await db.execute(statement)).all()]


async def questions_by_ids(db: AsyncSession, ids: Sequence[int]) -> Sequence[Row]:
    statement = (
        select(Question, User)
        .outerjoin(User, User.id == Question.user_id)
        .where(Question.id.in_(list(ids)))
        .order_by(Question.id)
    )
    return [(question, user) for question, user in (await db.execute(statement)).all()]


async def status_counts(db: AsyncSession, session_id: int) -> dict[str, int]:
    statement = (
        select(Question.status, func.count())
        .where(Question.session_id == session_id)
        .group_by(Question.status)
    )
    return {status: int(n) for status, n in (await db.execute(statement)).all()}


async def on_screen(db: AsyncSession, session_id: int) -> Row | None:
    """The question shown last (on screen, or pulled by /next) that is still approved or
    answered."""
    statement = (
        select(Question, User)
        .outerjoin(User, User.id == Question.user_id)
        .where(
            Question.session_id == session_id,
            Question.shown_at.is_not(None),
            Question.status.in_(["approved", "answered"]),
        )
        .order_by(Question.shown_at.desc(), Question.id.desc())
        .limit(1)
    )
    row = (await db.execute(statement)).first()
    return (row[0], row[1]) if row is not None else None


async def screen_poll(db: AsyncSession, session_id: int) -> int | None:
    """The poll to show: the open one opened last, else the one closed last (no survey)."""
    base = select(Poll.id).where(Poll.session_id == session_id, Poll.is_survey.is_(False))
    found = await db.scalar(
        base.where(Poll.status == "open").order_by(Poll.opened_at.desc(), Poll.id.desc()).limit(1)
    )
    if found is None:
        found = await db.scalar(
            base.where(Poll.status == "closed")
            .order_by(Poll.closed_at.desc(), Poll.id.desc())
            .limit(1)
        )
    return int(found) if found is not None else None


async def console_sessions(db: AsyncSession, limit: int) -> Sequence[Session]:
    """Sessions a console can follow: live first, then scheduled (soonest), then ended (most
    recent); drafts have no questions."""
    statement = (
        select(Session)
        .where(Session.status.in_(["live", "scheduled", "ended"]))
        .order_by(Session.starts_at.desc())
        .limit(limit)
    )
    rows = list((await db.execute(statement)).scalars())
    order = {"live": 0, "scheduled": 1, "ended": 2}
    rows.sort(key=lambda s: (order[s.status], -s.starts_at.timestamp()))
    return rows


async def session_row(db: AsyncSession, session_id: int) -> Session | None:
    return await db.get(Session, session_id)
