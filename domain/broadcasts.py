"""Broadcasts: the durable outbox behind go-live, reminders and announcements.

The sender (handlers/broadcaster.py) claims due deliveries in batches, sends them, and
reports the results back here in one transaction per batch. A crash loses nothing: claimed
rows carry a lease; when it runs out they are sent again, so at most the sends in flight
at the moment of the crash (one batch) can reach a viewer twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import validation
from domain.errors import DomainError, NotFound
from domain.roles import Capability, RoleService
from storage import outbox, queries
from storage import polls as poll_queries
from storage import sessions as q
from storage.database import Database
from storage.models import Broadcast
from storage.types import utcnow

MAX_ATTEMPTS = 5
ANNOUNCE_MAX = 3500


@dataclass(frozen=True)
class Job:
    """One message to send: who, in which language, of which broadcast."""

    delivery_id: int
    broadcast_id: int
    user_id: int
    language: str
    kind: str
    session_id: int | None
    text_ar: str | None
    text_en: str | None
    poll_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one job: sent, blocked (403), retry (transient), throttled (429)."""

    delivery_id: int
    user_id: int
    result: str
    error: str | None = None
    message_id: int | None = None  # of a sent poll, so the viewer's choice can be shown on it


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    kind: str
    status: str
    total: int
    sent: int
    failed: int
    left: int
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class ChannelPost:
    broadcast_id: int
    kind: str
    session_id: int | None
    text_ar: str | None
    text_en: str | None
    poll_id: int | None = None


