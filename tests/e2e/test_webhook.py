"""Webhook mode (SPEC §6): Telegram POSTs updates with a secret header; /healthz, /metrics."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.runtime import Runtime
from locales import translator
from sandbox import BotApiEmulator, Driver, RateLimits
from tests.e2e.conftest import harness_settings

SECRET = "s3cret-token_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(database_url: str) -> AsyncIterator[tuple[BotApiEmulator, Runtime, str]]:
    emulator = BotApiEmulator(limits=RateLimits(enabled=False))
    await emulator.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = harness_settings(
        emulator, database_url, PUBLIC_URL=base, WEBHOOK_SECRET=SECRET, WEB_PORT=str(port)
    )
    runtime = Runtime(settings, schedule_every=0.5, progress_every=0.5)
    await runtime.start()
    try:
        yield emulator, runtime, base
    finally:
        await runtime.stop()
        await emulator.stop()


async def test_updates_arrive_by_webhook(webhook_bot: tuple[BotApiEmulator, Runtime, str]) -> None:
    emulator, runtime, base = webhook_bot
    assert runtime.mode == "webhook"
    info = emulator.webhook
    assert info is not None
    user = Driver(emulator).user(8001, "سارة", language_code="ar")
    await user.send("/start")
    reply = await user.next_message()
    assert reply.text == translator("ar").t("start.welcome_new", name="سارة")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert (await response.json())["mode"] == "webhook"
        async with http.get(f"{base}/metrics") as response:
            text = await response.text()
    assert response.status == 200
    assert 'shurakum_updates_handled_total{kind="message"}' in text
    assert "shurakum_update_seconds_bucket" in text


async def test_wrong_secret_and_bad_bodies(
    webhook_bot: tuple[BotApiEmulator, Runtime, str],
) -> None:
    _, runtime, base = webhook_bot
    url = f"{base}/telegram/webhook"
    update = {
        "update_id": 5,
        "message": {
            "message_id": 1, "date": 0, "text": "/start",
            "chat": {"id": 8002, "type": "private", "first_name": "X"},
            "from": {"id": 8002, "is_bot": False, "first_name": "X"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, data=b"{not json", headers=good) as response:
            assert response.status == 400
        async with http.post(url, json=[1, 2], headers=good) as response:
            assert response.status == 400
        async with http.post(url, data=b"x" * (1024 * 1024 + 10), headers=good) as response:
            assert response.status == 413
    assert await runtime.services.users.get(8002) is None  # nothing was processed


async def test_an_update_delivered_twice_is_handled_once(
    webhook_bot: tuple[BotApiEmulator, Runtime, str],
) -> None:
    """Two processes behind one URL, or a redelivery after a crash: one answer."""
    emulator, _, base = webhook_bot
    user = Driver(emulator).user(8003, "R", language_code="en")
    update = {
        "update_id": 777001,
        "message": {
            "message_id": 3, "date": 0, "text": "/start", "chat": user.chat.json,
            "from": user.json, "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(f"{base}/telegram/webhook", json=update, headers=headers) as r:
                assert r.status == 200
    await user.next_message()
    await Driver(emulator).idle()
    assert len(user.messages) == 1
