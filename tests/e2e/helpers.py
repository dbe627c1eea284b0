"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

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
