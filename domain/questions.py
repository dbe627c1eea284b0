"""Questions, the viewer's side: ask (idempotent per Telegram message), edit, withdraw,
upvote (idempotent per callback query), the approved list and "my questions".

A refusal that can only come from a crafted button (a question that does not exist, that
belongs to another session or to someone else) is a `Forged` error: written to the audit
log in a transaction of its own, then raised like any DomainError.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import question_text
from domain.abuse import STARTER, AbuseFilter
from domain.batching import GroupCommit
from domain.errors import DomainError, NotFound
from domain.events import NO_EVENTS, QUESTION, Event, EventBus, emits
from domain.question_views import (
    Forged,
    IntakeSession,
    NotOpenYet,
    QuestionView,
    RateLimited,
    audit_forgery,
    audited,
    intake,
    intake_state,
    open_sessions,
    sessions_taking,
    view,
)
from domain.users import Profile
from locales import pick_language
from storage import question_votes as votes
from storage import questions as q
from storage.database import Database
from storage.models import PendingStep, Question, Session
from storage.types import utcnow

PAGE_SIZE = 5
MINE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Submitted:
    question: QuestionView
    created: bool
    language: str | None = None  # the asker's, read by the same transaction


@dataclass(frozen=True)
class Vote:
    active: bool | None  # None: this press was already counted (a redelivered update)
    votes: int
    language: str | None = None  # the voter's, read by the same transaction


@dataclass(frozen=True)
class Ask:
    """A question sent (its text already validated)."""

    asker: Profile
    session_id: int | None
    text: str
    chat_id: int
    message_id: int
    anonymous: bool
    consume_step: bool


@dataclass(frozen=True)
class Press:
    """A tap on a question's vote button."""

    voter: Profile
    session_id: int
    question_id: int
    query_id: str


@dataclass(frozen=True)
class BoardRequest:
    user_id: int
    session_id: int
    page: int


@dataclass(frozen=True)
class Board:
    """One page of a session's approved questions, as one viewer sees it."""

    session: IntakeSession
    questions: tuple[QuestionView, ...]
    voted: frozenset[int]
    page: int
    pages: int
    total: int


def _asked(submitted: Submitted) -> list[tuple[int, int | None]]:
    question = submitted.question
    return [(question.id, question.session_id)] if submitted.created else []


def _changed(question: QuestionView) -> list[tuple[int, int | None]]:
    return [(question.id, question.session_id)]


def _names(profile: Profile) -> dict[str, str | None]:
    return {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "username": profile.username,
        "telegram_language_code": profile.language_code,
    }


