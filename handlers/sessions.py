"""Viewers: /sessions, session cards, "Remind me", deep links `?start=s<ID>` (SPEC §3)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.roles import GRANTS, Capability
from handlers import render
from handlers.common import PRIVATE, reply, translated_errors
from handlers.context import BotApp, BotContext

SESSION_PAYLOAD = re.compile(r"s([0-9]{1,9})")
MAX_LISTED = 10


def parse_id(data: str | None, prefix: str) -> int | None:
    """`prefix:<digits>` → the id; anything else (forged, stale) → None."""
    if data is None or not data.startswith(prefix):
        return None
    rest = data.removeprefix(prefix)
    return int(rest) if rest.isdigit() and len(rest) <= 9 else None


async def send_card(update: Update, context: BotContext, session_id: int) -> None:
    """The session's card: the moderator's version (with actions) for moderators."""
    user = update.effective_user
    assert user is not None
    services = context.services
    tr = await context.translator_for(update)
    view = await services.sessions.get(session_id)
    link = render.deep_link(context.bot.username, view.id)
    role = await services.roles.role_of(user.id)
    if Capability.MODERATE in GRANTS[role]:
        text, markup = render.moderator_card(tr, view, services.zone, link=link)
    else:
        if view.status == "draft":
            await reply(update, tr.t("session.not_found", session_id=str(session_id)))
            return
        subscribed = await services.sessions.opened(user.id, view.id)
        text, markup = render.viewer_card(tr, view, services.zone, subscribed=subscribed, link=link)
    message = update.effective_message
    assert message is not None
    await context.bot.send_message(message.chat_id, text, reply_markup=markup)


async def open_deep_link(update: Update, context: BotContext, payload: str) -> bool:
    """`/start s<ID>`: open that card; returns whether the payload was a session link."""
    match = SESSION_PAYLOAD.fullmatch(payload)
    if match is None:
        return False
    await send_card(update, context, int(match.group(1)))
    return True


@translated_errors
async def cmd_sessions(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    user = update.effective_user
    assert user is not None
    views = await context.services.sessions.listing(user.id)
    if not views:
        await reply(update, tr.t("sessions.none"))
        return
    views = views[:MAX_LISTED]
    zone = context.services.zone
    lines = [tr.tn("sessions.header", len(views))]
    buttons = []
    for view in views:
        lines.append(
            tr.t(
                "sessions.line",
                icon=render.STATUS_ICON[view.status],
                title=view.title(tr.language),
                when=tr.when(view.starts_at, zone),
            )
        )
        label = f"{render.STATUS_ICON[view.status]} {view.title(tr.language)[:40]}"
        buttons.append([InlineKeyboardButton(label, callback_data=f"card:{view.id}")])
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(buttons))


@translated_errors
async def cb_card(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "card:")
    assert session_id is not None  # the pattern guarantees it
    await query.answer()
    await send_card(update, context, session_id)


@translated_errors
async def cb_remind(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "sub:")
    assert session_id is not None
    services = context.services
    tr = await context.translator_for(update)
    on = await services.sessions.toggle_reminder(query.from_user.id, session_id)
    await query.answer(tr.t("session.reminder_set" if on else "session.reminder_cleared"))
    view = await services.sessions.get(session_id)
    link = render.deep_link(context.bot.username, view.id)
    _, markup = render.viewer_card(tr, view, services.zone, subscribed=on, link=link)
    if query.message is not None:
        await query.edit_message_reply_markup(markup)


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("sessions", cmd_sessions, filters=PRIVATE),
            CallbackQueryHandler(cb_card, pattern=r"^card:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_remind, pattern=r"^sub:[0-9]{1,9}$"),
        ]
    )
