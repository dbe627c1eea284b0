"""Moderators' polls: /poll (guided), the live card (launch, close, publish), /closepoll."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.errors import DomainError
from domain.polls import KINDS
from domain.roles import Capability
from domain.steps import Step
from handlers import poll_render
from handlers.common import PRIVATE, keyboard, reply, translated_errors
from handlers.context import BotApp, BotContext
from handlers.sessions import parse_id

STEP = "pollw:"
SKIP = "-"
LAUNCH = re.compile(r"^pl:([0-9]{1,9}):(0|1|5)$")


async def _authorize(context: BotContext, user_id: int, action: str) -> None:
    await context.services.roles.authorize(user_id, Capability.MODERATE, action)


@translated_errors
async def cmd_poll(update: Update, context: BotContext) -> None:
    """Pick the session (the only live one, or from buttons), then the kind of poll."""
    user = update.effective_user
    assert user is not None
    await _authorize(context, user.id, "poll.create")
    tr = await context.translator_for(update)
    sessions = [
        v
        for v in await context.services.sessions.for_moderators(user.id)
        if v.status in ("live", "scheduled", "draft")
    ]
    if not sessions:
        await reply(update, tr.t("session.none_to_golive"))
        return
    if len(sessions) == 1:
        await _ask_kind(update, context, sessions[0].id)
        return
    buttons = [
        [InlineKeyboardButton(f"#{v.id} {v.title(tr.language)[:40]}", callback_data=f"pn:{v.id}")]
        for v in sessions[:10]
    ]
    await reply(update, tr.t("session.pick"), InlineKeyboardMarkup(buttons))


async def _ask_kind(update: Update, context: BotContext, session_id: int) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    await context.services.steps.set(user.id, Step(f"{STEP}kind", {"session": session_id}))
    rows = [[(tr.t(f"poll.kind.{kind}"), f"pk:{kind}")] for kind in KINDS]
    await reply(update, tr.t("poll.ask_kind"), keyboard([*rows, [(tr.t("wizard.cancel"), "x")]]))


@translated_errors
async def cb_session(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "pn:")
    assert session_id is not None
    await _authorize(context, query.from_user.id, "poll.create")
    await context.services.sessions.get(session_id)  # exists?
    await query.answer()
    await _ask_kind(update, context, session_id)


@translated_errors
async def cb_kind(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    kind = (query.data or "").removeprefix("pk:")
    step = await context.services.steps.get(query.from_user.id)
    if step is None or step.kind != f"{STEP}kind" or kind not in KINDS:
        raise DomainError("wizard.expired")
    tr = await context.translator_for(update)
    await context.services.steps.set(
        query.from_user.id, Step(f"{STEP}q_ar", {**step.data, "kind": kind})
    )
    await query.answer()
    await reply(update, tr.t("poll.ask_question_ar"), keyboard([[(tr.t("wizard.cancel"), "x")]]))


async def on_wizard_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    user = update.effective_user
    assert user is not None
    await _authorize(context, user.id, "poll.create")
    tr = await context.translator_for(update)
    data = dict(step.data)
    value = "" if text.strip() == SKIP else text
    stage = step.kind.removeprefix(STEP)
    cancel = keyboard([[(tr.t("wizard.cancel"), "x")]])
    if stage == "q_ar":
        data["q_ar"] = value
        await context.services.steps.set(user.id, Step(f"{STEP}q_en", data))
        await reply(update, tr.t("poll.ask_question_en"), cancel)
        return
    if stage == "q_en":
        data["q_en"] = value
        if data["kind"] in ("single", "multiple"):
            await context.services.steps.set(user.id, Step(f"{STEP}options", data))
            await reply(update, tr.t("poll.ask_options"), cancel)
            return
    elif stage == "options":
        data["options"] = [_option(line) for line in text.splitlines() if line.strip()]
        if data["kind"] == "multiple":
            await context.services.steps.set(user.id, Step(f"{STEP}max", data))
            await reply(update, tr.t("poll.ask_max"), cancel)
            return
    elif stage == "max":
        if not text.strip().isdigit():
            raise DomainError("poll.bad_max", high=len(data.get("options", [])))
        data["max"] = int(text.strip())
    await _create(update, context, data)


def _option(line: str) -> tuple[str | None, str | None]:
    """`Arabic | English`, or one language alone (Arabic script decides which)."""
    if "|" in line:
        ar, _, en = line.partition("|")
        return ar.strip() or None, en.strip() or None
    text = line.strip()
    arabic = any("\u0600" <= ch <= "\u06ff" for ch in text)
    return (text, None) if arabic else (None, text)


async def _create(update: Update, context: BotContext, data: dict[str, object]) -> None:
    user = update.effective_user
    assert user is not None
    options = data.get("options") or []
    assert isinstance(options, list)
    max_choices = data.get("max")
    poll = await context.services.polls.create(
        user.id,
        int(str(data["session"])),
        str(data["kind"]),
        str(data.get("q_ar") or "") or None,
        str(data.get("q_en") or "") or None,
        [(a, e) for a, e in options],
        max_choices=max_choices if isinstance(max_choices, int) else None,
    )
    await context.services.steps.clear(user.id)
    await send_card(update, context, poll.id)


async def send_card(update: Update, context: BotContext, poll_id: int) -> None:
    tr = await context.translator_for(update)
    results = await context.services.polls.results(poll_id)
    text, markup = poll_render.card(tr, results)
    message = update.effective_message
    assert message is not None
    sent = await context.bot.send_message(message.chat.id, text, reply_markup=markup)
    await context.services.polls.set_card(poll_id, sent.chat.id, sent.message_id)


@translated_errors
async def cb_launch(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    match = LAUNCH.match(query.data or "")
    assert match is not None
    poll_id, minutes = int(match.group(1)), int(match.group(2))
    tr = await context.translator_for(update)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    _, recipients = await context.services.polls.launch(
        query.from_user.id,
        poll_id,
        close_after=timedelta(minutes=minutes) if minutes else None,
        card_chat_id=chat_id,
    )
    await query.answer(tr.tn("poll.launched", recipients))
    context.wake_sender()
    await _refresh(update, context, poll_id)


async def _refresh(update: Update, context: BotContext, poll_id: int) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    tr = await context.translator_for(update)
    text, markup = poll_render.card(tr, await context.services.polls.results(poll_id))
    await context.services.polls.set_card(poll_id, query.message.chat.id, query.message.message_id)
    await query.edit_message_text(text, reply_markup=markup)


@translated_errors
async def cb_close(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    poll_id = parse_id(query.data, "pc:")
    assert poll_id is not None
    tr = await context.translator_for(update)
    _, changed = await context.services.polls.close(query.from_user.id, poll_id)
    await query.answer(tr.t("poll.closed_now" if changed else "poll.already_closed"))
    await _refresh(update, context, poll_id)


@translated_errors
async def cb_publish(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    poll_id = parse_id(query.data, "pp:")
    assert poll_id is not None
    tr = await context.translator_for(update)
    recipients = await context.services.polls.publish(query.from_user.id, poll_id)
    await query.answer(tr.tn("poll.published", recipients))
    context.wake_sender()


@translated_errors
async def cmd_closepoll(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    await _authorize(context, user.id, "poll.close")
    tr = await context.translator_for(update)
    open_polls = [
        p
        for v in await context.services.sessions.for_moderators(user.id)
        for p in await context.services.polls.for_session(v.id)
        if p.status == "open"
    ]
    if not open_polls:
        await reply(update, tr.t("poll.none_open"))
        return
    buttons = [
        [
            InlineKeyboardButton(
                f"#{p.id} {p.question(tr.language)[:40]}", callback_data=f"pc:{p.id}"
            )
        ]
        for p in open_polls[:10]
    ]
    await reply(update, tr.t("poll.pick_close"), InlineKeyboardMarkup(buttons))


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("poll", cmd_poll, filters=PRIVATE),
            CommandHandler("closepoll", cmd_closepoll, filters=PRIVATE),
            CallbackQueryHandler(cb_session, pattern=r"^pn:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_kind, pattern=r"^pk:[a-z]{1,10}$"),
            CallbackQueryHandler(cb_launch, pattern=LAUNCH),
            CallbackQueryHandler(cb_close, pattern=r"^pc:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_publish, pattern=r"^pp:[0-9]{1,9}$"),
        ]
    )
