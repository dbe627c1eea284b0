"""Helpers for the questions tests: a live session, asking, finding cards, the audit log."""

from __future__ import annotations

from typing import Any

from domain.question_views import QuestionView
from domain.sessions import SessionView
from locales import translator
from sandbox import SentMessage, SimUser
from storage import queries
from tests.e2e.conftest import Harness
from tests.e2e.helpers import session

AR = translator("ar")
EN = translator("en")


async def live_session(harness: Harness, **kwargs: Any) -> SessionView:
    """A session that is live, created before anyone subscribed (no go-live messages)."""
    view = await session(harness, **kwargs)
    await harness.services.sessions.go_live(None, view.id)
    return view


async def last_question(harness: Harness, user: SimUser) -> QuestionView:
    mine = await harness.services.questions.mine(user.id)
    assert mine, f"user {user.id} asked nothing"
    return mine[0]


async def ask(harness: Harness, user: SimUser, text: str) -> QuestionView:
    """`/ask TEXT`; waits for the confirmation."""
    user.skip_pending()
    await user.send(f"/ask {text}")
    confirmation = await user.next_message()
    assert (confirmation.text or "").startswith("✅"), confirmation.text
    return await last_question(harness, user)


def is_card(message: SentMessage, question_id: int) -> bool:
    first = (message.text or "").split("\n", 1)[0]
    return f"#{question_id}</b>" in first and "—" in first


async def card(user: SimUser, question_id: int, *, where: Any = None) -> SentMessage:
    """The newest card of this question in the user's chat (or in `where`, a group)."""
    view = where if where is not None else user
    return await view.wait_for(lambda m: is_card(m, question_id), timeout=10)


def data_of(message: SentMessage) -> list[str]:
    return [b.get("callback_data", "") for row in message.buttons for b in row]


def button(message: SentMessage, prefix: str) -> str:
    """The callback data of the button whose data starts with `prefix`."""
    found = [d for d in data_of(message) if d.startswith(prefix)]
    assert found, f"no button {prefix!r} in {data_of(message)}"
    return found[0]


async def audit(harness: Harness, outcome: str | None = None) -> list[Any]:
    async with harness.services.db.transaction() as db:
        rows = await queries.audit_entries(db, limit=500)
    return [r for r in rows if outcome is None or r.outcome == outcome]
