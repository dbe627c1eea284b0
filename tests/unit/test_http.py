"""bot/http.py: requests in flight are bounded, and a pooled connection the server closed
is noticed (our cheap readability check) and replaced."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.http import BoundedRequest, readable

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


def test_readable() -> None:
    left, right = socket.socketpair()
    try:
        assert not readable(left)
        right.close()  # the peer closed: a read would return b"" at once
        assert readable(left)
    finally:
        left.close()
    assert readable(left)  # a socket that is gone counts as readable
    assert readable(None)


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
