"""What the question benchmark seeds and checks in the database (bench/ingest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select

from domain import question_text
from storage.database import Database
from storage.models import Question, QuestionVote
from storage.types import utcnow

QUESTIONS = 20  # approved questions the viewers upvote
TOPICS = (
    ("متى يبدأ تطبيق الخطة في المحافظات", "When does the plan start in the governorates"),
    ("كيف ستتحسن خدمات النقل العام", "How will public transport improve"),
    ("ما هي خطة دعم الباحثين عن عمل", "What is the plan for job seekers"),
    ("هل ستزيد المقاعد في الجامعات", "Will universities get more seats"),
)


@dataclass
class Checks:
    asks: int = 0  # /ask updates our bot confirmed
    questions: int = 0  # questions the viewers' messages created
    duplicates: int = 0  # Telegram messages with more than one question
    unconfirmed: int = 0  # asks whose confirmation did not name a question
    expected_votes: int = 0  # active upvotes expected from the presses
    vote_rows: int = 0  # active rows in question_votes
    wrong_votes: int = 0  # (viewer, question) pairs whose row differs from what they pressed
    counts_match: bool = False  # questions.votes == COUNT(active rows) for every question

    @property
    def ok(self) -> bool:
        return (
            self.questions == self.asks
            and not self.duplicates
            and not self.unconfirmed
            and self.vote_rows == self.expected_votes
            and not self.wrong_votes
            and self.counts_match
        )


async def approved_questions(url: str, session_id: int, askers: range) -> list[int]:
    """One approved question of the live session by each of `askers`; their ids."""
    now = utcnow()
    rows = []
    for i, user_id in enumerate(askers):
        ar, en = TOPICS[i % len(TOPICS)]
        text = f"{ar if i % 2 else en} ({i + 1})"
        rows.append(
            {
                "session_id": session_id,
                "user_id": user_id,
                "chat_id": user_id,
                "message_id": 1,
                "text": text,
                "normalized": question_text.normalize(text),
                "language": question_text.language_of(text),
                "status": "approved",
                "votes": 0,
                "revision": 1,
                "created_at": now,
                "updated_at": now,
                "approved_at": now,
            }
        )
    db = Database(url)
    try:
        async with db.transaction() as session:
            result = await session.execute(insert(Question).returning(Question.id), rows)
            return sorted(result.scalars())
    finally:
        await db.dispose()


async def read_checks(url: str, viewers: set[int], active: set[tuple[int, int]]) -> Checks:
    """The questions the viewers created and the upvotes, against what they did (`active`:
    the (viewer, question) upvotes their presses should have left)."""
    is_active = QuestionVote.active.is_(True)
    db = Database(url)
    try:
        async with db.transaction() as session:
            messages = select(Question.chat_id, Question.message_id)
            asked = (await session.execute(messages.where(Question.user_id.in_(viewers)))).all()
            votes = select(QuestionVote.user_id, QuestionVote.question_id).where(is_active)
            rows = (await session.execute(votes)).tuples().all()
            per_question = (
                select(QuestionVote.question_id, func.count())
                .where(is_active)
                .group_by(QuestionVote.question_id)
            )
            counted = dict((await session.execute(per_question)).tuples().all())
            totals = select(Question.id, Question.votes)
            stored = dict((await session.execute(totals)).tuples().all())
    finally:
        await db.dispose()
    pairs = {(int(u), int(q)) for u, q in rows if u is not None}
    return Checks(
        questions=len(asked),
        duplicates=len(asked) - len(set(asked)),
        expected_votes=len(active),
        vote_rows=len(rows),
        wrong_votes=len(pairs ^ active),
        counts_match=all(stored[q] == counted.get(q, 0) for q in stored),
    )
