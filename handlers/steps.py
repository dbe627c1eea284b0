"""Plain text in a private chat: the answer to a pending step, or a hint (SPEC §9)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from handlers import broadcast_ui, moderation, polls, questions, session_admin, voting
from handlers.common import PRIVATE, reply, translated_errors
from handlers.context import BotApp, BotContext


@translated_errors
async def on_private_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert message.text is not None
    assert user is not None
    services = context.services
    step = await services.steps.get(user.id)
    if step is None:
        tr = await context.translator_for(update)
        await reply(update, tr.t("hint.text"))
    elif step.kind.startswith("new:"):
        await session_admin.on_wizard_text(update, context, message.text)
    elif step.kind.startswith(session_admin.EDIT_PREFIX):
        await session_admin.on_edit_text(update, context, step, message.text)
    elif step.kind.startswith(broadcast_ui.ANNOUNCE):
        await broadcast_ui.on_announce_text(update, context, step, message.text)
    elif step.kind.startswith(polls.STEP):
        await polls.on_wizard_text(update, context, step, message.text)
    elif step.kind.startswith(voting.STEP):
        await voting.on_answer_text(update, context, step, message.text)
    elif step.kind.startswith(questions.ASK):
        await questions.on_ask_text(update, context, step, message.text)
    elif step.kind.startswith(moderation.MOD):
        await moderation.on_moderator_text(update, context, step, message.text)
    else:  # a step of a feature that no longer exists
        await services.steps.clear(user.id)
        tr = await context.translator_for(update)
        await reply(update, tr.t("hint.text"))


@translated_errors
async def cmd_cancel(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    had_step = await context.services.steps.get(user.id) is not None
    await context.services.steps.clear(user.id)
    await reply(update, tr.t("wizard.cancelled" if had_step else "cancel.nothing"))


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("cancel", cmd_cancel, filters=PRIVATE),
            MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_private_text),
        ]
    )
