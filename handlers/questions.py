"""Questions (SPEC §3), the viewers' side: /ask (or the Ask button), /questions with
upvotes, /my; edit, withdraw and anonymity of a pending question. New questions go to the
moderators' feed. `register` also registers the moderators' side (handlers/moderation.py).
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from domain.errors import DomainError
from domain.question_views import IntakeSession
from domain.steps import Step
from handlers import moderation
from handlers import question_render as render
from handlers.common import PRIVATE, keyboard, reply
from handlers.context import BotApp, BotContext, profile_of
from handlers.question_common import answer, command_text, numbers, question_errors
from handlers.question_feed import feed

ASK = "ask:"
ASK_TEXT = "ask:text"
ASK_EDIT = "ask:edit"


async def _prompt(update: Update, context: BotContext, session: IntakeSession) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    await context.services.steps.set(user.id, Step(ASK_TEXT, {"session": session.id}))
    await reply(
        update,
        tr.t("question.prompt", title=session.title(tr.language)),
        keyboard(
            [
                [(tr.t("question.button.make_anonymous"), "aa:1")],
                [(tr.t("wizard.cancel"), "x")],
            ]
        ),
    )


async def submit(
    update: Update,
    context: BotContext,
    session_id: int | None,
    text: str,
    *,
    anonymous: bool = False,
    from_step: bool = False,
) -> None:
    message = update.effective_message
    assert message is not None
    services = context.services
    result = await services.questions.submit(
        profile_of(update),
        session_id,
        text,
        chat_id=message.chat_id,
        message_id=message.message_id,
        anonymous=anonymous,
        consume_step=from_step,
    )
    if result.language is not None:  # read by the use case: no second query
        tr = context.use_language(result.language)
    else:
        tr = await context.translator_for(update)
    question = result.question
    again = not result.created
    # Through the asker's lane: in a rush, confirmations wait there for Telegram's 30
    # messages a second while the updates behind them go on (the question is stored).
    feed(context).say(
        message.chat_id,
        render.received_text(tr, question, again=again),
        render.own_rows(tr, question),
    )
    if result.created:
        for chat_id, language in await services.question_desk.feed_chats():
            feed(context).new_question(chat_id, language, question.id)


@question_errors
async def cmd_ask(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text = command_text(message.text)
    if text:
        await submit(update, context, None, text)
        return
    sessions = await context.services.questions.open_sessions()
    if not sessions:
        raise DomainError("question.no_session")
    if len(sessions) == 1:
        await _prompt(update, context, sessions[0])
        return
    tr = await context.translator_for(update)
    rows = [[(f"🔴 {s.title(tr.language)[:40]}", f"ask:{s.id}")] for s in sessions[:10]]
    await reply(update, tr.t("question.pick"), keyboard(rows))


@question_errors
async def cb_ask(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (session_id,) = numbers(query.data, "ask:")
    session = await context.services.questions.check_open(session_id)
    await answer(query)
    await _prompt(update, context, session)


@question_errors
async def cb_ask_anonymous(update: Update, context: BotContext) -> None:
    """The toggle under the prompt: ask with or without the name."""
    query = update.callback_query
    assert query is not None
    on = query.data == "aa:1"
    steps = context.services.steps
    step = await steps.get(query.from_user.id)
    if step is None or step.kind != ASK_TEXT:
        raise DomainError("question.prompt_expired")
    await steps.set(query.from_user.id, Step(ASK_TEXT, {**step.data, "anonymous": on}))
    tr = await context.translator_for(update)
    await answer(query, tr.t("question.anonymous_chosen" if on else "question.name_chosen"))
    toggle = (
        ("question.button.show_name", "aa:0") if on else ("question.button.make_anonymous", "aa:1")
    )
    await query.edit_message_reply_markup(
        keyboard([[(tr.t(toggle[0]), toggle[1])], [(tr.t("wizard.cancel"), "x")]])
    )


@question_errors
async def on_ask_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    """The text after the Ask button or `/ask`, or the new text of a pending question."""
    if step.kind == ASK_TEXT:
        await submit(
            update,
            context,
            int(step.data["session"]),
            text,
            anonymous=bool(step.data.get("anonymous")),
            from_step=True,
        )
        return
    user = update.effective_user
    assert user is not None
    question = await context.services.questions.edit(user.id, int(step.data["question"]), text)
    tr = await context.translator_for(update)
    await reply(
        update, tr.t("question.edited", number=question.id), render.own_markup(tr, question)
    )
    await feed(context).refresh([question.id])


@question_errors
async def cb_edit(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (question_id,) = numbers(query.data, "qe:")
    user_id = query.from_user.id
    question = await context.services.questions.check_own(user_id, question_id)
    await context.services.steps.set(user_id, Step(ASK_EDIT, {"question": question.id}))
    tr = await context.translator_for(update)
    await answer(query)
    await reply(
        update,
        tr.t("question.edit_prompt", number=question.id, text=question.text),
        keyboard([[(tr.t("wizard.cancel"), "x")]]),
    )


@question_errors
async def cb_withdraw(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    (question_id,) = numbers(query.data, "qz:")
    question = await context.services.questions.withdraw(query.from_user.id, question_id)
    tr = await context.translator_for(update)
    await answer(query, tr.t("question.withdrawn", number=question.id))
    await reply(update, tr.t("question.withdrawn", number=question.id))
    await feed(context).refresh([question.id])


@question_errors
async def cb_anonymous(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    question_id, on = numbers(query.data, "qn:")
    question = await context.services.questions.set_anonymous(
        query.from_user.id, question_id, bool(on)
    )
    tr = await context.translator_for(update)
    key = "question.anonymous_on" if question.anonymous else "question.anonymous_off"
    await answer(query, tr.t(key, number=question.id))
    if query.message is not None:
        with contextlib.suppress(BadRequest):  # not modified
            await query.edit_message_reply_markup(render.own_markup(tr, question))
    await feed(context).refresh([question.id])


@question_errors
async def cmd_questions(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    board = await context.services.questions.board(user.id, None)
    await reply(update, render.board_text(tr, board), render.board_markup(tr, board, user.id))


@question_errors
async def cb_board_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    session_id, page = numbers(query.data, "ql:")
    user_id = query.from_user.id
    board = await context.services.questions.board(user_id, session_id, page)
    tr = await context.translator_for(update)
    await answer(query)
    with contextlib.suppress(BadRequest):  # not modified
        await query.edit_message_text(
            render.board_text(tr, board), reply_markup=render.board_markup(tr, board, user_id)
        )


@question_errors
async def cb_vote(update: Update, context: BotContext) -> None:
    """The hot path: one transaction, then the answer and at most one coalesced board edit,
    both off the chat's turn."""
    query = update.callback_query
    assert query is not None
    session_id, question_id, page = numbers(query.data, "qv:")
    vote = await context.services.questions.vote(
        profile_of(update), session_id, question_id, query.id
    )
    if vote.language is not None:  # read by the use case: no second query
        tr = context.use_language(vote.language)
    else:
        tr = await context.translator_for(update)
    key = {
        True: "question.vote.added",
        False: "question.vote.removed",
        None: "question.vote.counted",
    }
    # Not awaited: the chat's next update (a viewer's second vote) need not wait for
    # Telegram's reply; the application's stop() awaits the task, errors reach the handler.
    context.application.create_task(
        answer(query, tr.t(key[vote.active], number=question_id)), update=update
    )
    message = query.message
    if vote.active is not None and message is not None:
        feed(context).edit_board(
            message.chat.id, message.message_id, query.from_user.id, session_id, page, tr.language
        )


@question_errors
async def cmd_my(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    tr = await context.translator_for(update)
    mine = await context.services.questions.mine(user.id)
    await reply(update, render.mine_text(tr, mine), render.mine_markup(tr, mine))


def register(app: BotApp) -> None:
    moderation.register(app)
    app.add_handlers(
        [
            CommandHandler("ask", cmd_ask, filters=PRIVATE),
            CommandHandler("questions", cmd_questions, filters=PRIVATE),
            CommandHandler("my", cmd_my, filters=PRIVATE),
            CallbackQueryHandler(cb_ask, pattern=r"^ask:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_ask_anonymous, pattern=r"^aa:[01]$"),
            CallbackQueryHandler(cb_edit, pattern=r"^qe:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_withdraw, pattern=r"^qz:[0-9]{1,9}$"),
            CallbackQueryHandler(cb_anonymous, pattern=r"^qn:[0-9]{1,9}:[01]$"),
            CallbackQueryHandler(cb_board_page, pattern=r"^ql:[0-9]{1,9}:[0-9]{1,4}$"),
            CallbackQueryHandler(cb_vote, pattern=r"^qv:[0-9]{1,9}:[0-9]{1,9}:[0-9]{1,4}$"),
        ]
    )
