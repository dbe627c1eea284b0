"""Build the python-telegram-bot Application: settings in, handlers registered flat."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults

from bot.settings import Settings
from domain.services import Services
from handlers import (
    broadcast_ui,
    commands,
    fallback,
    onboarding,
    roles,
    session_admin,
    sessions,
    steps,
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
    steps.register(app)  # plain text: pending steps, after every command
    fallback.register(app)


async def _post_init(app: BotApp) -> None:
    services: Services = app.bot_data[SERVICES_KEY]
    await commands.publish_defaults(app.bot, services.users.default_language)
    for user_id, role in (await services.roles.staff_ids()).items():
        language = await services.users.language_of(user_id, None)
        await commands.publish_for(app.bot, user_id, role, language)


def build_application(settings: Settings, services: Services, *, updater: bool = True) -> BotApp:
    token = settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the bot")
    builder = (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
    )
    if not updater:
        builder = builder.updater(None)
    app: BotApp = builder.build()
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app)
    return app
