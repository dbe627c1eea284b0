"""`shurakum sandbox` in-process: the real runtime, the emulation and the page on one server;
and the rehearsal's simulated viewers against the real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from bot.rehearsal import DEMO_TITLE_EN, QUESTIONS, Rehearsal
from bot.sandbox_mode import PEOPLE, Sandbox, SandboxOptions
from bot.settings import load_settings
from domain.roles import Role
from locales import translator
from sandbox import RateLimits
from tests.e2e.conftest import Harness

ARABIC_VIEWER, ENGLISH_VIEWER, MODERATOR, STAFF = PEOPLE


@pytest.fixture
async def sandbox(database_url: str) -> AsyncIterator[Sandbox]:
    settings = load_settings({"DATABASE_URL": database_url, "WEB_PORT": "0"})
    running = Sandbox(settings, SandboxOptions(limits=RateLimits(enabled=False)))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
    assert not running.emulator.errors, running.emulator.errors


async def test_one_server_health_page_and_bot(sandbox: Sandbox) -> None:
    root = sandbox.url.removesuffix("/sandbox")
    async with ClientSession() as http:
        async with http.get(f"{root}/healthz") as response:
            assert (await response.json())["mode"] == "sandbox"
        async with http.get(f"{root}/", allow_redirects=False) as response:
            assert (response.status, response.headers["Location"]) == (302, "/sandbox")
        headers = {"X-Sandbox-Token": sandbox.page.token}
        body = {"person": ARABIC_VIEWER.user_id, "text": "/start"}
        async with http.post(f"{sandbox.url}/api/send", json=body, headers=headers) as response:
            assert response.status == 200
    reply = await sandbox.driver.user(ARABIC_VIEWER.user_id).next_message(timeout=20)
    assert reply.text == translator("ar").t("start.welcome_new", name=ARABIC_VIEWER.name)


async def test_nothing_points_at_telegram_and_roles_are_set(sandbox: Sandbox) -> None:
    settings = sandbox.settings
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == sandbox.emulator.token
    for url in (settings.telegram_api_base_url, settings.telegram_api_file_url):
        assert url.startswith(sandbox.url + "/telegram/")
        assert "telegram.org" not in url
    assert sandbox.runtime.mode == "sandbox"
    roles = sandbox.runtime.services.roles
    assert await roles.role_of(MODERATOR.user_id) is Role.MODERATOR
    assert await roles.role_of(STAFF.user_id) is Role.STAFF
    assert await roles.role_of(ARABIC_VIEWER.user_id) is Role.VIEWER
    menus = {p["id"]: p["commands"] for p in sandbox.page.snapshot()["people"]}
    assert "newsession" in [c["command"] for c in menus[MODERATOR.user_id]]
    assert "newsession" not in [c["command"] for c in menus[STAFF.user_id]]


def test_default_database_is_separate_unless_configured() -> None:
    from bot.sandbox_mode import SANDBOX_DATABASE

    plain = Sandbox(load_settings({"WEB_PORT": "0"}))
    assert plain.settings.database_url == SANDBOX_DATABASE
    chosen = Sandbox(load_settings({"WEB_PORT": "0", "DATABASE_URL": "sqlite+aiosqlite:///x.db"}))
    assert chosen.settings.database_url == "sqlite+aiosqlite:///x.db"
    hooked = Sandbox(load_settings({"WEB_PORT": "0", "CHANNEL_ID": "@news", "PUBLIC_URL": ""}))
    assert hooked.settings.channel_id is None  # no real channel exists in the emulation


async def test_rehearsal_viewers_join_get_the_go_live_and_act(harness: Harness) -> None:
    rehearsal = Rehearsal(
        harness.services,
        harness.driver,
        harness.runtime.broadcaster.wake,
        viewers=4,
        pace=0,
        seed=7,
    )
    await rehearsal.prepare()
    session = await harness.services.sessions.get(rehearsal.stats.session_id or 0)
    assert (session.status, session.title_en) == ("live", DEMO_TITLE_EN)
    assert {language for _, language in rehearsal.viewers} == {"ar", "en"}
    for user, _ in rehearsal.viewers:
        announced = await user.wait_for(
            lambda m: session.title_ar in m.plain_text or session.title_en in m.plain_text,
            timeout=20,
        )
        assert announced.message_id > 1  # after the welcome
    await rehearsal.play(actions=6)
    stats = rehearsal.stats
    assert stats.viewers == 4
    # Every ask went to the bot as `/ask TEXT`: it was taken, or the bot said it has no /ask.
    assert stats.asked > 0 or "/ask" in stats.missing
    if "/ask" in stats.missing:
        hints = {translator(lang).t("hint.unknown_command") for lang in ("ar", "en")}
        assert any(u.last.text in hints for u, _ in rehearsal.viewers)
    assert rehearsal.stats.as_status()["Simulated viewers"] == 4


async def test_rehearsal_questions_reach_the_moderator(sandbox: Sandbox) -> None:
    """The rehearsal's `/ask TEXT` are real updates: with the questions feature the sandbox
    moderator gets them for review; without it the bot's unknown-command hint is noted."""
    runtime = sandbox.runtime
    moderator = sandbox.driver.user(MODERATOR.user_id)
    await moderator.send("/start")  # Telegram: a bot can write only to people who started it
    rehearsal = Rehearsal(
        runtime.services, sandbox.driver, runtime.broadcaster.wake, viewers=3, pace=0, seed=3
    )
    await rehearsal.prepare()
    rehearsal.stats.missing.add("/questions")  # asks only
    await rehearsal.play(actions=3)
    if "/ask" in rehearsal.stats.missing:
        assert rehearsal.stats.asked == 0
        return
    assert rehearsal.stats.asked == 3
    asked = [q for texts in QUESTIONS.values() for q in texts]
    card = await moderator.wait_for(lambda m: any(q in m.plain_text for q in asked), timeout=20)
    assert card.buttons  # the moderator can act on it from the sandbox page
