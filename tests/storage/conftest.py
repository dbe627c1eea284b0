"""A database with a live session (1), six users (1-6) and two approved questions of user 1:
10 (made of message 5 in chat 1) and 11 (message 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.database import Database
from storage.models import Question, Session, User
from storage.types import utcnow


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    now = utcnow()
    async with database.transaction() as s:
        s.add_all(User(id=uid, language="ar") for uid in range(1, 7))
        s.add(Session(id=1, title_ar="ج", title_en="S", starts_at=now, status="live"))
        await s.flush()
        s.add_all(
            Question(
                id=qid, session_id=1, user_id=1, chat_id=1, message_id=message, text="q",
                normalized="q", language="en", status="approved",
            )
            for qid, message in ((10, 5), (11, 7))
        )  # fmt: skip
    try:
        yield database
    finally:
        await database.dispose()
