"""What the web pages ask of the bot running in the same process (bot/ implements it): a
console action must look the same in Telegram, so its cards are refreshed and its askers
told, exactly as after a press on a card."""

from __future__ import annotations

from typing import Protocol

from domain.question_views import Outcome


class BotBridge(Protocol):
    @property
    def bot_username(self) -> str | None:
        """For the deep link on the presenter screen (None before the bot started)."""

    async def moderated(self, outcome: Outcome) -> None:
        """Refresh the Telegram cards of the changed questions and send the notices."""

    async def poll_changed(self, poll_id: int, *, send: bool) -> None:
        """Refresh the poll's Telegram card; `send`: wake the sender (launch, publish)."""


class NoBot:
    """Pages served without a bot (tests of the web layer alone)."""

    @property
    def bot_username(self) -> str | None:
        return None

    async def moderated(self, outcome: Outcome) -> None:
        return None

    async def poll_changed(self, poll_id: int, *, send: bool) -> None:
        return None
