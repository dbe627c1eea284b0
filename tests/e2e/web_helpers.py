"""The e2e harness with its web server on a free port, and a browser-like HTTP client that
signs in to the console the way a person does: `/console` in Telegram, then the link."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.runtime import Runtime
from sandbox import BotApiEmulator, Driver, RateLimits, SimUser
from tests.e2e.conftest import FakeClock, Harness, harness_settings

LINK = re.compile(r"(http://\S+/console/login\?token=[A-Za-z0-9_-]+)")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebHarness(Harness):
    base: str = ""


@asynccontextmanager
async def running_web_harness(database_url: str, **extra: str) -> AsyncIterator[WebHarness]:
    emulator = BotApiEmulator(limits=RateLimits(enabled=False))
    await emulator.start()
    port = free_port()
    clock = FakeClock()
    settings = harness_settings(emulator, database_url, WEB_PORT=str(port), **extra)
    runtime = Runtime(settings, poll_timeout=1, schedule_every=0.2, progress_every=0.2, clock=clock)
    await runtime.start()
    try:
        yield WebHarness(
            emulator, Driver(emulator), runtime, settings, clock, base=f"http://127.0.0.1:{port}"
        )
    finally:
        await runtime.stop()
        await emulator.stop()
    assert not emulator.errors, emulator.errors


async def login_link(user: SimUser) -> str:
    """Send `/console` in Telegram; the link of the bot's answer."""
    user.skip_pending()
    await user.send("/console")
    while True:  # other messages (question cards) may come first
        message = await user.next_message(timeout=10)
        found = LINK.search(message.text or "")
        if found:
            return found.group(1)


@dataclass
class Browser:
    """An HTTP client with its own cookie jar, sending what a page of ours sends."""

    base: str
    http: aiohttp.ClientSession
    csrf: str = ""
    streams: list[aiohttp.ClientResponse] = field(default_factory=list)

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.base}

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.http.get(self.base + path, **kwargs) as response:
            return response.status, await response.text()

    async def get_json(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def post(
        self, path: str, body: object = None, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> tuple[int, Any]:
        sent = {**self.origin, "X-CSRF-Token": self.csrf, **(headers or {})}
        if body is not None and "data" not in kw:
            kw["json"] = body
        async with self.http.post(self.base + path, headers=sent, **kw) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

    async def sign_in(self, user: SimUser, *, link_base: str | None = None) -> str:
        """`/console` in Telegram, then the link's page and its button; returns the CSRF.
        `link_base`: the link names another base (PUBLIC_URL); use this server instead."""
        link = await login_link(user)
        assert link.startswith(link_base or self.base), link
        link = self.base + link.removeprefix(link_base or self.base)
        status, page = await self.get(link.removeprefix(self.base))
        assert status == 200, page
        token = link.split("token=", 1)[1]
        async with self.http.post(
            self.base + "/console/login",
            data={"token": token},
            headers=self.origin,
            allow_redirects=False,
        ) as response:
            assert response.status == 303, await response.text()
            assert response.headers["Location"] == "/console"
        status, page = await self.get("/console")
        assert status == 200, page
        match = CSRF.search(page)
        assert match, page
        self.csrf = match.group(1)
        return self.csrf

    async def events(self, path: str) -> EventStream:
        response = await self.http.get(
            self.base + path, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)
        )
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        self.streams.append(response)
        return EventStream(response)

    async def close(self) -> None:
        for response in self.streams:
            response.close()
        await self.http.close()


class EventStream:
    """Server-sent events read from a response, one (name, data) at a time."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.seen: list[tuple[str, Any]] = []

    async def next(self, timeout: float = 5.0) -> tuple[str, Any]:  # noqa: ASYNC109  # like the driver
        name, data = "message", ""
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.response.content.readline()
                if not raw:
                    raise EOFError("the stream ended")
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data += line[6:]
                elif line == "" and data:
                    event = (name, json.loads(data))
                    self.seen.append(event)
                    return event

    async def wait_for(self, name: str, check: Any = None, timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """The next `name` event whose data passes `check`."""
        async with asyncio.timeout(timeout):
            while True:
                got, data = await self.next(timeout)
                if got == name and (check is None or check(data)):
                    return data


@asynccontextmanager
async def browser(base: str) -> AsyncIterator[Browser]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    client = Browser(base, aiohttp.ClientSession(cookie_jar=jar))
    try:
        yield client
    finally:
        await client.close()


def item(data: dict[str, Any], question_id: int) -> dict[str, Any] | None:
    return next((i for i in data["items"] if i["id"] == question_id), None)
