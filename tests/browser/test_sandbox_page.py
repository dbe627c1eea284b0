"""The sandbox page in headless Chromium, against `shurakum sandbox` and the real bot."""

from __future__ import annotations

import html
import json
import re
import time
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from playwright.async_api import Page, expect

from bot.sandbox_mode import PEOPLE, SANDBOX_TOKEN
from locales import translator
from tests.browser.sandbox_process import SandboxProcess

pytestmark = pytest.mark.asyncio(loop_scope="session")
ARABIC_VIEWER, ENGLISH_VIEWER, MODERATOR, STAFF = PEOPLE
WAIT = 20_000  # ms: the bot answers under Telegram's flood limits


def shown(text: str) -> str:
    """A bot's HTML text as a person sees it (tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def test_arabic_viewer_starts_and_switches_language(page: Page) -> None:
    chat = page.locator(f'[data-person="{ARABIC_VIEWER.user_id}"]')
    assert await chat.get_attribute("dir") == "rtl"
    await chat.locator("textarea").fill("/start")
    await chat.locator("textarea").press("Enter")
    welcome = chat.locator(".message.in").first
    expected = translator("ar").t("start.welcome_new", name=ARABIC_VIEWER.name)
    await expect(welcome.locator(".text")).to_have_text(shown(expected), timeout=WAIT)
    assert await welcome.locator(".bubble").evaluate("e => e.matches(':dir(rtl)')")
    await expect(welcome.locator(".text b").first).to_have_text("شوركم مباشر")
    message_id = await welcome.get_attribute("data-id")
    switch = translator("en").t("language.switch_button")  # offered in the other language
    await welcome.get_by_role("button", name=switch).click()
    edited = chat.locator(f'.message[data-id="{message_id}"]')
    done = translator("en").t("language.set")
    await expect(edited.locator(".text")).to_have_text(shown(done), timeout=WAIT)
    await expect(edited.locator(".meta")).to_contain_text("معدّلة")  # "edited", in place
    await expect(edited.locator("button")).to_have_count(0)


async def test_markup_typed_in_the_page_stays_text(page: Page) -> None:
    chat = page.locator(f'[data-person="{ENGLISH_VIEWER.user_id}"]')
    typed = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold?</b>'
    await chat.locator("textarea").fill(typed)
    await chat.locator("button.send").click()
    mine = chat.locator(".message.out").last
    await expect(mine.locator(".text")).to_have_text(typed)
    await expect(chat.locator(".message.in").last).to_be_visible(timeout=WAIT)
    assert await page.evaluate("window.pwned") is None
    assert await chat.locator(".messages img, .messages script, .message.out b").count() == 0


async def test_empty_and_huge_input_like_telegram(page: Page) -> None:
    chat = page.locator(f'[data-person="{ENGLISH_VIEWER.user_id}"]')
    await chat.locator("textarea").fill("   ")
    await chat.locator("button.send").click()
    await expect(chat.locator(".error")).to_have_text("Bad Request: message text is empty")
    before = await chat.locator(".message.out").count()
    await chat.locator("textarea").fill("word " * 2000)  # 10,000 characters
    await chat.locator("button.send").click()
    await expect(chat.locator(".message.out")).to_have_count(before + 3)  # split like the apps
    await expect(chat.locator(".error")).to_be_hidden()
    assert await chat.locator("textarea").input_value() == ""


async def test_moderator_menu_runs_the_wizard(page: Page) -> None:
    chat = page.locator(f'[data-person="{MODERATOR.user_id}"]')
    await chat.locator(".menu-button").click()
    await chat.locator(".menu-item", has_text="/newsession").click()
    prompt = chat.locator(".message.in").last
    tr = translator("ar")
    await expect(prompt.locator(".text")).to_have_text(shown(tr.t("wizard.title_ar")), timeout=WAIT)
    await prompt.get_by_role("button", name=tr.t("wizard.cancel")).click()
    await expect(prompt.locator(".text")).to_have_text(
        shown(tr.t("wizard.cancelled")), timeout=WAIT
    )


def bot_api(sandbox: SandboxProcess, method: str, **params: object) -> dict[str, object]:
    """Act as the bot itself, through the emulated Bot API (waiting out its flood limits)."""
    url = f"{sandbox.url}/telegram/bot{SANDBOX_TOKEN}/{method}"
    body = json.dumps(params).encode()
    for _ in range(5):
        request = Request(url, body, {"Content-Type": "application/json"})  # noqa: S310
        try:
            with urlopen(request, timeout=10) as response:  # noqa: S310  # the local emulation
                result: dict[str, object] = json.load(response)["result"]
                return result
        except HTTPError as error:
            if error.code != 429:
                raise
            time.sleep(json.load(error)["parameters"]["retry_after"])
    raise AssertionError(f"{method}: still rate-limited")


async def test_polls_url_buttons_and_formatting(page: Page, sandbox: SandboxProcess) -> None:
    chat = page.locator(f'[data-person="{STAFF.user_id}"]')
    bot_api(
        sandbox,
        "sendMessage",
        chat_id=STAFF.user_id,
        parse_mode="HTML",
        text='<b>Stream</b> &lt;b&gt;raw&lt;/b&gt; <a href="javascript:alert(1)">x</a>',
        reply_markup={"inline_keyboard": [[{"text": "Watch", "url": "https://example.org/live"}]]},
    )
    message = chat.locator(".message.in").last
    await expect(message.locator(".text")).to_have_text("Stream <b>raw</b> x")
    await expect(message.locator(".text b")).to_have_text("Stream")
    assert await message.locator(".text a").count() == 0  # javascript: is never a link
    watch = message.get_by_role("link", name="Watch")
    assert await watch.get_attribute("target") == "_blank"
    assert "noopener" in (await watch.get_attribute("rel") or "")
    bot_api(
        sandbox,
        "sendPoll",
        chat_id=STAFF.user_id,
        question="Which first?",
        options=[{"text": "Roads"}, {"text": "Clinics"}],
        is_anonymous=False,
    )
    poll = chat.locator('.message[data-kind="poll"]').last
    await poll.get_by_role("button", name="Clinics").click()
    await expect(poll.locator(".poll-result.mine")).to_contain_text("100%")
    await expect(poll.locator(".poll-total")).to_have_text("1 vote")
    await poll.get_by_role("button", name="Retract vote").click()
    await expect(poll.get_by_role("button", name="Roads")).to_be_visible()
