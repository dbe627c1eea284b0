"""Viewers vote: a tap on their ballot, an open answer or comment, a native poll answer."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler, PollAnswerHandler

import metrics
from domain.steps import Step
from handlers import poll_render
from handlers.common import keyboard, reply, translated_errors
from handlers.context import POLL_CARDS_KEY, BotApp, BotContext
from handlers.poll_cards import PollCards

VOTE = re.compile(r"^pv:([0-9]{1,9}):([0-9]{1,2})$")
TEXT = re.compile(r"^pt:([0-9]{1,9})$")
STEP = "pollans:"


def _cards(context: BotContext) -> PollCards | None:
    cards = context.bot_data.get(POLL_CARDS_KEY)
    return cards if isinstance(cards, PollCards) else None


@translated_errors
async def cb_vote(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    match = VOTE.match(query.data or "")
    assert match is not None  # the handler's pattern
    poll_id, position = int(match.group(1)), int(match.group(2))
    vote = await context.services.polls.vote(query.from_user.id, poll_id, position)
    metrics.VOTES.labels("poll").inc()
    if vote.language is not None:  # read by the vote itself: no second query
        tr = context.use_language(vote.language)
    else:
        tr = await context.translator_for(update)
    await query.answer(tr.t("poll.voted" if vote.choices else "poll.vote_removed"))
    cards = _cards(context)
    if cards is not None:
        cards.mark(poll_id)
        message = query.message
        if message is not None:
            text, markup = poll_render.ballot(tr, vote.poll, vote.choices)
            cards.coalescer.edit(message.chat.id, message.message_id, text, markup)


@translated_errors
async def cb_text(update: Update, context: BotContext) -> None:
    """ "Answer" on an open poll or "Comment" on the survey: the next text is the answer."""
    query = update.callback_query
    assert query is not None
    match = TEXT.match(query.data or "")
    assert match is not None
    poll = await context.services.polls.get(int(match.group(1)))
    if poll.status != "open":
        tr = await context.translator_for(update)
        await query.answer(tr.t("poll.closed"), show_alert=True)
        return
    tr = await context.translator_for(update)
    await context.services.steps.set(query.from_user.id, Step(f"{STEP}{poll.id}"))
    await query.answer()
    await reply(update, tr.t("poll.send_answer"), keyboard([[(tr.t("wizard.cancel"), "x")]]))


async def on_answer_text(update: Update, context: BotContext, step: Step, text: str) -> None:
    user = update.effective_user
    assert user is not None
    poll_id = int(step.kind.removeprefix(STEP))
    await context.services.steps.clear(user.id)
    await context.services.polls.answer_text(user.id, poll_id, text)
    tr = await context.translator_for(update)
    await reply(update, tr.t("poll.answer_saved"))
    cards = _cards(context)
    if cards is not None:
        cards.mark(poll_id)


async def on_poll_answer(update: Update, context: BotContext) -> None:
    """An answer to the channel's native poll (or a retraction: no options)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous chat voted: Telegram gives us no person to count once
    poll_id = await context.services.polls.native_answer(
        answer.poll_id, answer.user.id, list(answer.option_ids)
    )
    cards = _cards(context)
    if poll_id is not None and cards is not None:
        cards.mark(poll_id)


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CallbackQueryHandler(cb_vote, pattern=VOTE),
            CallbackQueryHandler(cb_text, pattern=TEXT),
            PollAnswerHandler(on_poll_answer),
        ]
    )
