"""Questions, the moderators' side: approve, reject with a reason, answered, on screen,
merge, written reply, mute, /next.

Every action re-checks the role, locks the question row (`SELECT … FOR UPDATE` on
PostgreSQL) and changes it only if its `revision` is still the one on the pressed card (a
compare-and-set `UPDATE`, atomic on SQLite too): of two moderators pressing at once exactly
one wins; the other gets `AlreadyHandled` with the resulting state. Each change is audited
with the state before and after, and returns the notices for the askers (SPEC §2, §8).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import question_text
from domain.errors import DomainError
from domain.events import NO_EVENTS, QUESTION, EventBus, emits
from domain.question_desk import QuestionDesk
from domain.question_views import (
    AlreadyHandled,
    Card,
    Forged,
    Notice,
    Outcome,
    QuestionView,
    audited,
    open_sessions,
    view,
)
from domain.roles import Capability, RoleService
from storage import queries
from storage import question_votes as votes
from storage import questions as q
from storage.database import Database
from storage.models import Question, User
from storage.types import utcnow

REPLY_MAX = 3000
REASONS = ("duplicate", "off_topic", "personal", "abusive", "already_answered")
# action → the statuses it may start from
ALLOWED = {
    "approve": ("pending",),
    "reject": ("pending", "approved"),
    "answered": ("pending", "approved"),
    "on_screen": ("approved",),
    "merge": ("pending", "approved"),
    "reply": ("pending", "approved", "answered"),
}


def _refreshed(outcome: Outcome) -> list[tuple[int, int | None]]:
    return [(question_id, outcome.question.session_id) for question_id in outcome.refresh]


def _pulled(outcome: Outcome | None) -> list[tuple[int, int | None]]:
    return [] if outcome is None else _refreshed(outcome)


def _muted(result: tuple[QuestionView, bool]) -> list[tuple[int, int | None]]:
    return [(result[0].id, result[0].session_id)]


def _state(question: Question) -> dict[str, Any]:
    return {
        "status": question.status,
        "revision": question.revision,
        "votes": question.votes,
        "reason": question.reject_reason,
        "merged_into": question.merged_into,
    }


class ModerationService:
    def __init__(
        self,
        db: Database,
        roles: RoleService,
        *,
        desk: QuestionDesk,
        clock: Callable[[], datetime] = utcnow,
        events: EventBus = NO_EVENTS,
    ) -> None:
        self._db = db
        self._roles = roles
        self._desk = desk
        self.clock = clock
        self.events = events  # the live pages hear of every change

    async def check(self, actor: int, question_id: int, revision: int, action: str) -> Card:
        """Before asking for a reason, a target or a reply: may `actor` still do `action`?"""
        await self._roles.authorize(actor, Capability.MODERATE, f"question.{action}")
        async with (
            audited(self._db, actor, f"question.{action}", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._load(db, question_id)
            self._expect(question, revision, action)
        return await self._desk.card(question_id)

    # -- acting ------------------------------------------------------------------------------
    @staticmethod
    async def _load(db: AsyncSession, question_id: int) -> Question:
        question = await q.get_question(db, question_id, lock=True)
        if question is None:
            raise Forged("question.not_found", number=question_id)
        return question

    @staticmethod
    def _expect(question: Question, revision: int, action: str) -> None:
        if question.revision != revision or question.status not in ALLOWED[action]:
            raise AlreadyHandled(question.id, question.status)

    async def _change(
        self, db: AsyncSession, question: Question, revision: int, **values: Any
    ) -> None:
        """Compare-and-set: only if nobody changed the question since `revision`."""
        result = await db.execute(
            update(Question)
            .where(Question.id == question.id, Question.revision == revision)
            .values(revision=revision + 1, updated_at=self.clock(), **values)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            await db.refresh(question)
            raise AlreadyHandled(question.id, question.status)
        await db.refresh(question)

    async def _notice(
        self, db: AsyncSession, question: Question, kind: str, **extra: Any
    ) -> list[Notice]:
        if question.user_id is None:
            return []
        user = await db.get(User, question.user_id)
        if user is None or not user.reachable:
            return []
        return [Notice(user.id, user.language, kind, question.id, **extra)]

    @emits(QUESTION, _refreshed)
    async def act(
        self, actor: int, question_id: int, revision: int, action: str, *, reason: str | None = None
    ) -> Outcome:
        """approve | reject (with a reason) | answered | on_screen."""
        if action not in ("approve", "reject", "answered", "on_screen"):
            raise DomainError("hint.stale_button")
        if action == "reject" and reason not in REASONS:
            raise DomainError("hint.stale_button")
        await self._roles.authorize(actor, Capability.MODERATE, f"question.{action}")
        now = self.clock()
        async with (
            audited(self._db, actor, f"question.{action}", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._load(db, question_id)
            self._expect(question, revision, action)
            before = _state(question)
            values: dict[str, Any] = {"decided_by": actor, "decided_at": now}
            kind: str | None = None
            if action == "approve":
                values.update(status="approved", approved_at=now)
                kind = "approved"
            elif action == "reject":
                values.update(status="rejected", reject_reason=reason)
                kind = "declined"
            elif action == "answered":
                values.update(status="answered")
                kind = "answered"
            else:
                values = {"shown_at": now}
            await self._change(db, question, revision, **values)
            queries.add_audit(
                db,
                actor_id=actor,
                action=f"question.{action}",
                target=f"question:{question_id}",
                before=before,
                after=_state(question),
            )
            notices = (
                await self._notice(db, question, kind, reason=reason, reply=question.reply)
                if kind
                else []
            )
            return Outcome(view(question), tuple(notices), (question.id,))

    @emits(QUESTION, _refreshed)
    async def reply(self, actor: int, question_id: int, revision: int, text: str) -> Outcome:
        """A written answer: the question is answered and the asker gets the text."""
        value = question_text.clean(text)
        if not value:
            raise DomainError("question.empty")
        if len(value) > REPLY_MAX:
            raise DomainError("moderation.reply_too_long", limit=REPLY_MAX)
        await self._roles.authorize(actor, Capability.MODERATE, "question.reply")
        async with (
            audited(self._db, actor, "question.reply", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._load(db, question_id)
            self._expect(question, revision, "reply")
            before = _state(question)
            await self._change(
                db,
                question,
                revision,
                status="answered",
                reply=value,
                decided_by=actor,
                decided_at=self.clock(),
            )
            after = {**_state(question), "reply": value}
            queries.add_audit(
                db,
                actor_id=actor,
                action="question.reply",
                target=f"question:{question_id}",
                before=before,
                after=after,
            )
            notices = await self._notice(db, question, "answered", reply=value)
            return Outcome(view(question), tuple(notices), (question.id,))

    @emits(QUESTION, _refreshed)
    async def merge(self, actor: int, question_id: int, revision: int, target_id: int) -> Outcome:
        """Merge a question into #target of the same session: its votes (and its asker's
        support) move to the target; both askers are told."""
        await self._roles.authorize(actor, Capability.MODERATE, "question.merge")
        async with (
            audited(self._db, actor, "question.merge", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            # Lock both rows in id order, so that two merges cannot deadlock.
            rows = {
                qid: await q.get_question(db, qid, lock=True)
                for qid in sorted({question_id, target_id})
            }
            question = rows[question_id]
            if question is None:
                raise Forged("question.not_found", number=question_id)
            self._expect(question, revision, "merge")
            if target_id == question_id:
                raise DomainError("question.merge_self")
            target = rows[target_id]
            if target is None:
                raise DomainError("question.merge_unknown", number=target_id)
            if target.session_id != question.session_id:
                raise Forged("question.other_session", number=target_id)
            if target.status not in ("pending", "approved", "answered"):
                raise DomainError("question.merge_closed", number=target_id)
            before = _state(question)
            target_before = _state(target)
            gained = await votes.move_votes(db, question, target)
            await self._change(
                db,
                question,
                revision,
                status="merged",
                merged_into=target_id,
                decided_by=actor,
                decided_at=self.clock(),
            )
            await db.refresh(target)
            queries.add_audit(
                db,
                actor_id=actor,
                action="question.merge",
                target=f"question:{question_id}",
                before={**before, "target": target_before},
                after={**_state(question), "target": _state(target), "moved": gained},
            )
            notices = [
                *await self._notice(db, question, "merged", other_id=target.id, text=target.text),
                *await self._notice(
                    db, target, "merged_in", other_id=question.id, votes=target.votes
                ),
            ]
            return Outcome(view(question), tuple(notices), (question.id, target.id))

    @emits(QUESTION, _muted)
    async def mute(self, actor: int, question_id: int) -> tuple[QuestionView, bool]:
        """No more questions from this question's asker in its session; (question, newly)."""
        await self._roles.authorize(actor, Capability.MODERATE, "question.mute")
        async with (
            audited(self._db, actor, "question.mute", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._load(db, question_id)
            if question.user_id is None:
                raise DomainError("moderation.mute_unknown")
            newly = await q.mute(db, question.session_id, question.user_id, actor)
            queries.add_audit(
                db,
                actor_id=actor,
                action="question.mute",
                target=f"user:{question.user_id}",
                before={"muted": not newly, "session": question.session_id},
                after={"muted": True, "session": question.session_id},
                detail=f"question:{question_id}",
            )
            return view(question), newly

    @emits(QUESTION, _pulled)
    async def next(self, actor: int) -> Outcome | None:
        """Pull the top approved question not yet on screen (votes, then age) onto it."""
        await self._roles.authorize(actor, Capability.MODERATE, "question.next")
        current = await open_sessions(self._db, self.clock())
        if not current:
            raise DomainError("question.no_session")
        async with self._db.transaction() as db:
            question = await q.top_unshown(db, current[0].id)
            if question is None:
                return None
            before = _state(question)
            await self._change(
                db, question, question.revision, shown_at=self.clock(), decided_by=actor
            )
            queries.add_audit(
                db,
                actor_id=actor,
                action="question.next",
                target=f"question:{question.id}",
                before=before,
                after={**_state(question), "on_screen": True},
            )
            return Outcome(view(question), (), (question.id,))
