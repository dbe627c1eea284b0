"""Moderators: /queue, /next and the buttons of a question's card (SPEC §3).

Buttons carry the question's revision (`qa:<id>:<rev>`): the domain acts only if nobody
changed the question since the card was drawn, so of two moderators pressing at once exactly
one wins. Every Telegram call to a group goes through the question feed (handlers never wait
for a group's rate limit). The number for "Merge into #N" and a written reply are typed in
the moderator's private chat, where the prompt is sent.
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from domain.errors import DomainError
from domain.question_views import Outcome
from domain.steps import Step
from domain.validation import ARABIC_DIGITS
from handlers import question_render as render
from handlers.common import PRIVATE, keyboard, reply
from handlers.context import SERVICES_KEY, BotApp, BotContext
from handlers.question_common import answer, numbers, pressed_card, question_errors
from handlers.question_feed import feed
from locales import Translator, translator

MOD = "qmod:"
MERGE = "qmod:merge"
REPLY = "qmod:reply"
ACTIONS = {"qa:": "approve", "qd:": "answered", "qs:": "on_screen"}


def _card_language(update: Update, context: BotContext, tr: Translator) -> str:
    chat = update.effective_chat
    private = chat is None or chat.type == "private"
    return tr.language if private else context.services.question_desk.default_language


async def respond(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Reply in a private chat at once; in the moderators' group, through the feed."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        await reply(update, text, markup)
    else:
        feed(context).say(chat.id, text, markup)


async def _after(update: Update, context: BotContext, tr: Translator, outcome: Outcome) -> None:
    """Refresh every card the action changed (the pressed one too) and tell the askers."""
    pressed = pressed_card(update, context, tr.language, outcome.question.id)
    await feed(context).refresh(outcome.refresh, pressed)
    feed(context).notify(outcome.notices)


@question_errors
async def cmd_queue(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    queue = await context.services.question_desk.queue(user.id)
    tr = await context.translator_for(update)
    await respond(update, context, render.queue_text(tr, queue), render.queue_markup(tr, queue))


@question_errors
async def cb_queue_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (page,) = numbers(query.data, "qq:")
    queue = await context.services.question_desk.queue(query.from_user.id, page)
    tr = await context.translator_for(update)
    await answer(query)
    message = query.message
    if message is None:
        return
    text, markup = render.queue_text(tr, queue), render.queue_markup(tr, queue)

    async def edit() -> None:
        with contextlib.suppress(BadRequest):  # not modified
            await context.bot.edit_message_text(
                text, message.chat.id, message.message_id, reply_markup=markup
            )

    feed(context).put(message.chat.id, ("queue", message.message_id), edit)


@question_errors
async def cmd_next(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    outcome = await context.services.moderation.next(user.id)
    if outcome is None:
        await respond(update, context, tr.t("queue.next_empty"))
        return
    await respond(update, context, tr.t("queue.next_done", number=outcome.question.id))
    await _open(update, context, tr, outcome.question.id)
    await feed(context).refresh(outcome.refresh)


async def _open(update: Update, context: BotContext, tr: Translator, question_id: int) -> None:
    """Post a card of the question in this chat (remembered, so later changes reach it)."""
    chat = update.effective_chat
    assert chat is not None
    language = _card_language(update, context, tr)
    outgoing = feed(context)
    outgoing.put(
        chat.id,
        ("open", question_id, update.update_id),
        lambda: outgoing.send_card(chat.id, language, question_id),
    )


@question_errors
async def cb_open(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (question_id,) = numbers(query.data, "qc:")
    await context.services.question_desk.card_for(query.from_user.id, question_id)
    tr = await context.translator_for(update)
    await answer(query)
    await _open(update, context, tr, question_id)


@question_errors
async def cb_act(update: Update, context: BotContext) -> None:
    """Approve, Answered, On screen."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    prefix = query.data[:3]
    question_id, revision = numbers(query.data, prefix)
    action = ACTIONS[prefix]
    outcome = await context.services.moderation.act(
        query.from_user.id, question_id, revision, action
    )
    tr = await context.translator_for(update)
    await answer(query, tr.t(f"moderation.done.{action}", number=question_id))
    await _after(update, context, tr, outcome)


