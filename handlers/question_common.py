"""Helpers shared by the questions handlers: error translation, callback answers, parsing."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from domain.errors import DomainError
from domain.question_views import AlreadyHandled, CardRef, NotOpenYet, RateLimited
from handlers import question_render as render
from handlers.common import reply
from handlers.context import BotContext
from handlers.question_feed import feed
from locales import Markup

P = ParamSpec("P")
COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


def question_errors(
    handler: Callable[Concatenate[Update, BotContext, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, BotContext, P], Coroutine[Any, Any, None]]:
    """Translate refusals once: an alert for a button, else a reply (with plural forms and
    times where the refusal carries them). A moderator who lost a race is told the state the
    question is in now, and every card of it is refreshed to that state."""

    @functools.wraps(handler)
    async def wrapper(
        update: Update, context: BotContext, /, *args: P.args, **kw: P.kwargs
    ) -> None:
        try:
            await handler(update, context, *args, **kw)
        except DomainError as error:
            tr = await context.translator_for(update)
            if isinstance(error, AlreadyHandled):
                status = render.status_label(tr, error.status)
                text = tr.t("moderation.already_handled", state=Markup(status))
                pressed = pressed_card(update, context, tr.language, error.question_id)
                await feed(context).refresh([error.question_id], pressed)
            elif isinstance(error, RateLimited):
                text = tr.tn("question.rate_limit", error.limit)
            elif isinstance(error, NotOpenYet):
                when = tr.when(error.opens, context.services.zone)
                text = tr.t("question.not_open_yet", opens=Markup(when))
            else:
                text = tr.t(error.key, **error.params)
            chat = update.effective_chat
            if update.callback_query is not None:
                await answer(update.callback_query, text, alert=True)
            elif chat is not None and chat.type != "private":
                feed(context).say(chat.id, text)  # a group: never wait for its rate limit
            else:
                await reply(update, text)

    return wrapper


def pressed_card(
    update: Update, context: BotContext, language: str, question_id: int
) -> CardRef | None:
    """The card message whose button this callback query came from, if any."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None or not str(query.data if query else "").startswith("q"):
        return None
    if message.chat.type != "private":
        language = context.services.question_desk.default_language
    return CardRef(message.chat.id, message.message_id, language, question_id)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query; a redelivered query can no longer be answered, and that is
    fine."""
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=alert)


def numbers(data: str | None, prefix: str) -> list[int]:
    """The numbers after `prefix` in callback data the pattern already checked."""
    assert data is not None
    assert data.startswith(prefix)
    return [int(part) for part in data.removeprefix(prefix).split(":") if part.isdigit()]


def command_text(text: str | None) -> str:
    """What follows the command (`/ask@bot text` → `text`), line breaks kept."""
    return COMMAND.sub("", text or "", count=1).strip()
