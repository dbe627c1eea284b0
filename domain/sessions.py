"""Sessions: create, edit, publish, go live, end; viewers' lists and "Remind me"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.errors import DomainError, NotFound
from domain.roles import GRANTS, Capability, RoleService
from storage import outbox, queries
from storage import sessions as q
from storage.database import Database
from storage.models import Session, SessionSubscription, Stream
from storage.types import utcnow

REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
RECENT = timedelta(days=14)
EDITABLE = ("title_ar", "title_en", "description_ar", "description_en", "starts_at", "streams")


FieldValue = str | datetime | tuple[tuple[str, str], ...] | None


@dataclass(frozen=True)
class StreamLink:
    url: str
    platform: str


@dataclass(frozen=True)
class SessionView:
    id: int
    title_ar: str
    title_en: str
    description_ar: str | None
    description_en: str | None
    starts_at: datetime
    status: str
    auto_golive: bool
    streams: tuple[StreamLink, ...]

    def title(self, language: str) -> str:
        return self.title_ar if language == "ar" else self.title_en

    def description(self, language: str) -> str | None:
        return self.description_ar if language == "ar" else self.description_en


@dataclass(frozen=True)
class SessionDraft:
    title_ar: str
    title_en: str
    starts_at: datetime
    streams: tuple[tuple[str, str], ...]
    description_ar: str | None = None
    description_en: str | None = None
    auto_golive: bool = False


@dataclass(frozen=True)
class GoLive:
    session: SessionView
    broadcast_id: int
    recipients: int


def _view(session: Session, streams: Sequence[Stream]) -> SessionView:
    return SessionView(
        id=session.id,
        title_ar=session.title_ar,
        title_en=session.title_en,
        description_ar=session.description_ar,
        description_en=session.description_en,
        starts_at=session.starts_at,
        status=session.status,
        auto_golive=session.auto_golive,
        streams=tuple(StreamLink(s.url, s.platform) for s in streams),
    )


def _state(session: Session) -> dict[str, object]:
    return {"status": session.status, "starts_at": session.starts_at.isoformat()}


class SessionService:
    def __init__(
        self,
        db: Database,
        roles: RoleService,
        *,
        channel: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._roles = roles
        self._channel = channel
        self.clock = clock

    async def _load(self, db: AsyncSession, session_id: int, lock: bool = False) -> Session:
        session = await q.get_session(db, session_id, for_update=lock)
        if session is None:
            raise NotFound("session.not_found", session_id=str(session_id))
        return session

    async def _render(self, db: AsyncSession, session: Session) -> SessionView:
        streams = await q.streams_of(db, [session.id])
        return _view(session, streams[session.id])

    async def create(
        self, actor: int | None, draft: SessionDraft, *, publish: bool = True
    ) -> SessionView:
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.create")
        if not draft.streams:
            raise DomainError("session.no_stream")
        if draft.starts_at <= self.clock():
            raise DomainError("session.start_in_past")
        async with self._db.transaction() as db:
            session = Session(
                title_ar=validation.title(draft.title_ar),
                title_en=validation.title(draft.title_en),
                description_ar=validation.description(draft.description_ar or ""),
                description_en=validation.description(draft.description_en or ""),
                starts_at=draft.starts_at,
                status="scheduled" if publish else "draft",
                auto_golive=draft.auto_golive,
                created_by=actor,
            )
            db.add(session)
            await db.flush()
            await q.replace_streams(db, session.id, draft.streams)
            if publish:
                await self._plan_reminders(db, session)
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.create",
                target=f"session:{session.id}",
                after=_state(session),
            )
            await db.flush()
            return await self._render(db, session)

    async def _plan_reminders(self, db: AsyncSession, session: Session) -> None:
        now = self.clock()
        plan = {
            kind: session.starts_at - before
            for kind, before in REMINDERS.items()
            if session.starts_at - before > now
        }
        await q.set_reminders(db, session, plan)

    async def get(self, session_id: int) -> SessionView:
        async with self._db.transaction() as db:
            return await self._render(db, await self._load(db, session_id))

    async def for_viewers(self) -> list[SessionView]:
        """Live first, then upcoming by start, then recently ended."""
        return await self._listing(["live", "scheduled"])

    async def listing(self, user_id: int) -> list[SessionView]:
        """What `/sessions` shows this person: moderators also see drafts."""
        role = await self._roles.role_of(user_id)
        if Capability.MODERATE in GRANTS[role]:
            return await self._listing(["draft", "live", "scheduled"])
        return await self._listing(["live", "scheduled"])

    async def _listing(self, statuses: list[str]) -> list[SessionView]:
        async with self._db.transaction() as db:
            rows = await q.list_sessions(db, statuses, ended_since=self.clock() - RECENT)
            streams = await q.streams_of(db, [s.id for s in rows])
        order = {"live": 0, "draft": 1, "scheduled": 1, "ended": 2}
        views = [_view(s, streams[s.id]) for s in rows]
        return sorted(views, key=lambda v: (order[v.status], v.starts_at))

    async def for_moderators(self, actor: int) -> list[SessionView]:
        await self._roles.authorize(actor, Capability.MODERATE, "session.list")
        return await self.all()

    async def all(self) -> list[SessionView]:
        async with self._db.transaction() as db:
            rows = await q.list_sessions(db, ["draft", "scheduled", "live", "ended"])
            streams = await q.streams_of(db, [s.id for s in rows])
        return [_view(s, streams[s.id]) for s in rows]

    async def edit(
        self, actor: int | None, session_id: int, field: str, value: FieldValue
    ) -> SessionView:
        """Change one field; `value` is already validated (see domain.validation)."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.edit")
        if field not in EDITABLE:
            raise DomainError("session.not_editable")
        async with self._db.transaction() as db:
            session = await self._load(db, session_id, lock=True)
            if session.status == "ended":
                raise DomainError("session.already_ended")
            before = _state(session)
            if field == "streams":
                if not isinstance(value, tuple) or not value:
                    raise DomainError("session.no_stream")
                await q.replace_streams(db, session_id, value)
            elif field == "starts_at":
                if session.status == "live":
                    raise DomainError("session.already_live")
                assert isinstance(value, datetime)
                session.starts_at = value
                if session.status == "scheduled":
                    await self._plan_reminders(db, session)
            else:
                setattr(session, field, value)
            queries.add_audit(
                db,
                actor_id=actor,
                action=f"session.edit.{field}",
                target=f"session:{session_id}",
                before=before,
                after=_state(session),
            )
            await db.flush()
            return await self._render(db, session)

    async def set_auto_golive(self, actor: int | None, session_id: int, on: bool) -> SessionView:
        """Go live by itself at the start time (the scheduler does it)."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.edit")
        async with self._db.transaction() as db:
            session = await self._load(db, session_id, lock=True)
            if session.status in ("live", "ended"):
                raise DomainError(f"session.already_{session.status}")
            before = session.auto_golive
            session.auto_golive = on
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.edit.auto_golive",
                target=f"session:{session_id}",
                before={"auto_golive": before},
                after={"auto_golive": on},
            )
            return await self._render(db, session)

    async def publish(self, actor: int | None, session_id: int) -> SessionView:
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.publish")
        async with self._db.transaction() as db:
            session = await self._load(db, session_id, lock=True)
            if session.status != "draft":
                raise DomainError(f"session.already_{session.status}")
            if session.starts_at <= self.clock():
                raise DomainError("session.start_in_past")
            session.status = "scheduled"
            await self._plan_reminders(db, session)
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.publish",
                target=f"session:{session_id}",
                before={"status": "draft"},
                after=_state(session),
            )
            return await self._render(db, session)

    async def go_live(
        self, actor: int | None, session_id: int, *, progress_chat_id: int | None = None
    ) -> GoLive:
        """Status → live and, in the same transaction, the go-live broadcast's outbox."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.golive")
        async with self._db.transaction() as db:
            session = await self._load(db, session_id, lock=True)
            if session.status not in ("draft", "scheduled"):
                raise DomainError(f"session.already_{session.status}")
            before = _state(session)
            now = self.clock()
            session.status = "live"
            session.live_at = now
            await q.set_reminders(db, session, {})
            broadcast = await outbox.create_broadcast(
                db,
                kind="golive",
                session_id=session_id,
                created_by=actor,
                now=now,
                to_channel=self._channel,
                progress_chat_id=progress_chat_id,
            )
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.golive",
                target=f"session:{session_id}",
                before=before,
                after={**_state(session), "broadcast": broadcast.id},
            )
            view = await self._render(db, session)
            return GoLive(view, broadcast.id, broadcast.total)

    async def go_live_due(self) -> list[GoLive]:
        """Sessions marked "go live by itself" whose start time has come."""
        async with self._db.transaction() as db:
            due = await q.due_auto_golive(db, self.clock())
        started = []
        for session_id in due:
            try:
                started.append(await self.go_live(None, session_id))
            except DomainError:
                continue  # another process took it live first
        return started

    async def end(self, actor: int | None, session_id: int) -> SessionView:
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.end")
        async with self._db.transaction() as db:
            session = await self._load(db, session_id, lock=True)
            if session.status != "live":
                raise DomainError(
                    "session.not_live" if session.status != "ended" else "session.already_ended"
                )
            session.status = "ended"
            session.ended_at = self.clock()
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.end",
                target=f"session:{session_id}",
                before={"status": "live"},
                after=_state(session),
            )
            return await self._render(db, session)

    async def toggle_reminder(self, user_id: int, session_id: int) -> bool:
        """ "Remind me" on a card: returns whether the viewer is now subscribed to it."""
        async with self._db.transaction() as db:
            session = await self._load(db, session_id)
            if session.status not in ("scheduled", "live"):
                raise DomainError("session.not_open")
            if await queries.get_user(db, user_id) is None:
                raise DomainError("session.start_first")
            existing = await db.get(SessionSubscription, (user_id, session_id))
            if existing is not None:
                await db.delete(existing)
                return False
            db.add(SessionSubscription(user_id=user_id, session_id=session_id))
            return True

    async def opened(self, user_id: int, session_id: int) -> bool:
        """A viewer opened the card: remember them (polls reach them); return whether they
        asked to be reminded of it."""
        async with self._db.transaction() as db:
            if await queries.get_user(db, user_id) is not None:
                await q.record_viewer(db, session_id, user_id)
            return await q.is_subscribed(db, user_id, session_id)

    async def is_subscribed(self, user_id: int, session_id: int) -> bool:
        async with self._db.transaction() as db:
            return await q.is_subscribed(db, user_id, session_id)
