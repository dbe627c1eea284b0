"""Two bot processes (two Runtimes, two web servers) behind one webhook URL, sharing one
PostgreSQL database: what a viewer asks reaches the consoles of both, and an action in the
console of one reaches the console of the other (LISTEN/NOTIFY)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.runtime import Runtime
from tests import databases
from tests.e2e.conftest import FakeClock, harness_settings
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import live_session
from tests.e2e.web_helpers import WebHarness, browser, free_port, item

SECRET = "two-processes_1"
MOD_ID, VIEWER_ID = 6001, 6002


async def round_robin(backends: list[str]) -> tuple[web.AppRunner, str]:
    """A stand-in for nginx's upstream: each webhook POST goes to the next backend."""
    turn = itertools.cycle(backends)
    client = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        body = await request.read()
        async with client.post(
            next(turn) + request.path,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
        ) as response:
            return web.Response(status=response.status, body=await response.read())

    async def close(_app: web.Application) -> None:
        await client.close()

    app = web.Application()
    app.router.add_post("/telegram/webhook", forward)
    app.on_cleanup.append(close)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


@dataclass
class Pair:
    first: WebHarness
    second: WebHarness


@pytest.fixture
async def pair(postgres_template: str) -> AsyncIterator[Pair]:
    from sandbox import BotApiEmulator, Driver, RateLimits

    name, url = await databases.postgres_copy()
    emulator = BotApiEmulator(limits=RateLimits(enabled=False))
    await emulator.start()
    ports = [free_port(), free_port()]
    proxy, public = await round_robin([f"http://127.0.0.1:{p}" for p in ports])
    clock = FakeClock()
    runtimes = []
    try:
        for port in ports:
            settings = harness_settings(
                emulator, url, PUBLIC_URL=public, WEBHOOK_SECRET=SECRET, WEB_PORT=str(port)
            )
            runtime = Runtime(settings, schedule_every=0.5, progress_every=0.5, clock=clock)
            await runtime.start()
            runtimes.append(runtime)
        driver = Driver(emulator)
        one, two = (
            WebHarness(emulator, driver, r, r.settings, clock, base=f"http://127.0.0.1:{p}")
            for r, p in zip(runtimes, ports, strict=True)
        )
        yield Pair(one, two)
    finally:
        for runtime in runtimes:
            await runtime.stop()
        await proxy.cleanup()
        await emulator.stop()
        await databases.postgres_drop(name)
    assert not emulator.errors, emulator.errors


async def test_a_change_through_one_process_reaches_the_console_of_the_other(pair: Pair) -> None:
    one, two = pair.first, pair.second
    assert one.runtime.mode == two.runtime.mode == "webhook"
    session = await live_session(one)
    mod = await moderator(one, MOD_ID)
    asker = await viewer(one, VIEWER_ID, "en")
    async with browser(one.base) as page:
        # The link names PUBLIC_URL (the proxy); sign in on the first process directly. The
        # session lives in the database, so the same cookie works on the second one.
        await page.sign_in(mod, link_base=one.settings.public_url)
        on_one = await page.events(f"/console/events?session={session.id}")
        page.base = two.base
        on_two = await page.events(f"/console/events?session={session.id}")
        page.base = one.base
        asker.skip_pending()
        await asker.send("/ask Do both processes see this?")
        for stream in (on_one, on_two):
            data = await stream.wait_for("question", lambda d: d["items"][0]["status"] == "pending")
            assert data["items"][0]["text"] == "Do both processes see this?"
        question = (await one.services.questions.mine(VIEWER_ID))[0]
        status, _ = await page.post(
            f"/console/api/questions/{question.id}",
            {"action": "approve", "revision": question.revision},
        )
        assert status == 200  # through the first process ...
        approved = await on_two.wait_for("question", lambda d: item(d, question.id))
        assert item(approved, question.id)["status"] == "approved"  # type: ignore[index]
        # ... and an action through the second reaches the first.
        page.base = two.base
        status, _ = await page.post(
            f"/console/api/questions/{question.id}",
            {"action": "answered", "revision": question.revision + 1},
        )
        assert status == 200
        answered = await on_one.wait_for(
            "question", lambda d: (item(d, question.id) or {}).get("status") == "answered"
        )
        assert item(answered, question.id)["revision"] == question.revision + 2  # type: ignore[index]
