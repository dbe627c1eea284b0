"""The bot's side of web.bridge.BotBridge: after an action in the web console, the Telegram
cards and the askers hear of it exactly as after a press on a card."""

from __future__ import annotations

from collections.abc import Callable

from domain.question_views import Outcome
from handlers.context import BotApp
from handlers.poll_cards import PollCards
from handlers.question_feed import feed_of


class RuntimeBridge:
    """Reads the runtime's parts when asked: the web server starts before the bot."""

    def __init__(
        self,
        app: Callable[[], BotApp | None],
        poll_cards: Callable[[], PollCards | None],
        wake_sender: Callable[[], None],
    ) -> None:
        self._app = app
        self._poll_cards = poll_cards
        self._wake_sender = wake_sender

    @property
    def bot_username(self) -> str | None:
        app = self._app()
        if app is None:
            return None
        try:
            return app.bot.username
        except RuntimeError:  # not initialised yet (getMe not answered)
            return None

    async def moderated(self, outcome: Outcome) -> None:
        app = self._app()
        if app is None:
            return
        feed = feed_of(app)
        await feed.refresh(outcome.refresh)
        feed.notify(outcome.notices)

    async def poll_changed(self, poll_id: int, *, send: bool) -> None:
        cards = self._poll_cards()
        if cards is not None:
            cards.mark(poll_id)
        if send:
            self._wake_sender()
