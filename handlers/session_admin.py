"""Moderators: /newsession (guided, survives restarts), session card actions, /golive, /end."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain import validation
from domain.errors import DomainError
from domain.roles import Capability
from domain.sessions import EDITABLE, SessionView
from domain.steps import Step
from domain.wizard import WizardState
from handlers import render
from handlers.broadcast_ui import start_progress
from handlers.common import PRIVATE, keyboard, reply, translated_errors
from handlers.context import BotApp, BotContext
from handlers.sessions import parse_id, send_card
from locales import Translator

EDIT_PREFIX = "edit:"


def wizard_prompt(tr: Translator, state: WizardState) -> tuple[str, InlineKeyboardMarkup | None]:
    cancel = (tr.t("wizard.cancel"), "nw:cancel")
    if state.step == "streams":
        count = len(state.data.get("streams", []))
        text = tr.t("wizard.streams") if not count else tr.tn("wizard.streams_more", count)
        rows = [[(tr.t("wizard.done"), "nw:done")]] if count else []
        return text, keyboard([*rows, [cancel]])
    if state.step == "confirm":
        data = state.data
        text = tr.t(
            "wizard.confirm",
            title_ar=str(data["title_ar"]),
            title_en=str(data["title_en"]),
            count=len(data["streams"]),
        )
        return text, keyboard(
            [[(tr.t("wizard.publish"), "nw:publish"), (tr.t("wizard.draft"), "nw:draft")], [cancel]]
        )
    return tr.t(f"wizard.{state.step}"), keyboard([[cancel]])


@translated_errors
async def cmd_newsession(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    state = await context.services.wizard.begin(user.id)
    await reply(update, *wizard_prompt(tr, state))


async def on_wizard_text(update: Update, context: BotContext, text: str) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    try:
        state = await context.services.wizard.answer(user.id, text)
    except DomainError as error:
        current = await context.services.wizard.current(user.id)
        message = tr.t(error.key, **error.params)
        if current is not None:
            prompt, markup = wizard_prompt(tr, current)
            await reply(update, f"{message}\n\n{prompt}", markup)
            return
        raise
    await reply(update, *wizard_prompt(tr, state))


@translated_errors
async def cb_wizard(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    wizard = context.services.wizard
    tr = await context.translator_for(update)
    actor = query.from_user.id
    action = query.data.removeprefix("nw:")
    await query.answer()
    if action == "cancel":
        await wizard.cancel(actor)
        await query.edit_message_text(tr.t("wizard.cancelled"))
    elif action == "done":
        state = await wizard.streams_done(actor)
        text, markup = wizard_prompt(tr, state)
        await query.edit_message_text(text, reply_markup=markup)
    else:
        view = await wizard.finish(actor, publish=action == "publish")
        await query.edit_message_text(tr.t("wizard.created", number=view.id))
        await send_card(update, context, view.id)


async def _pick(
    update: Update, context: BotContext, statuses: tuple[str, ...], prefix: str, empty: str
) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    views = [
        v for v in await context.services.sessions.for_moderators(user.id) if v.status in statuses
    ]
    if context.args:
        session_id = parse_id(prefix + context.args[0], prefix)
        if session_id is None:
            raise DomainError("session.bad_id")
        views = [await context.services.sessions.get(session_id)]
    if not views:
        await reply(update, tr.t(empty))
        return
    buttons = [
        [
            InlineKeyboardButton(
                f"#{v.id} {v.title(tr.language)[:40]}", callback_data=f"{prefix}{v.id}"
            )
        ]
        for v in views[:10]
    ]
    await reply(update, tr.t("session.pick"), InlineKeyboardMarkup(buttons))


@translated_errors
async def cmd_golive(update: Update, context: BotContext) -> None:
    await _pick(update, context, ("draft", "scheduled"), "gl:", "session.none_to_golive")


@translated_errors
async def cmd_end(update: Update, context: BotContext) -> None:
    await _pick(update, context, ("live",), "end:", "session.none_live")


@translated_errors
async def cb_golive_ask(update: Update, context: BotContext) -> None:
    """First press: say what will happen and ask to confirm (it messages every subscriber)."""
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "gl:")
    assert session_id is not None
    services = context.services
    await services.roles.authorize(query.from_user.id, Capability.MODERATE, "session.golive")
    tr = await context.translator_for(update)
    view = await services.sessions.get(session_id)
    if view.status not in ("draft", "scheduled"):
        raise DomainError(f"session.already_{view.status}")
    await query.answer()
    await reply(
        update,
        tr.t("session.golive_confirm", title=view.title(tr.language)),
        keyboard(
            [[(tr.t("session.golive_now"), f"glc:{session_id}"), (tr.t("wizard.cancel"), "x")]]
        ),
    )


@translated_errors
async def cb_golive(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "glc:")
    assert session_id is not None
    tr = await context.translator_for(update)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    result = await context.services.sessions.go_live(
        query.from_user.id, session_id, progress_chat_id=chat_id
    )
    await query.answer(tr.t("session.now_live"))
    await query.edit_message_text(
        tr.t("session.went_live", title=result.session.title(tr.language))
    )
    await start_progress(context, tr, result.broadcast_id, chat_id)


@translated_errors
async def cb_end(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "end:")
    assert session_id is not None
    tr = await context.translator_for(update)
    view = await context.services.sessions.end(query.from_user.id, session_id)
    await query.answer(tr.t("session.ended_ok"))
    _, recipients = await context.services.polls.survey(query.from_user.id, session_id)
    context.wake_sender()
    await reply(update, tr.t("session.ended", title=view.title(tr.language)))
    await reply(update, tr.tn("poll.survey_sent", recipients))


@translated_errors
async def cb_publish(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "pub:")
    assert session_id is not None
    tr = await context.translator_for(update)
    view = await context.services.sessions.publish(query.from_user.id, session_id)
    await query.answer(tr.t("session.published"))
    await _refresh_card(update, context, tr, view)


@translated_errors
async def cb_auto(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id = parse_id(query.data, "auto:")
    assert session_id is not None
    tr = await context.translator_for(update)
    services = context.services
    current = await services.sessions.get(session_id)
    view = await services.sessions.set_auto_golive(
        query.from_user.id, session_id, not current.auto_golive
    )
    await query.answer(tr.t("session.auto_on" if view.auto_golive else "session.auto_off"))
    await _refresh_card(update, context, tr, view)


async def _refresh_card(
    update: Update, context: BotContext, tr: Translator, view: SessionView
) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    link = render.deep_link(context.bot.username, view.id)
    text, markup = render.moderator_card(tr, view, context.services.zone, link=link)
    await query.edit_message_text(text, reply_markup=markup)


@translated_errors
async def cb_edit(update: Update, context: BotContext) -> None:
    """An edit button: remember which field the next text message is for."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    _, field, raw_id = query.data.split(":")
    if field not in EDITABLE or not raw_id.isdigit():
        return
    services = context.services
    await services.roles.authorize(query.from_user.id, Capability.MODERATE, "session.edit")
    view = await services.sessions.get(int(raw_id))
    tr = await context.translator_for(update)
    await services.steps.set(
        query.from_user.id, Step(f"{EDIT_PREFIX}{field}", {"session": view.id})
    )
    await query.answer()
    await reply(update, tr.t(f"edit.prompt.{field}"), keyboard([[(tr.t("wizard.cancel"), "x")]]))


