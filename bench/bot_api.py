"""The CPU cost of one Bot API call made through python-telegram-bot: with its default
`HTTPXRequest` (httpx, what the echo bot of the load benchmarks uses) and with our
`BoundedRequest` (aiohttp, bot/http.py), side by side in one run.

A stub Bot API (aiohttp, in a process of its own) answers `answerCallbackQuery` with true
and `editMessageText` with a message, the two calls of a vote. The benchmark process makes
`--calls` calls through a `telegram.Bot` with each request class, `--concurrency` at once,
half of each kind, alternating the two classes `--rounds` times, and reports the CPU time of
the calling process per call (medians of the rounds) and their ratio.

    python -m bench.bot_api                 # 4,000 calls, 5 rounds; writes docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from aiohttp import web
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.load import load_average
from bench.report import DocSection, revision
from bot.http import BoundedRequest

DOC = DocSection(
    Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md",
    "<!-- bench:bot-api:start -->",
    "<!-- bench:bot-api:end -->",
    "## The bot's HTTP client: CPU per Bot API call",
)
TOKEN = "123:bench"  # noqa: S105  # the stub accepts any token
MESSAGE = {"message_id": 5, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "x" * 200}
CLIENTS = ("python-telegram-bot's HTTPXRequest", "our BoundedRequest (aiohttp)")


async def _answer(request: web.Request) -> web.Response:
    await request.read()
    method = request.match_info["method"]
    if method == "getMe":
        me = {"id": 123, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        return web.json_response({"ok": True, "result": me})
    return web.json_response(
        {"ok": True, "result": MESSAGE if method == "editMessageText" else True}
    )


def serve(port: int) -> None:
    """The stub Bot API (run in its own process)."""
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", _answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextlib.contextmanager
def stub_api() -> Iterator[str]:
    """The stub in another process; yields its base URL once it accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen([sys.executable, "-m", "bench.bot_api", "--serve", str(port)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the stub Bot API did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        child.terminate()
        child.wait(10)


def client(name: str) -> BaseRequest:
    if name == CLIENTS[0]:
        return HTTPXRequest(connection_pool_size=32)  # the echo bot's, with room for the load
    return BoundedRequest()


async def calls(base_url: str, name: str, count: int, concurrency: int) -> tuple[float, float]:
    """(CPU seconds per call, calls per second of wall time)."""
    bot = Bot(TOKEN, base_url=base_url, request=client(name))
    async with bot:
        turns = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with turns:
                if i % 2:
                    await bot.answer_callback_query(str(i), text="✅")
                else:
                    await bot.edit_message_text("ballot " * 20, chat_id=7, message_id=5)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return (time.process_time() - cpu) / count, count / (time.perf_counter() - wall)


@dataclass
class Result:
    calls: int
    concurrency: int
    cpu: dict[str, list[float]] = field(default_factory=dict)
    rate: dict[str, list[float]] = field(default_factory=dict)

    def ratios(self) -> list[float]:
        theirs, ours = (self.cpu[name] for name in CLIENTS)
        return [o / t for o, t in zip(ours, theirs, strict=True)]


async def run(count: int, rounds: int, concurrency: int, say: bool = True) -> Result:
    result = Result(count, concurrency)
    with stub_api() as base_url:
        for name in CLIENTS:  # a warm-up round each: connections, imports, caches
            await calls(base_url, name, min(count, 200), concurrency)
        for _ in range(rounds):
            for name in CLIENTS:
                cpu, rate = await calls(base_url, name, count, concurrency)
                result.cpu.setdefault(name, []).append(cpu)
                result.rate.setdefault(name, []).append(rate)
                if say:
                    print(f"{name:40} {cpu * 1000:6.3f} ms CPU per call  {rate:7.0f} calls/s")
    return result


def render(result: Result, command: str, started: datetime) -> str:
    rounds = len(result.cpu[CLIENTS[0]])
    lines = [
        f"Command: `{command}` (or `make bench-bot-api`), started {started:%Y-%m-%d %H:%M} UTC, "
        f"load average {load_average()} at the end. Code measured: `{revision()}`.",
        "",
        f"{result.calls:,} calls per round (half `answerCallbackQuery`, half "
        f"`editMessageText`), {result.concurrency} at once, through `telegram.Bot` against a "
        "stub Bot API in another process; the two clients alternate, medians of "
        f"{rounds} rounds. CPU of the calling process only (python-telegram-bot's own work "
        "included: building the request, parsing the answer).",
        "",
        "| client | CPU per call | calls/s (wall) |",
        "|---|---:|---:|",
    ]
    for name in CLIENTS:
        cpu, rate = median(result.cpu[name]), median(result.rate[name])
        lines.append(f"| {name} | {cpu * 1000:.3f} ms | {rate:,.0f} |")
    ratio = median(result.ratios())
    lines += [
        "",
        f"Ours ÷ python-telegram-bot's default, CPU per call (median of the per-round ratios): "
        f"**{ratio:.2f}**. Every answer, edit and message of the bot goes through this client "
        "(bot/http.py), so the load benchmarks above measure it too.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the stub's process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    started = datetime.now(UTC)
    result = asyncio.run(run(args.calls, args.rounds, args.concurrency))
    command = "python -m bench.bot_api" + "".join(f" {a}" for a in sys.argv[1:] if a != "--no-docs")
    section = render(result, command, started)
    print(section)
    if not args.no_docs:
        DOC.write(section)


if __name__ == "__main__":
    main()
