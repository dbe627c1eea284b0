"""The baseline of the poll and question benchmarks: a bare python-telegram-bot echo bot.

An `Application` with nothing but a `MessageHandler` that echoes text and a
`CallbackQueryHandler` that answers callbacks, polling the same emulation as our bot (no
database, no rate limiter, updates one at a time as in our bot). Run as its own process::

    python -m bench.echo_bot --base-url URL --token TOKEN

It runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def answer(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer("✅")


async def serve(base_url: str, token: str, file_url: str | None) -> None:
    builder = Application.builder().token(token).base_url(base_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=10, allowed_updates=["message", "callback_query"]
        )
        await stop.wait()
        await app.updater.stop()
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-file-url")
    args = parser.parse_args()
    asyncio.run(serve(args.base_url, args.token, args.base_file_url))


if __name__ == "__main__":
    main()
