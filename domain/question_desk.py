"""What moderators read about questions: cards, the pending queue, per-session counts, and
where the cards of new questions go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain import question_text
from domain.abuse import STARTER, AbuseFilter
from domain.batching import GroupCommit
from domain.errors import DomainError, NotFound
from domain.question_views import (
    MAX_WINDOW,
    Card,
    CardRef,
    QuestionStats,
    QuestionView,
    Queue,
    taking_questions,
    view,
)
from domain.roles import Capability, RoleService
from storage import queries
from storage import questions as q
from storage.database import Database
from storage.models import Session, User
from storage.types import utcnow

QUEUE_PAGE = 8


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    name = " ".join(filter(None, (user.first_name, user.last_name))) or str(user.id)
    return f"{name} (@{user.username})" if user.username else name


class QuestionDesk:
    def __init__(
        self,
        db: Database,
        roles: RoleService,
        *,
        moderator_chat_id: int | None = None,
        default_language: str = "ar",
        abuse: AbuseFilter = STARTER,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._roles = roles
        self.moderator_chat_id = moderator_chat_id
        self.default_language = default_language
        self.abuse = abuse
        self.clock = clock
        self._feed_reads = GroupCommit(self._read_feed_chats, "feed-chats")

    async def card(self, question_id: int) -> Card:
        async with self._db.transaction() as db:
            question = await q.get_question(db, question_id)
            if question is None:
                raise NotFound("question.not_found", number=question_id)
            session = await db.get(Session, question.session_id)
            assert session is not None  # foreign key
            user = await db.get(User, question.user_id) if question.user_id else None
            pool = await q.similar_pool(db, question.session_id, exclude=question.id)
        return Card(
            question=view(question),
            session_title_ar=session.title_ar,
            session_title_en=session.title_en,
            asker=None if question.anonymous else _name(user),
            similar=tuple(question_text.near_duplicates(question.normalized, pool)),
            held_words=tuple(self.abuse.matches(question.normalized)) if question.held else (),
        )

    async def on_screen(self, session_id: int) -> QuestionView | None:
        """The highlighted question of a session (for the presenter's screen)."""
        async with self._db.transaction() as db:
            row = await q.on_screen(db, session_id)
            return None if row is None else view(row)

    async def feed_chats(self) -> list[tuple[int, str]]:
        """Where new questions go: the moderators' group, else each moderator's and admin's
        private chat (those who started the bot and did not block it), with a language."""
        if self.moderator_chat_id is not None:
            return [(self.moderator_chat_id, self.default_language)]
        return await self._feed_reads(None)  # asked for by every new question: shared

    async def _read_feed_chats(self, asks: list[None]) -> list[list[tuple[int, str]]]:
        """One read for the questions that arrived together (a read-only snapshot, so on
        SQLite it waits for no writer); each gets the same list."""
        async with self._db.snapshot() as db:
            ids = {*await q.moderator_ids(db), *self._roles.admin_ids}
            users = await q.users(db, sorted(ids))
            chats = [(uid, u.language) for uid, u in sorted(users.items()) if u.reachable]
        return [chats] * len(asks)

    async def cards_of(self, question_ids: tuple[int, ...]) -> list[CardRef]:
        async with self._db.transaction() as db:
            rows = await q.cards_of(db, question_ids)
        return [CardRef(r.chat_id, r.message_id, r.language, r.question_id) for r in rows]

    async def add_card(
        self, question_id: int, chat_id: int, message_id: int, language: str
    ) -> None:
        async with self._db.transaction() as db:
            await q.add_card(db, question_id, chat_id, message_id, language)

    async def stats(self, session_id: int) -> QuestionStats:
        """What the session's report counts: received, approved, answered, merged, declined
        by reason (derived from the rows, so it cannot drift)."""
        async with self._db.transaction() as db:
            counts = await q.status_counts(db, session_id)
            approved = await q.approved_ever(db, session_id)

        def total(status: str) -> int:
            return sum(n for (s, _), n in counts.items() if s == status)

        declined = {reason or "other": n for (s, reason), n in counts.items() if s == "rejected"}
        return QuestionStats(
            received=sum(counts.values()),
            pending=total("pending"),
            approved=approved,
            answered=total("answered"),
            merged=total("merged"),
            withdrawn=total("withdrawn"),
            declined=declined,
        )

    async def queue(self, actor: int, page: int = 0) -> Queue:
        """Pending questions, oldest first, a page at a time."""
        await self._roles.authorize(actor, Capability.MODERATE, "question.queue")
        async with self._db.transaction() as db:
            rows, total = await q.pending(db, page * QUEUE_PAGE, QUEUE_PAGE)
            titles = await q.session_titles(db, {r.session_id for r in rows})
            current = await taking_questions(db, self.clock())
        pages = max(1, -(-total // QUEUE_PAGE))
        stats = await self.stats(current[0].id) if current else None
        return Queue(
            questions=tuple(view(r) for r in rows),
            page=min(page, pages - 1),
            pages=pages,
            total=total,
            titles=titles,
            current=current[0] if current else None,
            stats=stats,
        )

    async def card_for(self, actor: int, question_id: int) -> Card:
        """A card for a moderator who asked to see it (a viewer is refused and audited)."""
        await self._roles.authorize(actor, Capability.MODERATE, "question.view")
        return await self.card(question_id)

    async def set_intake_window(
        self, actor: int | None, session_id: int, before_minutes: int, after_minutes: int
    ) -> None:
        """How long before the start and after the end a session takes questions."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "session.edit")
        limit = MAX_WINDOW.total_seconds() // 60
        if not (0 <= before_minutes <= limit and 0 <= after_minutes <= limit):
            raise DomainError("question.bad_window")
        async with self._db.transaction() as db:
            session = await db.get(Session, session_id, with_for_update=True)
            if session is None:
                raise NotFound("session.not_found", session_id=str(session_id))
            before = [session.intake_before_minutes, session.intake_after_minutes]
            session.intake_before_minutes = before_minutes
            session.intake_after_minutes = after_minutes
            queries.add_audit(
                db,
                actor_id=actor,
                action="session.edit.intake",
                target=f"session:{session_id}",
                before={"intake": before},
                after={"intake": [before_minutes, after_minutes]},
            )
