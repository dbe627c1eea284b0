"""The baseline: a bare python-telegram-bot sender, no database, paced like the Broadcaster.

A plain `telegram.Bot` sends one message to each of `--count` private chats, starting at most
`--rate` sends per second evenly spaced (the same `Pacer`), up to 64 in flight, and on 429
waits `retry_after` and sends again. Run as its own process so that it, like the bot, has a
core of its own while the emulation runs in the benchmark process::

    python -m bench.bare --base-url URL --token TOKEN --first-id 10000001 --count 500 --rate 25
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from handlers.broadcaster import Pacer, retry_seconds

MAX_IN_FLIGHT = 64
TEXT = (
    "🔴 <b>National plan session</b> is live now.\n\n\u2068An open dialogue with management\u2069"
)
MARKUP = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("YouTube", url="https://youtube.com/live/abc")],
        [InlineKeyboardButton("X", url="https://x.com/i/b/1")],
    ]
)


async def send_all(
    bot: Bot, chat_ids: range, rate: float, paid: bool, in_flight: int = MAX_IN_FLIGHT
) -> dict[str, float]:
    pacer = Pacer(rate)
    limit = asyncio.Semaphore(in_flight)
    throttled = 0

    async def send(chat_id: int) -> None:
        nonlocal throttled
        try:
            while True:
                try:
                    await bot.send_message(
                        chat_id,
                        TEXT,
                        parse_mode=ParseMode.HTML,
                        reply_markup=MARKUP,
                        allow_paid_broadcast=paid or None,
                    )
                    return
                except RetryAfter as error:
                    throttled += 1
                    pacer.pause(retry_seconds(error))
                    await pacer.wait()
        finally:
            limit.release()

    started, cpu = time.monotonic(), time.process_time()
    tasks = []
    for chat_id in chat_ids:
        await pacer.wait()
        await limit.acquire()
        tasks.append(asyncio.create_task(send(chat_id)))
    await asyncio.gather(*tasks)
    return {
        "sent": len(chat_ids),
        "throttled": throttled,
        "seconds": time.monotonic() - started,
        "cpu": time.process_time() - cpu,
    }


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    async with Bot(args.token, base_url=args.base_url) as bot:
        chat_ids = range(args.first_id, args.first_id + args.count)
        return await send_all(bot, chat_ids, args.rate, args.paid, args.in_flight)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--first-id", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--paid", action="store_true")
    parser.add_argument("--in-flight", type=int, default=MAX_IN_FLIGHT)
    print(json.dumps(asyncio.run(main_async(parser.parse_args()))))


if __name__ == "__main__":
    main()
