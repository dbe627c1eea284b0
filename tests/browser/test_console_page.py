"""The moderator console and the presenter screen in headless Chromium, against the real
runtime (bot, web server, event bus) on SQLite and PostgreSQL, acting as people through the
Bot API emulation: sign in by link, a question arrives by itself, approve it with a key,
put it on screen; markup stays text; Arabic pages run right to left."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from domain.roles import Role
from locales import translator
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import live_session
from tests.e2e.web_helpers import WebHarness, login_link, running_web_harness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MOD_ID, VIEWER_ID = 8101, 8102
ARRIVES = 2_000  # ms: "within a second" of the viewer's message, with room for a slow CI
SCREEN_LINK = re.compile(r"(http://\S+/screen/\d+\?key=[A-Za-z0-9_-]+)")


@pytest_asyncio.fixture(loop_scope="session")
async def web(database_url: str) -> AsyncIterator[WebHarness]:
    async with running_web_harness(database_url) as harness:
        yield harness


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport={"width": 1400, "height": 900})
    opened.set_default_timeout(10_000)
    errors: list[str] = []
    dialogs: list[str] = []
    opened.on("page", lambda p: p.on("pageerror", lambda e: errors.append(str(e))))
    opened.on("page", lambda p: p.on("dialog", lambda d: dialogs.append(d.message)))
    yield opened
    await opened.close()
    assert errors == [], errors  # no JavaScript error on any page
    assert dialogs == [], dialogs  # no alert() ran


async def sign_in(
    context: BrowserContext, web: WebHarness, language: str = "en", role: Role = Role.MODERATOR
) -> Page:
    if role is Role.MODERATOR:
        mod = await moderator(web, MOD_ID, language)
    else:
        mod = await viewer(web, MOD_ID, language)  # the role was given already
    page = await context.new_page()
    await page.goto(await login_link(mod))
    await page.locator("#signin").click()
    await expect(page).to_have_url(re.compile(r"/console"))
    await expect(page.locator("#session option")).not_to_have_count(0)
    await expect(page.locator('body[data-live="1"]')).to_have_count(1)  # the stream is open
    if role is Role.MODERATOR:
        await expect(page.locator("#screen-url")).to_have_value(re.compile(r"/screen/\d+\?key="))
    return page


async def test_sign_in_question_arrives_approve_and_screen(
    context: BrowserContext, web: WebHarness
) -> None:
    session = await live_session(web)
    asker = await viewer(web, VIEWER_ID, "en")
    page = await sign_in(context, web)
    assert await page.locator("#role").text_content() == translator("en").t("web.role.moderator")
    screen_url = await page.locator("#screen-url").input_value()

    await asker.send("/ask How will the plan reach small towns?")
    card = page.locator(".question", has_text="How will the plan reach small towns?")
    await expect(card).to_be_visible(timeout=ARRIVES)  # by itself: no reload
    await expect(card).to_have_attribute("data-status", "pending")
    await card.click()
    await page.keyboard.press("a")  # approve
    await expect(card).to_have_attribute("data-status", "approved")
    question = (await web.services.questions.mine(VIEWER_ID))[0]
    assert question.status == "approved"

    screen = await context.new_page()
    await screen.goto(screen_url)
    await expect(screen.locator("#waiting")).to_be_visible()
    await card.locator('[data-action="on_screen"]').click()
    await expect(screen.locator("#question-text")).to_have_text(
        "How will the plan reach small towns?"
    )
    await expect(screen.locator("#qr")).to_be_visible()
    # Reject with a reason, from the keyboard, on a second question.
    await asker.send("/ask Off topic?")
    second = page.locator(".question", has_text="Off topic?")
    await expect(second).to_be_visible(timeout=ARRIVES)
    await second.click()
    await page.keyboard.press("r")
    await second.locator('[data-reason="off_topic"]').click()
    await expect(second).to_have_attribute("data-status", "rejected")
    assert session.id > 0


async def test_markup_in_a_question_stays_text(context: BrowserContext, web: WebHarness) -> None:
    await live_session(web)
    asker = await viewer(web, VIEWER_ID, "en")
    page = await sign_in(context, web)
    payload = '<script>alert(1)</script><img src=x onerror="window.pwned=1"><b>bold?</b>'
    await asker.send(f"/ask {payload}")
    card = page.locator(".question", has_text="<script>alert(1)</script>")
    await expect(card).to_be_visible(timeout=ARRIVES)
    await expect(card.locator(".text")).to_have_text(payload)
    assert await page.locator(".questions img, .questions script, .questions .text *").count() == 0
    assert await page.evaluate("window.pwned") is None
    await card.locator('[data-action="approve"]').click()
    await expect(card).to_have_attribute("data-status", "approved")
    await card.locator('[data-action="on_screen"]').click()
    screen = await context.new_page()
    await screen.goto(await page.locator("#screen-url").input_value())
    await expect(screen.locator("#question-text")).to_have_text(payload)
    assert await screen.locator(".stage img, .stage script, #question-text *").count() == 0
    assert await screen.evaluate("window.pwned") is None


async def test_staff_see_the_queue_without_buttons(
    context: BrowserContext, web: WebHarness
) -> None:
    await live_session(web)
    await web.services.roles.set_role(None, MOD_ID, Role.STAFF)
    asker = await viewer(web, VIEWER_ID, "en")
    await asker.send("/ask Can staff act?")
    await asker.next_message()
    page = await sign_in(context, web, role=Role.STAFF)
    card = page.locator(".question", has_text="Can staff act?")
    await expect(card).to_be_visible()
    assert await page.locator(".actions, .poll button, #screen-panel:visible").count() == 0
    await card.click()
    await page.keyboard.press("a")
    await page.wait_for_timeout(300)
    await expect(card).to_have_attribute("data-status", "pending")
    assert (await web.services.questions.mine(VIEWER_ID))[0].status == "pending"


async def test_arabic_pages_run_right_to_left(context: BrowserContext, web: WebHarness) -> None:
    await live_session(web)
    page = await sign_in(context, web, "ar")
    direction = "getComputedStyle(document.documentElement).direction"
    assert await page.evaluate(direction) == "rtl"
    assert await page.locator("#queue-title").text_content() == translator("ar").t("web.questions")
    screen = await context.new_page()
    await screen.goto(await page.locator("#screen-url").input_value())
    assert await screen.evaluate(direction) == "rtl"
    await screen.goto(await page.locator("#screen-url").input_value() + "&lang=en")
    assert await screen.evaluate(direction) == "ltr"
    await page.locator("#language").click()  # the switch: English, left to right
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert await page.evaluate(direction) == "ltr"
    await expect(page.locator("#queue-title")).to_have_text(translator("en").t("web.questions"))
