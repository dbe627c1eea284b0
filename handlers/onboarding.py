"""Viewer onboarding: /start, /language, /help, /privacy, /stop, /forget (SPEC §3, §8)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.roles import Role
from handlers import commands, sessions
from handlers.common import PRIVATE, keyboard, reply, translated_errors
from handlers.context import BotApp, BotContext, profile_of
from locales import LANGUAGES, Translator, translator

DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


def language_keyboard(current: str | None = None) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (("✓ " if code == current else "") + LANGUAGE_NAMES[code], f"lang:{code}")
                for code in LANGUAGES
            ]
        ]
    )


def _switch_button(tr: Translator) -> InlineKeyboardMarkup:
    other = "en" if tr.language == "ar" else "ar"
    return keyboard([[(translator(other).t("language.switch_button"), f"lang:{other}")]])


@translated_errors
async def cmd_start(update: Update, context: BotContext) -> None:
    viewer = await context.services.users.start(profile_of(update))
    tr = context.use_language(viewer.language)
    user = update.effective_user
    name = (user.first_name if user else None) or tr.t("viewer.default_name")
    payload = context.args[0] if context.args else ""
    if payload and not DEEP_LINK.fullmatch(payload):
        payload = ""  # not a payload Telegram could have produced: plain start
    if viewer.is_new:
        await reply(update, tr.t("start.welcome_new", name=name), _switch_button(tr))
    opened = bool(payload) and await sessions.open_deep_link(update, context, payload)
    if not viewer.is_new and not opened:
        await reply(update, tr.t("start.welcome_back", name=name), _switch_button(tr))


@translated_errors
async def cmd_language(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    await reply(update, tr.t("language.choose"), language_keyboard(tr.language))


@translated_errors
async def cb_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    language = query.data.removeprefix("lang:")
    viewer = await context.services.users.set_language(profile_of(update), language)
    tr = context.use_language(viewer.language)
    await query.answer()
    if query.message is not None:
        await query.edit_message_text(tr.t("language.set"))
    role = await context.services.roles.role_of(viewer.user_id)
    if role is not Role.VIEWER:
        await commands.publish_for(context.bot, viewer.user_id, role, viewer.language)


@translated_errors
async def cmd_help(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    user = update.effective_user
    role = await context.services.roles.role_of(user.id) if user else Role.VIEWER
    parts = [tr.t("help.viewer"), tr.t("help.questions")]
    if role is not Role.VIEWER:
        parts.append(tr.t("help.role", role=tr.t(f"role.{role.value}")))
    if role in (Role.MODERATOR, Role.ADMIN):
        parts += [tr.t("help.moderator"), tr.t("help.moderation")]
    if role is Role.ADMIN:
        parts.append(tr.t("help.admin"))
    await reply(update, "\n\n".join(parts))


@translated_errors
async def cmd_privacy(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    await reply(update, tr.t("privacy.text"))


@translated_errors
async def cmd_stop(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    user = update.effective_user
    assert user is not None
    was_subscribed = await context.services.users.unsubscribe(user.id)
    await reply(update, tr.t("stop.done" if was_subscribed else "stop.not_subscribed"))


@translated_errors
async def cmd_forget(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    markup = keyboard([[(tr.t("forget.yes"), "forget:yes"), (tr.t("forget.no"), "forget:no")]])
    await reply(update, tr.t("forget.confirm"), markup)


@translated_errors
async def cb_forget(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    tr = await context.translator_for(update)
    await query.answer()
    if query.data == "forget:yes":
        forgotten = await context.services.users.forget(query.from_user.id)
        text = tr.t("forget.done" if forgotten else "forget.nothing")
    else:
        text = tr.t("forget.cancelled")
    await query.edit_message_text(text)


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("start", cmd_start, filters=PRIVATE),
            CommandHandler("language", cmd_language, filters=PRIVATE),
            CommandHandler("help", cmd_help, filters=PRIVATE),
            CommandHandler("privacy", cmd_privacy, filters=PRIVATE),
            CommandHandler("stop", cmd_stop, filters=PRIVATE),
            CommandHandler("forget", cmd_forget, filters=PRIVATE),
            CallbackQueryHandler(cb_language, pattern=r"^lang:(ar|en)$"),
            CallbackQueryHandler(cb_forget, pattern=r"^forget:(yes|no)$"),
        ]
    )
