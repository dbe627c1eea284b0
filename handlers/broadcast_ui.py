"""Broadcast controls in Telegram: the progress message, Cancel, and /announce."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.errors import DomainError
from domain.roles import Capability
from domain.steps import Step
from handlers import render
from handlers.common import PRIVATE, keyboard, reply, translated_errors
from handlers.context import BotApp, BotContext
from handlers.sessions import parse_id
from locales import Translator

ANNOUNCE = "announce:"
SKIP = "-"


async def start_progress(
    context: BotContext, tr: Translator, broadcast_id: int, chat_id: int
) -> None:
    """Post the progress message the sender will keep editing, and wake the sender."""
    services = context.services
    progress = await services.broadcasts.progress(broadcast_id)
    message = await context.bot.send_message(
        chat_id,
        render.progress_text(tr, progress, None),
        reply_markup=render.progress_markup(tr, progress),
    )
    await services.broadcasts.set_progress_message(broadcast_id, message.message_id)
    context.wake_sender()


@translated_errors
async def cb_cancel(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    broadcast_id = parse_id(query.data, "bcx:")
    assert broadcast_id is not None
    tr = await context.translator_for(update)
    progress = await context.services.broadcasts.cancel(query.from_user.id, broadcast_id)
    await query.answer(tr.t("broadcast.cancelled"))
    await query.edit_message_text(render.progress_text(tr, progress, None))


@translated_errors
async def cmd_announce(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    await services.roles.authorize(user.id, Capability.MODERATE, "broadcast.announce")
    tr = await context.translator_for(update)
    await services.steps.set(user.id, Step(f"{ANNOUNCE}ar", {}))
    await reply(update, tr.t("announce.ask_ar"), keyboard([[(tr.t("wizard.cancel"), "x")]]))


async def on_announce_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    await services.roles.authorize(user.id, Capability.MODERATE, "broadcast.announce")
    tr = await context.translator_for(update)
    value = "" if text.strip() == SKIP else text
    if step.kind == f"{ANNOUNCE}ar":
        await services.steps.set(user.id, Step(f"{ANNOUNCE}en", {"ar": value}))
        await reply(update, tr.t("announce.ask_en"), keyboard([[(tr.t("wizard.cancel"), "x")]]))
        return
    texts = {"ar": step.data.get("ar", ""), "en": value}
    if not any(texts.values()):
        await services.steps.clear(user.id)
        raise DomainError("announce.empty")
    await services.steps.set(user.id, Step(f"{ANNOUNCE}confirm", texts))
    preview = tr.t("announce.preview", ar=texts["ar"] or "—", en=texts["en"] or "—")
    await reply(
        update,
        preview,
        keyboard([[(tr.t("announce.send"), "ann:send"), (tr.t("wizard.cancel"), "x")]]),
    )


@translated_errors
async def cb_announce_send(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    actor = query.from_user.id
    tr = await context.translator_for(update)
    step = await services.steps.get(actor)
    if step is None or step.kind != f"{ANNOUNCE}confirm":
        raise DomainError("wizard.expired")
    chat_id = query.message.chat.id if query.message else actor
    progress = await services.broadcasts.announce(
        actor, step.data.get("ar") or None, step.data.get("en") or None, progress_chat_id=chat_id
    )
    await services.steps.clear(actor)
    await query.answer()
    await query.edit_message_text(tr.tn("announce.queued", progress.total))
    await start_progress(context, tr, progress.broadcast_id, chat_id)


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("announce", cmd_announce, filters=PRIVATE),
            CallbackQueryHandler(cb_cancel, pattern=r"^bcx:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_announce_send, pattern=r"^ann:send$"),
        ]
    )