async def on_edit_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    tr = await context.translator_for(update)
    field = step.kind.removeprefix(EDIT_PREFIX)
    value: str | datetime | tuple[tuple[str, str], ...] | None
    if field in ("title_ar", "title_en"):
        value = validation.title(text)
    elif field in ("description_ar", "description_en"):
        value = None if text.strip() == "-" else validation.description(text)
    elif field == "starts_at":
        value = validation.start_time(text, services.zone, services.sessions.clock())
    else:
        value = tuple(validation.stream_link(line) for line in text.split() if line)
    view = await services.sessions.edit(user.id, int(step.data["session"]), field, value)
    await services.steps.clear(user.id)
    await reply(update, tr.t("edit.saved"))
    await send_card(update, context, view.id)


@translated_errors
async def cb_dismiss(update: Update, context: BotContext) -> None:
    """A Cancel button under a prompt: forget the pending step and remove the buttons."""
    query = update.callback_query
    assert query is not None
    await context.services.steps.clear(query.from_user.id)
    tr = await context.translator_for(update)
    await query.answer()
    await query.edit_message_text(tr.t("wizard.cancelled"))


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("newsession", cmd_newsession, filters=PRIVATE),
            CommandHandler("golive", cmd_golive, filters=PRIVATE),
            CommandHandler("end", cmd_end, filters=PRIVATE),
            CallbackQueryHandler(cb_wizard, pattern=r"^nw:(cancel|done|publish|draft)$"),
            CallbackQueryHandler(cb_golive_ask, pattern=r"^gl:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_golive, pattern=r"^glc:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_end, pattern=r"^end:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_publish, pattern=r"^pub:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_auto, pattern=r"^auto:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_edit, pattern=r"^ed:[a-z_]{1,20}:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_dismiss, pattern=r"^x$"),
        ]
    )
