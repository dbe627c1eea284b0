"""Everything else Telegram can send (SPEC §9): a short hint, a deliberate silence, or a
state change (a viewer who blocks the bot becomes unreachable).

Registered last in group 0: within a group only the first matching handler runs, so these
catch exactly what no feature handled."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.common import PRIVATE, reply
from handlers.context import BotApp, BotContext

log = logging.getLogger(__name__)


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return  # added to or removed from a group or channel: nothing to do yet
    status = change.new_chat_member.status
    reachable = status not in (ChatMember.BANNED, ChatMember.LEFT)
    await context.services.users.set_reachable(change.from_user.id, reachable)


async def on_media(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    await reply(update, tr.t("hint.media"))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    tr = await context.translator_for(update)
    await reply(update, tr.t("hint.unknown_command"))


async def on_stale_button(update: Update, context: BotContext) -> None:
    """Callback data we do not recognise: old, or forged. Answer so the spinner stops."""
    query = update.callback_query
    assert query is not None
    tr = await context.translator_for(update)
    await query.answer(tr.t("hint.stale_button"))


async def on_anything_else(update: Update, context: BotContext) -> None:
    """Edits, channel posts, group chatter, reactions, polls…: deliberately ignored."""


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id (never the token); tell a private-chat user something broke."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(update, Update) and chat is not None and chat.type == "private":
        try:
            tr = context.fallback_translator(update)
            if update.callback_query is not None:
                await update.callback_query.answer(tr.t("error.internal"))
            else:
                await reply(update, tr.t("error.internal"))
        except Exception:  # noqa: BLE001  # the error path must never raise again
            log.warning("could not tell user about failed update %s", update_id)


def register(app: BotApp) -> None:
    media = PRIVATE & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    app.add_handlers(
        [
            ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command),
            MessageHandler(media, on_media),
            CallbackQueryHandler(on_stale_button),
            TypeHandler(Update, on_anything_else),
        ]
    )
    app.add_error_handler(on_error)
