"""The export benchmark's session: N poll answers and N/10 questions (with a moderation entry
each), bulk-inserted: executemany on SQLite, COPY on PostgreSQL.

Viewers answer four polls each (one choice, several choices, an open answer, the survey
with a comment from one in ten), so N answers come from about N/4 viewers.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from storage.database import Database
from storage.models import Poll, PollOption, Session

MODERATOR = 777
FIRST_VIEWER = 10_000_001
START = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
QUESTIONS_AR = [
    "ما الجدول الزمني لربط الخدمات الحكومية بالهوية الرقمية؟",
    "كيف ستحمي الخطة البيانات الشخصية للمواطنين؟",
    "هل ستصل الخدمات الإلكترونية إلى المحافظات البعيدة؟",
    "ما خطة تدريب الموظفين على الأنظمة الجديدة؟",
]
QUESTIONS_EN = ["Will the portal support English?", "What is the cybersecurity budget?"]
ANSWERS = ["تطوير الخدمات الصحية الرقمية", "ربط المدارس بالخدمات", "Digital health services"]
STATUSES = ["approved", "answered", "rejected", "merged", "pending", "approved", "answered"]


def _stamp(moment: datetime, sqlite: bool) -> Any:
    return moment.replace(tzinfo=None).isoformat(" ") if sqlite else moment


def _questions(count: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(1)
    for index in range(count):
        text = (QUESTIONS_AR[index % 4] if index % 3 else QUESTIONS_EN[index % 2]) + f" ({index})"
        status = STATUSES[index % len(STATUSES)]
        at = START + timedelta(seconds=index % 7200)
        decided = _stamp(at + timedelta(minutes=3), sqlite) if status != "pending" else None
        yield (
            1, FIRST_VIEWER + index, FIRST_VIEWER + index, 1,
            text, text, "ar" if index % 3 else "en", index % 11 == 0, False, status,
            "off_topic" if status == "rejected" else None, None,
            "ستصدر اللائحة قريبًا" if status == "answered" and index % 2 else None,
            rng.randrange(40), 1, _stamp(at, sqlite), _stamp(at, sqlite), decided, decided,
            MODERATOR if decided else None,
        )  # fmt: skip


QUESTION_COLUMNS = (
    "session_id", "user_id", "chat_id", "message_id", "text", "normalized", "language",
    "anonymous", "held", "status", "reject_reason", "merged_into", "reply", "votes",
    "revision", "created_at", "updated_at", "approved_at", "decided_at", "decided_by",
)  # fmt: skip
VOTE_COLUMNS = ("poll_id", "voter_id", "position", "text", "via", "created_at")
AUDIT_COLUMNS = ("at", "actor_id", "action", "outcome", "target", "before", "after")
USER_COLUMNS = (
    "id", "first_name", "last_name", "username", "language", "subscribed", "reachable",
    "created_at", "updated_at",
)  # fmt: skip


def _votes(answers: int, polls: list[int], sqlite: bool) -> Iterator[tuple[Any, ...]]:
    """Voter by voter: one choice, two of three choices, an open answer, a rating (and a
    comment from one in ten), until `answers` rows."""
    single, multiple, text, survey = polls
    written = 0
    voter = FIRST_VIEWER
    while written < answers:
        at = _stamp(START + timedelta(seconds=voter % 5400), sqlite)
        rows = [
            (single, voter, voter % 4, None, "bot", at),
            (multiple, voter, voter % 3, None, "bot", at),
            (text, voter, 0, ANSWERS[voter % 3] + f" {voter % 97}", "bot", at),
            (survey, voter, 1 + voter % 5, None, "bot", at),
        ]
        if voter % 10 == 0:
            rows.append((survey, voter, 0, "جلسة مفيدة جدا", "bot", at))
        yield from rows[: answers - written]
        written += min(len(rows), answers - written)
        voter += 1


def _audit(count: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    for index in range(count):
        at = _stamp(START + timedelta(seconds=index % 7200, minutes=3), sqlite)
        before, after = json.dumps({"status": "pending"}), json.dumps({"status": "approved"})
        yield (at, MODERATOR, "question.approve", "ok", f"question:{index + 1}", before, after)


async def _structure(url: str) -> list[int]:
    """The session and its polls (a few rows: through the ORM)."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            end = START + timedelta(hours=2)
            title_ar, title_en = "جلسة الخطة الوطنية للتحول الرقمي", "Digital plan"
            session.add(
                Session(
                    id=1,
                    title_ar=title_ar,
                    title_en=title_en,
                    starts_at=START,
                    status="ended",
                    live_at=START,
                    ended_at=end,
                )
            )
            await session.flush()
            ids = []
            for kind, survey, options in (
                ("single", False, 4), ("multiple", False, 3), ("text", False, 0),
                ("rating", True, 5),
            ):  # fmt: skip
                poll = Poll(
                    session_id=1, kind=kind, question_ar="سؤال الاستطلاع", question_en="Poll",
                    status="closed", is_survey=survey, opened_at=START, closed_at=START,
                )  # fmt: skip
                session.add(poll)
                await session.flush()
                first = 1 if kind == "rating" else 0
                for position in range(first, first + options):
                    session.add(
                        PollOption(
                            poll_id=poll.id,
                            position=position,
                            text_ar=f"خيار {position}",
                            text_en=f"Option {position}",
                        )
                    )
                ids.append(poll.id)
            return ids
    finally:
        await db.dispose()


def _users(count: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    now = _stamp(START, sqlite)
    yield (MODERATOR, "فاطمة", "الزدجالية", "mod", "ar", True, True, now, now)
    for index in range(count):
        yield (
            FIRST_VIEWER + index, f"مشارك {index}", None, None, "ar", True, True, now, now
        )  # fmt: skip


async def seed(url: str, answers: int) -> None:
    questions = max(1, answers // 10)
    viewers = answers // 4 + questions + 10
    polls = await _structure(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA synchronous=OFF")
            for table, columns, rows in (
                ("users", USER_COLUMNS, _users(viewers, True)),
                ("questions", QUESTION_COLUMNS, _questions(questions, True)),
                ("poll_votes", VOTE_COLUMNS, _votes(answers, polls, True)),
                ("audit_log", AUDIT_COLUMNS, _audit(questions, True)),
            ):
                marks = ", ".join("?" * len(columns))
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608  # our own constants
                    rows,
                )
        return
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        for table, columns, rows in (
            ("users", USER_COLUMNS, _users(viewers, False)),
            ("questions", QUESTION_COLUMNS, _questions(questions, False)),
            ("poll_votes", VOTE_COLUMNS, _votes(answers, polls, False)),
        ):
            await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        # COPY's binary format has no encoder for json: the audit rows by executemany.
        marks = ", ".join(f"${i + 1}" for i in range(len(AUDIT_COLUMNS)))
        await conn.executemany(
            f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) VALUES ({marks})",  # noqa: S608  # our own constants
            list(_audit(questions, False)),
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
