"""bot/http.py: requests in flight are bounded, a pooled connection the server closed is
replaced, messages skip the turn, parameters go as JSON and uploads as multipart, and
failures are the errors python-telegram-bot expects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.http import BoundedRequest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def serving(path: str, handler: Handler) -> AsyncIterator[str]:
    """A local HTTP server answering POSTs on `path`; yields its base URL."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def post_once(handler: Handler, **params: object) -> int:
    """One POST of these parameters through a fresh BoundedRequest; the status."""
    request = BoundedRequest()
    await request.initialize()
    try:
        async with serving("/method", handler) as base:
            data = RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])
            return (await request.do_request(f"{base}/method", "POST", data))[0]
    finally:
        await request.shutdown()


async def test_in_flight_is_bounded_and_closed_connections_are_replaced() -> None:
    running = 0
    most = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        close = request.query.get("close") == "1"
        return web.json_response({"ok": True}, headers={"Connection": "close"} if close else {})

    request = BoundedRequest(in_flight=4)
    await request.initialize()
    try:
        async with serving("/slow", slow) as base:
            url = f"{base}/slow"
            answers = await asyncio.gather(*(request.do_request(url, "POST") for _ in range(20)))
            assert all(code == 200 for code, _ in answers)
            assert most == 4  # never more than the bound, and the bound was used
            # the server closes the connection after answering: the next request still works
            assert (await request.do_request(url + "?close=1", "POST"))[0] == 200
            assert (await request.do_request(url, "POST"))[0] == 200
    finally:
        await request.shutdown()


async def test_messages_do_not_wait_behind_other_requests() -> None:
    """The flood limiter counted the message when it let it go: no wait after that."""

    async def method(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getChat":
            await asyncio.sleep(0.5)
        return web.json_response({"ok": True})

    request = BoundedRequest(in_flight=1, messages=1)
    await request.initialize()
    try:
        async with serving("/bot123:abc/{method}", method) as server:
            base = f"{server}/bot123:abc"
            slow = asyncio.create_task(request.do_request(f"{base}/getChat", "POST"))
            await asyncio.sleep(0.05)  # it holds the only turn
            started = asyncio.get_running_loop().time()
            assert (await request.do_request(f"{base}/sendMessage", "POST"))[0] == 200
            assert asyncio.get_running_loop().time() - started < 0.3
            answer = asyncio.create_task(request.do_request(f"{base}/answerCallbackQuery", "POST"))
            await asyncio.sleep(0.2)
            assert not answer.done()  # anything else waits for the turn
            await asyncio.gather(slow, answer)
    finally:
        await request.shutdown()


async def test_uploads_go_as_multipart_with_their_fields() -> None:
    seen: dict[str, tuple[str | None, bytes]] = {}

    async def upload(request: web.Request) -> web.Response:
        async for part in await request.multipart():
            assert part.name is not None
            seen[part.name] = (part.filename, bytes(await part.read()))  # type: ignore[union-attr]  # a body part, not a nested multipart
        return web.json_response({"ok": True})

    document = InputFile(b"a,b\n1,2\n", filename="r.csv")
    assert await post_once(upload, chat_id=42, document=document) == 200
    assert seen["chat_id"] == (None, b"42")
    (name, content) = next(v for k, v in seen.items() if k != "chat_id")
    assert (name, content) == ("r.csv", b"a,b\n1,2\n")


async def test_parameters_go_as_one_json_object() -> None:
    """Without files the parameters are one JSON object, nested values included."""
    seen: list[tuple[str, object]] = []

    async def send(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.json()))
        return web.json_response({"ok": True, "result": True})

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="v:1")]])
    assert await post_once(send, chat_id=42, text="سؤال <b>", reply_markup=markup) == 200
    assert seen == [
        (
            "application/json",
            {
                "chat_id": 42,
                "text": "سؤال <b>",
                "reply_markup": {"inline_keyboard": [[{"text": "👍", "callback_data": "v:1"}]]},
            },
        )
    ]


async def test_failures_are_the_errors_python_telegram_bot_expects() -> None:
    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if name == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "bot"}
            return web.json_response({"ok": True, "result": me})
        if name == "getChat":
            await asyncio.sleep(1)
        description = "Bad Request: message is not modified"
        return web.json_response(
            {"ok": False, "error_code": 400, "description": description}, status=400
        )

    request = BoundedRequest(read_timeout=0.2)
    async with serving("/bot123:abc/{method}", method) as server:
        bot = Bot("123:abc", base_url=f"{server}/bot", request=request)
        async with bot:
            assert bot.username == "bot"  # getMe through the request, parsed by the library
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("x", chat_id=1, message_id=1)
            with pytest.raises(TimedOut):
                await bot.get_chat(1)
    closed = BoundedRequest()
    await closed.initialize()
    try:
        with pytest.raises(NetworkError):  # nothing listens there any more
            await closed.do_request(f"{server}/bot123:abc/getMe", "POST")
    finally:
        await closed.shutdown()
