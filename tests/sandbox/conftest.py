"""Fixtures for the Bot API emulation: a running emulator, a driver, PTB clients."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)

from sandbox import BotApiEmulator, Driver, RateLimits


async def eventually(condition: Callable[[], bool], within: float = 3.0) -> None:
    """Wait until ``condition()`` holds (polling every 5 ms)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A running emulator without flood limits."""
    emulator = BotApiEmulator(limits=RateLimits(enabled=False))
    await emulator.start()
    yield emulator
    await emulator.stop()
    assert emulator.errors == []


@pytest.fixture
def drv(emu: BotApiEmulator) -> Driver:
    return Driver(emu)


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A python-telegram-bot ``Bot`` talking to the emulator over HTTP."""
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


def build_app(emu: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )


async def _record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("updates", []).append(update)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await message.reply_text(message.text)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("نعم", callback_data="vote:yes"),
                InlineKeyboardButton("No", callback_data="vote:no"),
            ],
            [InlineKeyboardButton("Silent", callback_data="silent")],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    await message.reply_html("<b>Welcome</b> &amp; vote", reply_markup=keyboard)


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "silent":
        return
    await query.answer(f"got {query.data}", show_alert=query.data == "vote:no")


async def _poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("poll_answers", []).append(update.poll_answer)


async def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("members", []).append(update.my_chat_member)


@pytest.fixture
async def echo_app(
    emu: BotApiEmulator,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A small PTB application polling the emulator: echo, /start keyboard, polls, members."""
    app = build_app(emu)
    app.add_handler(TypeHandler(Update, _record), group=-1)
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))
    app.add_handler(PollAnswerHandler(_poll_answer))
    app.add_handler(ChatMemberHandler(_member, ChatMemberHandler.MY_CHAT_MEMBER))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    await eventually(lambda: emu.queue.allowed is not None)  # the first getUpdates arrived
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
