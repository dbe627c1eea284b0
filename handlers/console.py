"""`/console` (moderators, staff, admins): a one-time sign-in link to the web console;
`/screen [SESSION]` (moderators): the presenter screen's link, with a button for a new key.

The links are sent only in a private chat and without a link preview: a preview is fetched
by Telegram's servers, and the sign-in page must be opened by the person it is for.
"""

from __future__ import annotations

import html

from telegram import LinkPreviewOptions, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.console import LINK_TTL
from domain.errors import DomainError
from handlers.common import PRIVATE, keyboard, translated_errors
from handlers.context import BotApp, BotContext
from handlers.sessions import parse_id
from locales import Markup, Translator

WEB_URL_KEY = "web_url"  # the web server's base URL, set by bot/application.py
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _url(context: BotContext, path: str) -> Markup:
    base = str(context.bot_data.get(WEB_URL_KEY, "")).rstrip("/")
    return Markup(html.escape(base + path))


@translated_errors
async def cmd_console(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    token = await context.services.console.issue_link(user.id)
    tr = await context.translator_for(update)
    minutes = int(LINK_TTL.total_seconds() // 60)
    url = _url(context, f"/console/login?token={token}")
    await message.reply_text(
        tr.t("console.link", minutes=minutes, url=url), link_preview_options=NO_PREVIEW
    )


async def _screen_text(
    context: BotContext, tr: Translator, user_id: int, session_id: int, *, rotate: bool
) -> str:
    services = context.services
    if rotate:
        key = await services.console.rotate_screen_key(user_id, session_id)
    else:
        key = await services.console.screen_key(user_id, session_id)
    session = await services.sessions.get(session_id)
    url = _url(context, f"/screen/{session_id}?key={key}")
    return tr.t("console.screen", session_id=session_id, title=session.title(tr.language), url=url)


@translated_errors
async def cmd_screen(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    tr = await context.translator_for(update)
    args = context.args or []
    session_id = parse_id(args[0], "") if args else None
    if session_id is None:
        current = await context.services.questions.open_sessions()
        if args or not current:
            raise DomainError("console.screen_no_session")
        session_id = current[0].id
    text = await _screen_text(context, tr, user.id, session_id, rotate=False)
    markup = keyboard([[(tr.t("console.screen_rotate"), f"scr:{session_id}")]])
    await message.reply_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)


@translated_errors
async def cb_rotate(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "scr:")
    assert session_id is not None  # the pattern matched
    tr = await context.translator_for(update)
    text = await _screen_text(context, tr, query.from_user.id, session_id, rotate=True)
    await query.answer(tr.t("console.screen_rotated"))
    if query.message is not None:
        markup = keyboard([[(tr.t("console.screen_rotate"), f"scr:{session_id}")]])
        await context.bot.edit_message_text(
            text,
            query.message.chat.id,
            query.message.message_id,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("console", cmd_console, filters=PRIVATE),
            CommandHandler("screen", cmd_screen, filters=PRIVATE),
            CallbackQueryHandler(cb_rotate, pattern=r"^scr:[0-9]{1,9}$"),
        ]
    )
