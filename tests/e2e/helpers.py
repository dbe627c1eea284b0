"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import event

from domain.roles import Role
from domain.sessions import SessionDraft, SessionView
from sandbox import SimUser
from tests.e2e.conftest import Harness


async def viewer(harness: Harness, user_id: int, language: str = "ar") -> SimUser:
    """A viewer who has started the bot (and read the welcome)."""
    user = harness.driver.user(user_id, f"V{user_id}", language_code=language)
    await user.send("/start")
    await user.next_message()
    return user


async def moderator(harness: Harness, user_id: int, language: str = "en") -> SimUser:
    await harness.services.roles.set_role(None, user_id, Role.MODERATOR)
    return await viewer(harness, user_id, language)


async def session(
    harness: Harness, *, hours: float = 48, publish: bool = True, auto: bool = False
) -> SessionView:
    draft = SessionDraft(
        title_ar="جلسة الخطة الوطنية",
        title_en="National plan session",
        starts_at=harness.clock() + timedelta(hours=hours),
        streams=(("https://youtube.com/live/abc", "youtube"), ("https://x.com/i/b/1", "x")),
        description_ar="حوار مفتوح مع الإدارة",
        description_en="An open dialogue with management",
        auto_golive=auto,
    )
    return await harness.services.sessions.create(None, draft, publish=publish)


async def wait_until(predicate: Callable[[], bool], seconds: float = 15.0) -> None:
    """Until `predicate()` holds (the state is changed by the bot's tasks, not by us)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110  # the state lives in another task
            await asyncio.sleep(0.05)


class Statements(list[str]):
    """The SQL statements run while `statements` was open, in order."""

    def count(self, fragment: str) -> int:  # type: ignore[override]  # counts substrings
        return sum(fragment in statement for statement in self)


@contextlib.contextmanager
def statements(harness: Harness) -> Iterator[Statements]:
    """Record every SQL statement the harness's engine runs inside the block."""
    seen = Statements()
    engine = harness.services.db.engine.sync_engine

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
