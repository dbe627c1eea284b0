"""Build the python-telegram-bot Application: settings in, handlers registered flat."""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import metrics
from bot.compose import web_url
from bot.flood import FloodLimiter
from bot.http import BoundedRequest
from bot.ordering import Admit, ChatOrderedProcessor
from bot.settings import Settings
from domain.services import Services
from handlers import (
    broadcast_ui,
    commands,
    console,
    exports,
    fallback,
    onboarding,
    polls,
    questions,
    roles,
    session_admin,
    sessions,
    steps,
    voting,
)
from handlers.context import SERVICES_KEY, BotApp, BotContext

log = logging.getLogger(__name__)

# Passed on every getUpdates/setWebhook: omitting it keeps Telegram's previous setting.
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "poll",
    "poll_answer",
    "my_chat_member",
]


def register_handlers(app: BotApp) -> None:
    """Feature handlers first; the fallbacks last, so they see only what nothing handled."""
    onboarding.register(app)
    roles.register(app)
    sessions.register(app)
    session_admin.register(app)
    broadcast_ui.register(app)
    polls.register(app)
    voting.register(app)
    questions.register(app)
    exports.register(app)
    console.register(app)
    steps.register(app)  # plain text: pending steps, after every command
    fallback.register(app)


async def _post_init(app: BotApp) -> None:
    services: Services = app.bot_data[SERVICES_KEY]
    await commands.publish_defaults(app.bot, services.users.default_language)
    for user_id, role in (await services.roles.staff_ids()).items():
        language = await services.users.language_of(user_id, None)
        await commands.publish_for(app.bot, user_id, role, language)


class MeteredApplication(Application):  # type: ignore[type-arg]  # generic parameters come from the builder
    """Counts every update by kind and times its handling for `/metrics`."""

    async def process_update(self, update: object) -> None:
        start = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            metrics.LATENCY.observe(time.perf_counter() - start)
            kind = "other"
            if isinstance(update, Update):
                kind = next(
                    (k for k in UPDATE_KINDS if getattr(update, k, None) is not None), "other"
                )
            metrics.UPDATES.labels(kind).inc()


def first_time(services: Services) -> Admit:
    """Admission of an update (bot/ordering.py): its id claimed, so that a redelivery, or
    the same update reaching another process, is handled once (domain/updates.py)."""

    async def admit(update: object) -> bool:
        if not isinstance(update, Update) or await services.updates.first_time(update.update_id):
            return True
        metrics.UPDATES.labels("duplicate").inc()
        return False  # another process, or an earlier delivery, handled it

    return admit


UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "poll_answer",
    "poll",
    "my_chat_member",
    "channel_post",
)


def build_application(settings: Settings, services: Services, *, updater: bool = True) -> BotApp:
    token = settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the bot")
    # Any: the bot's type parameter depends on whether a rate limiter is set below.
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(MeteredApplication)
        .token(token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(_post_init)
        # in order within a chat, each update claimed first (bot/ordering.py)
        .concurrent_updates(ChatOrderedProcessor(admit=first_time(services)))
        .request(BoundedRequest())  # aiohttp, bounded (bot/http.py)
        .get_updates_request(BoundedRequest(in_flight=1, messages=0))
    )
    if settings.telegram_rate_limits:  # off only for a Bot API without limits (benchmarks)
        builder = builder.rate_limiter(FloodLimiter(max_retries=3))
    if not updater:
        builder = builder.updater(None)
    app: BotApp = builder.build()
    app.bot_data[SERVICES_KEY] = services
    app.bot_data[console.WEB_URL_KEY] = web_url(settings)
    register_handlers(app)
    return app
