"""Polls during a session: prepare, launch through the outbox, vote, close, results."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import validation
from domain.batching import GroupCommit
from domain.errors import DomainError, NotFound
from domain.events import NO_EVENTS, POLL, Event, EventBus, emits
from domain.roles import Capability, RoleService
from domain.terms import top_terms
from storage import outbox, queries
from storage import polls as q
from storage import sessions as session_queries
from storage.database import Database
from storage.models import Poll, PollOption, PollVote
from storage.types import utcnow

KINDS = ("single", "multiple", "rating", "text")
QUESTION_MAX, OPTION_MAX, ANSWER_MAX = 300, 100, 500
RATINGS = range(1, 6)
COMMENT = 0  # the position of a text answer or a survey comment


@dataclass(frozen=True)
class OptionView:
    position: int
    text_ar: str | None
    text_en: str | None

    def text(self, language: str) -> str:
        own = self.text_ar if language == "ar" else self.text_en
        return own or self.text_ar or self.text_en or str(self.position)


@dataclass(frozen=True)
class PollView:
    id: int
    session_id: int
    kind: str
    question_ar: str | None
    question_en: str | None
    max_choices: int | None
    status: str
    is_survey: bool
    options: tuple[OptionView, ...]
    closes_at: datetime | None
    card_chat_id: int | None
    card_message_id: int | None

    def question(self, language: str) -> str:
        own = self.question_ar if language == "ar" else self.question_en
        return own or self.question_ar or self.question_en or ""


@dataclass(frozen=True)
class Results:
    poll: PollView
    counts: tuple[int, ...]  # per option, in the order of `poll.options`
    voters: int
    answers: int  # text answers or survey comments
    average: float | None  # rating polls
    terms: tuple[tuple[str, int], ...]

    def percent(self, index: int) -> int:
        total = sum(self.counts)
        return round(100 * self.counts[index] / total) if total else 0


@dataclass(frozen=True)
class Tap:
    """A viewer's press on a ballot, waiting for its batch (PollService.vote)."""

    voter_id: int
    poll_id: int
    position: int
    via: str


@dataclass(frozen=True)
class Vote:
    poll: PollView
    choices: tuple[int, ...]
    language: str | None = None  # the voter's, when they started the bot


def _view(poll: Poll, options: Sequence[PollOption]) -> PollView:
    return PollView(
        poll.id, poll.session_id, poll.kind, poll.question_ar, poll.question_en,
        poll.max_choices, poll.status, poll.is_survey,
        tuple(OptionView(o.position, o.text_ar, o.text_en) for o in options),
        poll.closes_at, poll.card_chat_id, poll.card_message_id,
    )  # fmt: skip


# The poll a use case changed, from what it returned (for the live pages).
def _answered(view: PollView) -> list[tuple[int, int | None]]:
    return [(view.id, view.session_id)]


def _launched(result: tuple[PollView, int]) -> list[tuple[int, int | None]]:
    return _answered(result[0])


def _closed(result: tuple[PollView, bool]) -> list[tuple[int, int | None]]:
    return _answered(result[0]) if result[1] else []


def _voted(vote: Vote) -> list[tuple[int, int | None]]:
    return _answered(vote.poll)


def _native(poll_id: int | None) -> list[tuple[int, int | None]]:
    return [] if poll_id is None else [(poll_id, None)]


def _text(value: str | None, limit: int, key: str) -> str | None:
    text = " ".join(validation.clean_text(value or "").split())
    if len(text) > limit:
        raise DomainError(key, limit=limit)
    return text or None