class QuestionService:
    def __init__(
        self,
        db: Database,
        *,
        default_language: str,
        rate_per_minute: int = 3,
        abuse: AbuseFilter = STARTER,
        clock: Callable[[], datetime] = utcnow,
        events: EventBus = NO_EVENTS,
    ) -> None:
        self._db = db
        self._default_language = default_language
        self.rate_per_minute = rate_per_minute
        self.abuse = abuse
        self.clock = clock
        self.events = events  # the live pages hear of new and changed questions
        self._asks = GroupCommit(self._write_questions, "questions")
        self._votes = GroupCommit(self._write_votes, "question-votes")
        self._boards = GroupCommit(self._read_boards, "question-boards")

    async def open_sessions(self) -> list[IntakeSession]:
        return await open_sessions(self._db, self.clock())

    async def check_open(self, session_id: int) -> IntakeSession:
        """The session if it takes questions now, else why not."""
        async with self._db.transaction() as db:
            session = await db.get(Session, session_id)
            if session is None or session.status == "draft":
                raise NotFound("session.not_found", session_id=str(session_id))
            state, opens = intake_state(session, self.clock())
            return self._taking(session, state, opens)

    @staticmethod
    def _taking(session: Session, state: str, opens: datetime | None) -> IntakeSession:
        if state == "not_yet":
            assert opens is not None
            raise NotOpenYet(opens)
        if state == "closed":
            raise DomainError("question.closed")
        return intake(session)

    @emits(QUESTION, _asked)
    async def submit(
        self,
        asker: Profile,
        session_id: int | None,
        text: str,
        *,
        chat_id: int,
        message_id: int,
        anonymous: bool = False,
        consume_step: bool = False,
    ) -> Submitted:
        """One question per Telegram message: a redelivered message returns the first.

        Without a session id it goes to the session taking questions now (live first). The
        questions in flight together are written in one transaction (a group commit,
        `_write_questions`); each caller gets its own outcome."""
        value = question_text.validate(text)
        ask = Ask(asker, session_id, value, chat_id, message_id, anonymous, consume_step)
        return await self._asks(ask)

    async def _write_questions(self, asks: list[Ask]) -> list[Submitted | Exception]:
        """The askers (locked, so one viewer's questions take turns across processes) with
        their recent questions' count, their earlier questions and mutes read in one query
        each, the new questions inserted together. Asks are taken in order: a viewer's
        second question in the batch counts against their rate. A refusal is that ask's own
        outcome."""
        now = self.clock()
        made: list[tuple[Question, bool] | Exception] = []
        async with self._db.transaction() as db:
            rows = {a.asker.user_id: self._user_row(a.asker) for a in asks}
            askers = await q.askers(db, list(rows.values()), now - RATE_WINDOW)
            known = await q.by_messages(db, {(a.chat_id, a.message_id) for a in asks})
            current: list[Session] = []
            if any(a.session_id is None for a in asks):
                current = await sessions_taking(db, now)
            now_taking = current[0].id if current else None
            targets = [now_taking if a.session_id is None else a.session_id for a in asks]
            muted = await q.muted_among(
                db,
                {(t, a.asker.user_id) for a, t in zip(asks, targets, strict=True) if t is not None},
            )
            recent = Counter({user_id: n for user_id, (_, n) in askers.items()})
            sessions: dict[int, Session | None] = {s.id: s for s in current}  # read above
            for named in sorted({t for t in targets if t is not None} - set(sessions)):
                sessions[named] = await db.get(Session, named)
            answered: set[int] = set()  # askers whose pending step their question consumed
            for ask, target in zip(asks, targets, strict=True):
                found = known.get((ask.chat_id, ask.message_id))
                if found is not None:
                    made.append((found, False))
                    continue
                try:
                    question = self._question(ask, target, sessions, muted, recent, now)
                except DomainError as refusal:
                    made.append(refusal)
                    continue
                db.add(question)
                known[ask.chat_id, ask.message_id] = question
                recent[ask.asker.user_id] += 1
                if ask.consume_step:
                    answered.add(ask.asker.user_id)
                made.append((question, True))
            await q.drop_steps(db, answered)
            await db.flush()
            return [
                outcome
                if isinstance(outcome, Exception)
                else Submitted(view(outcome[0]), outcome[1], askers[ask.asker.user_id][0])
                for ask, outcome in zip(asks, made, strict=True)
            ]

    def _question(
        self,
        ask: Ask,
        session_id: int | None,
        sessions: dict[int, Session | None],
        muted: set[tuple[int, int]],
        recent: Counter[int],
        now: datetime,
    ) -> Question:
        """The new question, if its session takes it from this viewer now."""
        if session_id is None:
            raise DomainError("question.no_session")
        session = sessions[session_id]  # read once for the batch
        if session is None or session.status == "draft":
            raise NotFound("session.not_found", session_id=str(session_id))
        self._taking(session, *intake_state(session, now))
        user_id = ask.asker.user_id
        if (session_id, user_id) in muted:
            raise DomainError("question.muted")
        if recent[user_id] >= self.rate_per_minute:
            raise RateLimited(self.rate_per_minute)
        normalized = question_text.normalize(ask.text)
        return Question(
            session_id=session_id,
            user_id=user_id,
            chat_id=ask.chat_id,
            message_id=ask.message_id,
            text=ask.text,
            normalized=normalized,
            language=question_text.language_of(ask.text),
            anonymous=ask.anonymous,
            held=bool(self.abuse.matches(normalized)),
            status="pending",
            votes=0,
            revision=0,
            created_at=now,
            updated_at=now,
        )

    @staticmethod
    async def _own_pending(db: AsyncSession, user_id: int, question_id: int) -> Question:
        question = await q.get_question(db, question_id, lock=True)
        if question is None:
            raise Forged("question.not_found", number=question_id)
        if question.user_id != user_id:
            raise Forged("error.not_allowed")
        if question.status != "pending":
            raise DomainError("question.not_pending", number=question_id)
        return question

    @emits(QUESTION, _changed)
    async def edit(self, user_id: int, question_id: int, text: str) -> QuestionView:
        """The asker rewrites a pending question (clears their pending step too)."""
        value = question_text.validate(text)
        async with (
            audited(self._db, user_id, "question.edit", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._own_pending(db, user_id, question_id)
            question.text = value
            question.normalized = question_text.normalize(value)
            question.language = question_text.language_of(value)
            question.held = bool(self.abuse.matches(question.normalized))
            question.revision += 1
            step = await db.get(PendingStep, user_id)
            if step is not None:
                await db.delete(step)
            await db.flush()
            return view(question)

    async def check_own(self, user_id: int, question_id: int) -> QuestionView:
        """A pending question of this viewer (before asking them for the new text)."""
        async with (
            audited(self._db, user_id, "question.edit", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            return view(await self._own_pending(db, user_id, question_id))

    @emits(QUESTION, _changed)
    async def withdraw(self, user_id: int, question_id: int) -> QuestionView:
        async with (
            audited(self._db, user_id, "question.withdraw", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._own_pending(db, user_id, question_id)
            question.status = "withdrawn"
            question.decided_at = self.clock()
            question.revision += 1
            await db.flush()
            return view(question)

    @emits(QUESTION, _changed)
    async def set_anonymous(self, user_id: int, question_id: int, on: bool) -> QuestionView:
        async with (
            audited(self._db, user_id, "question.anonymous", f"question:{question_id}"),
            self._db.transaction() as db,
        ):
            question = await self._own_pending(db, user_id, question_id)
            if question.anonymous != on:
                question.anonymous = on
                question.revision += 1
            await db.flush()
            return view(question)

    async def vote(self, voter: Profile, session_id: int, question_id: int, query_id: str) -> Vote:
        """Upvote, or take the upvote back; the same callback query twice counts once.

        The hot path of a busy session: the presses in flight together are written in one
        transaction (a group commit, `_write_votes`); each caller gets its own outcome."""
        vote = await self._votes(Press(voter, session_id, question_id, query_id))
        if vote.active is not None:
            await self.events.publish([Event(QUESTION, question_id, session_id, "vote")])
        return vote

    async def _write_votes(self, presses: list[Press]) -> list[Vote | Exception]:
        """The questions (locked: their counters cannot move under the batch) and their
        sessions read in one query, the voters in one, the votes toggled in one
        (`toggle_votes`), the counters moved in one; the new counts are those read plus the
        moves. A refusal is that press's own outcome and writes nothing (a forgery: its
        audit)."""
        now = self.clock()
        outcomes: list[bool | Exception | None] = [None] * len(presses)
        async with self._db.transaction() as db:
            questions, sessions = await q.questions_and_sessions(
                db, {p.question_id for p in presses}
            )
            accepted: list[int] = []
            for i, press in enumerate(presses):
                try:
                    self._votable(press, questions.get(press.question_id), sessions, now)
                except Forged as forgery:
                    target = f"question:{press.question_id}"
                    audit_forgery(db, press.voter.user_id, "question.vote", target, forgery)
                    outcomes[i] = forgery
                except DomainError as refusal:
                    outcomes[i] = refusal
                else:
                    accepted.append(i)
            voters = {presses[i].voter.user_id: self._user_row(presses[i].voter) for i in accepted}
            languages = await q.ensure_users(db, list(voters.values()))
            chosen = [presses[i] for i in accepted]
            toggled = await votes.toggle_votes(
                db, [(p.question_id, p.voter.user_id, p.query_id) for p in chosen]
            )
            moved: Counter[int] = Counter()
            for i, active in zip(accepted, toggled, strict=True):
                if active is not None:
                    moved[presses[i].question_id] += 1 if active else -1
                outcomes[i] = active
            await votes.bump_many(db, moved)
            counts = {q_id: questions[q_id].votes + moved[q_id] for q_id in questions}
        return [
            outcome
            if isinstance(outcome, Exception)
            else Vote(outcome, counts[press.question_id], languages.get(press.voter.user_id))
            for press, outcome in zip(presses, outcomes, strict=True)
        ]

    def _votable(
        self,
        press: Press,
        question: Question | None,
        sessions: dict[int, Session],
        now: datetime,
    ) -> None:
        if question is None:
            raise Forged("question.not_found", number=press.question_id)
        if question.session_id != press.session_id:
            raise Forged("question.other_session", number=press.question_id)
        if question.user_id == press.voter.user_id:
            raise DomainError("question.own_vote")
        if question.status != "approved":
            raise DomainError("question.not_votable", number=press.question_id)
        session = sessions[question.session_id]  # read with the question (an inner join)
        self._taking(session, *intake_state(session, now))

    def _user_row(self, person: Profile) -> dict[str, object]:
        """The users row of someone who has not started the bot yet."""
        language = pick_language(person.language_code, self._default_language)
        return {"id": person.user_id, "language": language, **_names(person)}

    async def board(self, user_id: int, session_id: int | None, page: int = 0) -> Board:
        """Approved questions of the session (default: the current one), most voted first.

        After a burst of upvotes many viewers' boards are redrawn at once: the boards asked
        for together are read together (`_read_boards`)."""
        if session_id is None:
            current = await self.open_sessions()
            if not current:
                raise DomainError("question.no_session")
            session_id = current[0].id
        return await self._boards(BoardRequest(user_id, session_id, page))

    async def _read_boards(self, requests: list[BoardRequest]) -> list[Board | Exception]:
        """One read-only snapshot: each session and each page of it read once, whose upvotes
        are whose in one query (it blocks no writer, on SQLite either)."""
        async with self._db.snapshot() as db:
            sessions = {
                session_id: await db.get(Session, session_id)
                for session_id in sorted({r.session_id for r in requests})
            }
            pages: dict[tuple[int, int], tuple[int, Sequence[Question], int]] = {}
            for request in requests:
                key = (request.session_id, request.page)
                session = sessions[request.session_id]
                if key in pages or session is None or session.status == "draft":
                    continue
                page = request.page
                rows, total = await q.approved_page(db, key[0], page * PAGE_SIZE, PAGE_SIZE)
                if not rows and page > 0:  # fewer pages than when the button was drawn
                    page = max(0, (total - 1) // PAGE_SIZE)
                    rows, total = await q.approved_page(db, key[0], page * PAGE_SIZE, PAGE_SIZE)
                pages[key] = (page, rows, total)
            shown = {row.id for _, rows, _ in pages.values() for row in rows}
            upvotes = await votes.voted_by(db, {r.user_id for r in requests}, shown)
            voted: dict[int, set[int]] = {}
            for user_id, question_id in upvotes:
                voted.setdefault(user_id, set()).add(question_id)
            boards: list[Board | Exception] = []
            for request in requests:
                session = sessions[request.session_id]
                if session is None or session.status == "draft":
                    boards.append(NotFound("session.not_found", session_id=str(request.session_id)))
                    continue
                page, rows, total = pages[request.session_id, request.page]
                boards.append(
                    Board(
                        session=intake(session),
                        questions=tuple(view(r) for r in rows),
                        voted=frozenset(voted.get(request.user_id, set()) & {r.id for r in rows}),
                        page=page,
                        pages=max(1, -(-total // PAGE_SIZE)),
                        total=total,
                    )
                )
            return boards  # inside: the snapshot's objects expire when it ends

    async def mine(self, user_id: int) -> list[QuestionView]:
        async with self._db.transaction() as db:
            return [view(row) for row in await q.of_user(db, user_id, MINE_LIMIT)]
