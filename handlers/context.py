"""The typed callback context: handlers reach the services through `context.services`."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from domain.services import Services
from domain.users import Profile
from locales import Translator, pick_language, translator

SERVICES_KEY = "services"
WAKE_SENDER_KEY = "wake_sender"
POLL_CARDS_KEY = "poll_cards"


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Per-update context; caches the sender's translator for the life of the update."""

    @property
    def services(self) -> Services:
        services = self.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    def wake_sender(self) -> None:
        """Tell the broadcast sender there is new work (it also polls the outbox)."""
        wake = self.bot_data.get(WAKE_SENDER_KEY)
        if callable(wake):
            wake()

    async def translator_for(self, update: Update) -> Translator:
        cached: Translator | None = self.__dict__.get("_translator")
        if cached is not None:
            return cached
        user = update.effective_user
        if user is None:
            language = self.services.users.default_language
        else:
            language = await self.services.users.language_of(user.id, user.language_code)
        return self.use_language(language)

    def use_language(self, language: str) -> Translator:
        """Switch this update's language (after the viewer changed it)."""
        result = translator(language)
        self.__dict__["_translator"] = result
        return result

    def fallback_translator(self, update: Update) -> Translator:
        user = update.effective_user
        code = user.language_code if user else None
        return translator(pick_language(code, self.services.users.default_language))


BotApp = Application[ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


def profile_of(update: Update) -> Profile:
    user = update.effective_user
    assert user is not None  # handlers that need a profile only run for updates with a user
    return Profile(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def handling_updates(app: BotApp) -> bool:
    """Updates in progress or waiting: work that only shows a state (an edit) can wait."""
    return app.update_processor.current_concurrent_updates > 0 or not app.update_queue.empty()