@question_errors
async def cb_reject(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    question_id, revision = numbers(query.data.rsplit(":", 1)[0], "qr:")
    reason = query.data.rsplit(":", 1)[1]
    outcome = await context.services.moderation.act(
        query.from_user.id, question_id, revision, "reject", reason=reason
    )
    tr = await context.translator_for(update)
    await answer(query, tr.t("moderation.done.reject", number=question_id))
    await _after(update, context, tr, outcome)


@question_errors
async def cb_keyboard(update: Update, context: BotContext) -> None:
    """Reject (→ the reasons) and Back (→ the card's buttons): only the keyboard changes."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    prefix = query.data[:3]
    question_id, revision = numbers(query.data, prefix)
    card = await context.services.moderation.check(
        query.from_user.id, question_id, revision, "reject"
    )
    tr = await context.translator_for(update)
    language = _card_language(update, context, tr)
    await answer(query, tr.t("moderation.choose_reason") if prefix == "qx:" else None)
    message = query.message
    if message is None:
        return

    async def markup() -> InlineKeyboardMarkup:
        card_tr = translator(language)
        if prefix == "qx:":
            return render.reasons_markup(card_tr, card.question)
        return render.card_markup(card_tr, card)

    feed(context).edit_card(message.chat.id, message.message_id, language, question_id, markup)


@question_errors
async def cb_merge_into(update: Update, context: BotContext) -> None:
    """One tap on a near-duplicate's number under the card."""
    query = update.callback_query
    assert query is not None
    question_id, revision, target = numbers(query.data, "qi:")
    outcome = await context.services.moderation.merge(
        query.from_user.id, question_id, revision, target
    )
    tr = await context.translator_for(update)
    await answer(query, tr.t("moderation.done.merge", number=question_id, target=target))
    await _after(update, context, tr, outcome)


@question_errors
async def cb_prompt(update: Update, context: BotContext) -> None:
    """Merge into #N… and Reply: ask for the number or the text in the private chat."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    prefix = query.data[:3]
    question_id, revision = numbers(query.data, prefix)
    action = "merge" if prefix == "qm:" else "reply"
    actor = query.from_user.id
    card = await context.services.moderation.check(actor, question_id, revision, action)
    tr = await context.translator_for(update)
    kind = MERGE if action == "merge" else REPLY
    data = {"question": question_id, "revision": revision}
    await context.services.steps.set(actor, Step(kind, data))
    prompt = tr.t(f"moderation.{action}_prompt", number=question_id, text=card.question.text)
    try:
        await context.bot.send_message(
            actor, prompt, reply_markup=keyboard([[(tr.t("wizard.cancel"), "x")]])
        )
    except TelegramError:
        await context.services.steps.clear(actor)
        raise DomainError("moderation.start_private") from None
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    await answer(query, None if private else tr.t("moderation.prompt_sent"))


def parse_number(text: str) -> int | None:
    value = text.strip().translate(ARABIC_DIGITS).removeprefix("#").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


@question_errors
async def on_moderator_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    """The number to merge into, or the written reply."""
    user = update.effective_user
    assert user is not None
    services = context.services
    tr = await context.translator_for(update)
    question_id, revision = int(step.data["question"]), int(step.data["revision"])
    if step.kind == MERGE:
        target = parse_number(text)
        if target is None:
            await reply(update, tr.t("moderation.merge_bad"))
            return
        try:
            outcome = await services.moderation.merge(user.id, question_id, revision, target)
        except DomainError as error:
            if error.key.startswith("question.merge_"):
                raise  # a wrong number: the moderator may send another one
            await services.steps.clear(user.id)
            raise
        done = tr.t("moderation.done.merge", number=question_id, target=target)
    else:
        try:
            outcome = await services.moderation.reply(user.id, question_id, revision, text)
        except DomainError as error:
            if error.key in ("question.empty", "moderation.reply_too_long"):
                raise
            await services.steps.clear(user.id)
            raise
        done = tr.t("moderation.done.reply", number=question_id)
    await services.steps.clear(user.id)
    await reply(update, done)
    await _after(update, context, tr, outcome)


@question_errors
async def cb_mute(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (question_id,) = numbers(query.data, "qu:")
    _, newly = await context.services.moderation.mute(query.from_user.id, question_id)
    tr = await context.translator_for(update)
    await answer(query, tr.t("moderation.done.mute" if newly else "moderation.mute_already"))


def register(app: BotApp) -> None:
    chat_id = app.bot_data[SERVICES_KEY].question_desk.moderator_chat_id
    where = PRIVATE
    if chat_id is not None:
        where = PRIVATE | (filters.Chat(chat_id) & filters.UpdateType.MESSAGE)
    ref = r"[0-9]{1,9}:[0-9]{1,6}"
    app.add_handlers(
        [
            CommandHandler("queue", cmd_queue, filters=where),
            CommandHandler("next", cmd_next, filters=where),
            CallbackQueryHandler(cb_queue_page, pattern=r"^qq:[0-9]{1,4}$"),
            CallbackQueryHandler(cb_open, pattern=r"^qc:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_act, pattern=rf"^(qa|qd|qs):{ref}$"),
            CallbackQueryHandler(cb_keyboard, pattern=rf"^(qx|qk):{ref}$"),
            CallbackQueryHandler(
                cb_reject,
                pattern=rf"^qr:{ref}:(duplicate|off_topic|personal|abusive|already_answered)$",
            ),
            CallbackQueryHandler(cb_merge_into, pattern=rf"^qi:{ref}:[0-9]{{1,9}}$"),
            CallbackQueryHandler(cb_prompt, pattern=rf"^(qm|qy):{ref}$"),
            CallbackQueryHandler(cb_mute, pattern=r"^qu:[0-9]{1,9}$"),
        ]
    )
