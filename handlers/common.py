"""Small pieces every handler module uses: filters, replies, error translation."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import filters

from domain.errors import DomainError
from handlers.context import BotContext
from locales import Translator

log = logging.getLogger(__name__)

# New messages in a private chat; edits are not commands.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup)


def translated_errors(handler: Handler) -> Handler:
    """Turn a DomainError into one translated answer: an alert for a button, else a reply."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            await handler(update, context)
        except DomainError as error:
            tr: Translator = await context.translator_for(update)
            text = tr.t(error.key, **error.params)
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await reply(update, text)

    return wrapper