class BroadcastService:
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

    async def announce(
        self,
        actor: int | None,
        text_ar: str | None,
        text_en: str | None,
        *,
        progress_chat_id: int | None = None,
    ) -> Progress:
        """Free text to every reachable subscriber, each in their language."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "broadcast.announce")
        texts = [validation.clean_text(t) if t else "" for t in (text_ar, text_en)]
        if not any(texts):
            raise DomainError("announce.empty")
        if any(len(t) > ANNOUNCE_MAX for t in texts):
            raise DomainError("announce.too_long", limit=ANNOUNCE_MAX)
        async with self._db.transaction() as db:
            broadcast = await outbox.create_broadcast(
                db,
                kind="announce",
                session_id=None,
                created_by=actor,
                now=self.clock(),
                text_ar=texts[0] or None,
                text_en=texts[1] or None,
                to_channel=self._channel,
                progress_chat_id=progress_chat_id,
            )
            queries.add_audit(
                db,
                actor_id=actor,
                action="broadcast.announce",
                target=f"broadcast:{broadcast.id}",
                after={"recipients": broadcast.total},
            )
            return _progress(broadcast, {"pending": broadcast.total})

    async def fire_reminders(self) -> list[int]:
        """Turn due reminders into broadcasts, each in one transaction with its `done_at`."""
        created: list[int] = []
        while True:
            async with self._db.transaction() as db:
                now = self.clock()
                due = await q.due_reminders(db, now, limit=1)
                if not due:
                    return created
                reminder = due[0]
                reminder.done_at = now
                session = await q.get_session(db, reminder.session_id)
                # A reminder is only useful before the start; one that came due while the
                # bot was down is still sent if the session has not started yet.
                if session is None or session.status != "scheduled" or session.starts_at <= now:
                    continue
                broadcast = await outbox.create_broadcast(
                    db,
                    kind=f"reminder_{reminder.kind}",
                    session_id=session.id,
                    created_by=None,
                    now=now,
                )
                created.append(broadcast.id)

    async def claim(self, limit: int, lease: timedelta) -> list[Job]:
        async with self._db.transaction() as db:
            now = self.clock()
            rows = await outbox.claim(db, now=now, lease_until=now + lease, limit=limit)
            return [
                Job(
                    d.id,
                    b.id,
                    d.user_id,
                    lang,
                    b.kind,
                    b.session_id,
                    b.text_ar,
                    b.text_en,
                    b.poll_id,
                )
                for d, b, lang in rows
            ]

    async def record(
        self, outcomes: Sequence[Outcome], backoff: Callable[[int], float]
    ) -> list[int]:
        """Store a batch's results; return the broadcasts that just finished."""
        if not outcomes:
            return []
        async with self._db.transaction() as db:
            now = self.clock()
            by_id = {o.delivery_id: o for o in outcomes}
            rows = await outbox.deliveries(db, list(by_id))
            jobs_poll = await outbox.poll_ids(db, {d.broadcast_id for d in rows})
            blocked: list[int] = []
            for delivery in rows:
                outcome = by_id[delivery.id]
                delivery.lease_until = None
                if outcome.result == "sent":
                    delivery.status, delivery.sent_at = "sent", now
                    if outcome.message_id is not None and jobs_poll.get(delivery.broadcast_id):
                        await poll_queries.remember_message(
                            db,
                            jobs_poll[delivery.broadcast_id],
                            delivery.user_id,
                            outcome.message_id,
                        )
                elif outcome.result == "blocked":
                    delivery.status, delivery.error = "blocked", outcome.error
                    blocked.append(delivery.user_id)
                elif outcome.result == "throttled":
                    delivery.status = "pending"  # not the viewer's fault: no attempt counted
                else:
                    delivery.attempts += 1
                    delivery.error = (outcome.error or "")[:200]
                    if delivery.attempts >= MAX_ATTEMPTS:
                        delivery.status = "failed"
                    else:
                        delivery.status = "pending"
                        delay = timedelta(seconds=backoff(delivery.attempts))
                        delivery.next_attempt_at = now + delay
            await outbox.mark_unreachable(db, blocked)
            await db.flush()
            return list(await outbox.finish_done(db, now))

    async def release_expired(self) -> int:
        async with self._db.transaction() as db:
            return await outbox.release_expired(db, self.clock())

    async def release_all_claims(self) -> int:
        """At start-up with SQLite (one process): nothing else can hold a claim."""
        async with self._db.transaction() as db:
            return await outbox.release_expired(db, self.clock() + timedelta(days=3650))

    async def channel_posts(self) -> list[ChannelPost]:
        async with self._db.transaction() as db:
            rows = await outbox.channel_pending(db)
            return [
                ChannelPost(b.id, b.kind, b.session_id, b.text_ar, b.text_en, b.poll_id)
                for b in rows
            ]

    async def channel_done(self, broadcast_id: int, ok: bool) -> None:
        async with self._db.transaction() as db:
            broadcast = await outbox.get_broadcast(db, broadcast_id, for_update=True)
            if broadcast is not None:
                broadcast.channel_status = "sent" if ok else "failed"
                await db.flush()
                await outbox.finish_done(db, self.clock())

    async def progress(self, broadcast_id: int) -> Progress:
        async with self._db.transaction() as db:
            broadcast = await outbox.get_broadcast(db, broadcast_id)
            if broadcast is None:
                raise NotFound("broadcast.not_found")
            return _progress(broadcast, await outbox.counts(db, broadcast_id))

    async def running(self) -> list[Progress]:
        async with self._db.transaction() as db:
            return [
                _progress(b, await outbox.counts(db, b.id))
                for b in await outbox.active_broadcasts(db)
            ]

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        async with self._db.transaction() as db:
            broadcast = await outbox.get_broadcast(db, broadcast_id, for_update=True)
            if broadcast is not None:
                broadcast.progress_message_id = message_id

    async def cancel(self, actor: int, broadcast_id: int) -> Progress:
        await self._roles.authorize(actor, Capability.MODERATE, "broadcast.cancel")
        async with self._db.transaction() as db:
            broadcast = await outbox.get_broadcast(db, broadcast_id, for_update=True)
            if broadcast is None:
                raise NotFound("broadcast.not_found")
            if broadcast.status == "running":
                await outbox.cancel(db, broadcast, self.clock())
                queries.add_audit(
                    db,
                    actor_id=actor,
                    action="broadcast.cancel",
                    target=f"broadcast:{broadcast_id}",
                    before={"status": "running"},
                    after={"status": "cancelled"},
                )
            await db.flush()
            return _progress(broadcast, await outbox.counts(db, broadcast_id))


def _progress(broadcast: Broadcast, counts: dict[str, int]) -> Progress:
    return Progress(
        broadcast_id=broadcast.id,
        kind=broadcast.kind,
        status=broadcast.status,
        total=broadcast.total,
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0) + counts.get("blocked", 0),
        left=counts.get("pending", 0) + counts.get("sending", 0),
        progress_chat_id=broadcast.progress_chat_id,
        progress_message_id=broadcast.progress_message_id,
    )
