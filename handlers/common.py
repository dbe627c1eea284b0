"""Small pieces every handler module uses: filters, replies, error translation."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import filters
from telegram.warnings import PTBUserWarning

from domain.errors import DomainError
from handlers.context import BotContext
from locales import Translator

log = logging.getLogger(__name__)

# New messages in a private chat; edits are not commands.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


Rows = Sequence[Sequence[tuple[str, str]]]  # an inline keyboard: rows of (label, callback data)


def keyboard(rows: Rows) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def keyboard_json(rows: Rows) -> dict[str, Any]:
    """The same keyboard as the Bot API's JSON, for `quietly`: building python-telegram-bot's
    button objects only to turn them back into JSON cost as much as the edit's request."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


QUIET = ("sendMessage", "editMessageText")
# `quietly` calls these through do_api_request on purpose, which python-telegram-bot answers
# with a warning to use its own method (that parses the result we do not need).
warnings.filterwarnings(
    "ignore", message=rf"Please use 'Bot\.({'|'.join(QUIET)})'", category=PTBUserWarning
)


async def quietly(bot: Bot, method: str, **params: Any) -> None:
    """A Bot API call whose answer the caller does not use (a confirmation, an edit that
    shows the new state), through python-telegram-bot's `do_api_request`, which leaves the
    answer as JSON: turning each returned message into objects was a tenth of the bot's CPU
    in a rush of questions (`python -m bench.ingest --profile`). The flood limiter and the
    HTTP client see it as the method it is. Defaults are not applied, so the parse mode is
    given here; errors are raised as usual (BadRequest for "message is not modified"). A
    `reply_markup` may be plain `Rows`, sent as JSON without button objects."""
    assert method in QUIET, method
    params.setdefault("parse_mode", ParseMode.HTML)
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, InlineKeyboardMarkup):
        params["reply_markup"] = keyboard_json(markup)  # rows (`Rows`)
    await bot.do_api_request(method, api_kwargs={k: v for k, v in params.items() if v is not None})


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