class PollService:
    def __init__(
        self, db: Database, roles: RoleService, *, channel: bool = False,
        clock: Callable[[], datetime] = utcnow,
        events: EventBus = NO_EVENTS,
    ) -> None:  # fmt: skip
        self._db = db
        self._roles = roles
        self._channel = channel
        self.clock = clock
        self.events = events  # the live pages hear of launches, votes, closes
        self._votes = GroupCommit(self._write_votes, "poll-votes")

    async def _load(self, db: AsyncSession, poll_id: int, lock: bool = False) -> Poll:
        poll = await q.get_poll(db, poll_id, for_update=lock)
        if poll is None:
            raise NotFound("poll.not_found", poll_id=str(poll_id))
        return poll

    async def _render(self, db: AsyncSession, poll: Poll) -> PollView:
        return _view(poll, await q.options(db, poll.id))

    async def create(
        self,
        actor: int | None,
        session_id: int,
        kind: str,
        question_ar: str | None,
        question_en: str | None,
        options: Sequence[tuple[str | None, str | None]] = (),
        *,
        max_choices: int | None = None,
        is_survey: bool = False,
    ) -> PollView:
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "poll.create")
        if kind not in KINDS:
            raise DomainError("poll.bad_kind")
        ar = _text(question_ar, QUESTION_MAX, "poll.question_too_long")
        en = _text(question_en, QUESTION_MAX, "poll.question_too_long")
        if not (ar or en):
            raise DomainError("poll.question_empty")
        choices = [
            (
                _text(a, OPTION_MAX, "poll.option_too_long"),
                _text(e, OPTION_MAX, "poll.option_too_long"),
            )
            for a, e in options
        ]
        choices = [(a, e) for a, e in choices if a or e]
        if kind in ("single", "multiple"):
            if not 2 <= len(choices) <= 12:
                raise DomainError("poll.option_count", low=2, high=12)
            rows = [(i, a, e) for i, (a, e) in enumerate(choices)]
            if kind == "multiple":
                max_choices = max_choices or len(choices)
                if not 1 <= max_choices <= len(choices):
                    raise DomainError("poll.bad_max", high=len(choices))
        elif kind == "rating":
            rows = [(r, "★" * r, "★" * r) for r in RATINGS]
        else:
            rows = []
        async with self._db.transaction() as db:
            session = await session_queries.get_session(db, session_id)
            if session is None:
                raise NotFound("session.not_found", session_id=str(session_id))
            if session.status == "ended" and not is_survey:
                raise DomainError("session.already_ended")
            poll = Poll(
                session_id=session_id, kind=kind, question_ar=ar, question_en=en,
                max_choices=max_choices if kind == "multiple" else None, is_survey=is_survey,
                created_by=actor, status="draft",
            )  # fmt: skip
            db.add(poll)
            await db.flush()
            for position, text_ar, text_en in rows:
                db.add(
                    PollOption(poll_id=poll.id, position=position, text_ar=text_ar, text_en=text_en)
                )
            queries.add_audit(db, actor_id=actor, action="poll.create", target=f"poll:{poll.id}")
            await db.flush()
            return await self._render(db, poll)

    @emits(POLL, _launched)
    async def launch(
        self, actor: int | None, poll_id: int, *, close_after: timedelta | None = None,
        card_chat_id: int | None = None,
    ) -> tuple[PollView, int]:  # fmt: skip
        """Open the poll and queue it to the session's audience; returns (poll, recipients)."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "poll.launch")
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id, lock=True)
            if poll.status != "draft":
                raise DomainError(f"poll.already_{poll.status}")
            session = await session_queries.get_session(db, poll.session_id)
            assert session is not None  # foreign key
            if session.status != "live" and not poll.is_survey:
                raise DomainError("poll.session_not_live")
            now = self.clock()
            poll.status, poll.opened_at = "open", now
            poll.closes_at = now + close_after if close_after else None
            poll.card_chat_id = card_chat_id
            broadcast = await outbox.create_broadcast(
                db, kind="poll", session_id=poll.session_id, created_by=actor, now=now,
                poll_id=poll.id, to_channel=self._channel and not poll.is_survey,
            )  # fmt: skip
            queries.add_audit(
                db, actor_id=actor, action="poll.launch", target=f"poll:{poll_id}",
                before={"status": "draft"}, after={"status": "open", "recipients": broadcast.total},
            )  # fmt: skip
            return await self._render(db, poll), broadcast.total

    async def survey(self, actor: int | None, session_id: int) -> tuple[PollView, int]:
        """The satisfaction survey (rating 1–5 and an optional comment), sent at the end."""
        view = await self.create(
            None, session_id, "rating", "ما مدى رضاك عن هذه الجلسة؟",
            "How satisfied are you with this session?", is_survey=True,
        )  # fmt: skip
        return await self.launch(actor, view.id)

    @emits(POLL, _closed)
    async def close(self, actor: int | None, poll_id: int) -> tuple[PollView, bool]:
        """Close the poll; closing twice is harmless (returns changed=False)."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "poll.close")
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id, lock=True)
            if poll.status == "closed":
                return await self._render(db, poll), False
            if poll.status == "draft":
                raise DomainError("poll.not_open")
            poll.status, poll.closed_at = "closed", self.clock()
            queries.add_audit(
                db, actor_id=actor, action="poll.close", target=f"poll:{poll_id}",
                before={"status": "open"}, after={"status": "closed"},
            )  # fmt: skip
            return await self._render(db, poll), True

    async def close_due(self) -> list[PollView]:
        async with self._db.transaction() as db:
            due = await q.due_to_close(db, self.clock())
        closed = []
        for poll_id in due:
            view, changed = await self.close(None, poll_id)
            if changed:
                closed.append(view)
        return closed

    @emits(POLL, _voted)
    async def vote(self, voter_id: int, poll_id: int, position: int, *, via: str = "bot") -> Vote:
        """A tap on an option: single and rating replace, multiple toggles (up to the max).

        The hot path of a live poll: the votes in flight together are written in one
        transaction (a group commit, `_write_votes`); each caller gets its own outcome. It
        also returns the voter's language, so the answer needs no other query."""
        return await self._votes(Tap(voter_id, poll_id, position, via))

    async def _write_votes(self, taps: list[Tap]) -> list[Vote | Exception]:
        """One transaction for the batch: each poll and its options read once, the voters'
        languages and current choices in one query each, the changes in two statements.
        Taps are applied in order, so a voter's second tap in a batch sees their first.
        A refusal is that tap's own outcome and writes nothing (a forgery: its audit)."""
        async with self._db.transaction() as db:
            polls = {p: await q.poll_with_options(db, p) for p in sorted({t.poll_id for t in taps})}
            languages = await queries.languages_of(db, {t.voter_id for t in taps})
            current: dict[int, dict[int, list[int]]] = {}
            for poll_id, found in polls.items():
                if found is not None:
                    voters = {t.voter_id for t in taps if t.poll_id == poll_id}
                    await q.lock_voters(db, poll_id, voters)
                    current[poll_id] = await q.choices_of_many(db, poll_id, voters)
            before = {p: {v: list(c) for v, c in cs.items()} for p, cs in current.items()}
            last_via: dict[tuple[int, int], str] = {}
            outcomes: list[Vote | Exception] = []
            for tap in taps:
                try:
                    vote = self._apply(db, tap, polls[tap.poll_id], languages, current)
                except DomainError as refusal:
                    outcomes.append(refusal)
                else:
                    outcomes.append(vote)
                    last_via[tap.poll_id, tap.voter_id] = tap.via
            await q.replace_choices(
                db,
                (
                    (poll_id, voter_id, before[poll_id][voter_id], current[poll_id][voter_id], via)
                    for (poll_id, voter_id), via in last_via.items()
                ),
            )
        return outcomes

    def _apply(
        self,
        db: AsyncSession,
        tap: Tap,
        found: tuple[Poll, list[PollOption]] | None,
        languages: dict[int, str],
        current: dict[int, dict[int, list[int]]],
    ) -> Vote:
        """One tap against the batch's state in memory (`current` is updated in place)."""
        if found is None or not any(o.position == tap.position for o in found[1]):
            queries.add_audit(
                db, actor_id=tap.voter_id, action="poll.vote", outcome="forged",
                target=f"poll:{tap.poll_id}", detail=f"option {tap.position}",
            )  # fmt: skip
            raise DomainError("poll.invalid")  # its audit is committed with the batch
        poll, options = found
        self._check_open(poll)
        language = languages.get(tap.voter_id)
        if tap.via == "bot" and language is None:
            raise DomainError("session.start_first")
        had = current[poll.id][tap.voter_id]
        chosen = [p for p in had if p != COMMENT or poll.kind != "rating"]
        if poll.kind == "multiple":
            if tap.position in chosen:
                chosen.remove(tap.position)
            elif len(chosen) >= (poll.max_choices or 12):
                raise DomainError("poll.too_many", limit=poll.max_choices or 12)
            else:
                chosen.append(tap.position)
        else:
            chosen = [tap.position]
        keep = [COMMENT] if COMMENT in had and poll.kind == "rating" else []
        current[poll.id][tap.voter_id] = sorted(chosen) + keep
        return Vote(_view(poll, options), tuple(sorted(chosen)), language)

    def _check_open(self, poll: Poll) -> None:
        if poll.status == "closed":
            raise DomainError("poll.closed")
        if poll.status != "open":
            raise DomainError("poll.not_open")

    @emits(POLL, _answered)
    async def answer_text(self, voter_id: int, poll_id: int, text: str) -> PollView:
        """An open answer (text poll) or a survey comment: one per viewer, replaceable."""
        value = _text(text, ANSWER_MAX, "poll.answer_too_long")
        if not value:
            raise DomainError("poll.answer_empty")
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id)
            self._check_open(poll)
            if poll.kind != "text" and not poll.is_survey:
                raise DomainError("poll.invalid")
            await q.lock_voter(db, poll_id, voter_id)
            existing = [v for v in await q.votes_of(db, poll_id, voter_id) if v.position == COMMENT]
            if existing:
                existing[0].text = value
            else:
                db.add(PollVote(poll_id=poll_id, voter_id=voter_id, position=COMMENT, text=value))
            return await self._render(db, poll)

    @emits(POLL, _native)
    async def native_answer(
        self, telegram_poll_id: str, voter_id: int, option_ids: Sequence[int]
    ) -> int | None:
        """A `poll_answer` of the channel's native poll: the same votes table, once per
        person; an empty list retracts. Returns the poll id, or None for an unknown poll."""
        async with self._db.transaction() as db:
            poll = await q.by_channel_poll(db, telegram_poll_id)
            if poll is None or poll.status != "open":
                return None
            offset = 1 if poll.kind == "rating" else 0
            positions = [i + offset for i in option_ids]
            valid = {o.position for o in await q.options(db, poll.id)}
            if any(p not in valid for p in positions):
                return None
            await q.lock_voter(db, poll.id, voter_id)
            await q.set_choices(db, poll.id, voter_id, positions, "channel")
            return poll.id

    async def results(self, poll_id: int) -> Results:
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id)
            view = await self._render(db, poll)
            counts = await q.counts(db, poll_id)
            texts = await q.texts(db, poll_id)
            voters = await q.voter_count(db, poll_id)
        per_option = tuple(counts.get(o.position, 0) for o in view.options)
        average = None
        total = sum(per_option)
        if view.kind == "rating" and total:
            weighted = sum(o.position * n for o, n in zip(view.options, per_option, strict=True))
            average = weighted / total
        return Results(view, per_option, voters, len(texts), average, tuple(top_terms(texts)))

    async def get(self, poll_id: int) -> PollView:
        async with self._db.transaction() as db:
            return await self._render(db, await self._load(db, poll_id))

    async def for_session(self, session_id: int) -> list[PollView]:
        async with self._db.transaction() as db:
            return [await self._render(db, p) for p in await q.session_polls(db, session_id)]

    async def choices(self, poll_id: int, voter_id: int) -> tuple[int, ...]:
        async with self._db.transaction() as db:
            return tuple(await q.choices_of(db, poll_id, voter_id))

    async def publish(self, actor: int | None, poll_id: int) -> int:
        """Send the results (chart and summary) to the poll's audience; returns recipients."""
        if actor is not None:
            await self._roles.authorize(actor, Capability.MODERATE, "poll.publish")
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id, lock=True)
            if poll.status != "closed":
                raise DomainError("poll.close_first")
            if poll.published_at is not None:
                raise DomainError("poll.already_published")
            now = self.clock()
            poll.published_at = now
            broadcast = await outbox.create_broadcast(
                db, kind="poll_results", session_id=poll.session_id, created_by=actor, now=now,
                poll_id=poll.id,
            )  # fmt: skip
            queries.add_audit(db, actor_id=actor, action="poll.publish", target=f"poll:{poll_id}")
            session_id = poll.session_id
        await self.events.publish([Event(POLL, poll_id, session_id, "publish")])
        return broadcast.total

    async def set_card(self, poll_id: int, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id, lock=True)
            poll.card_chat_id, poll.card_message_id = chat_id, message_id

    async def set_channel_poll(self, poll_id: int, telegram_poll_id: str, message_id: int) -> None:
        async with self._db.transaction() as db:
            poll = await self._load(db, poll_id, lock=True)
            poll.channel_poll_id, poll.channel_message_id = telegram_poll_id, message_id

    async def remember_message(self, poll_id: int, user_id: int, message_id: int) -> None:
        async with self._db.transaction() as db:
            await q.remember_message(db, poll_id, user_id, message_id)

    async def message_of(self, poll_id: int, user_id: int) -> int | None:
        async with self._db.transaction() as db:
            return await q.message_of(db, poll_id, user_id)


def anonymous_voter() -> int:
    """A negative id that is no Telegram user's: what `/forget` leaves on a viewer's votes."""
    return -(secrets.randbelow(2**62) + 1)
