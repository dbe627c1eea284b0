"""The sandbox page's JSON API over real HTTP: the test acts as the bot through the emulated
Bot API (python-telegram-bot's Bot) and as the browser through the page's endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from sandbox import BotApiEmulator, Driver, RateLimits, page
from sandbox.composer import MAX_PARTS, outgoing_texts
from sandbox.page import PREFIX, make_app
from sandbox.page_state import Person, SandboxPage, safe_url
from sandbox.tg_html import utf16_len

ARABIC = Person(1, "سارة", "ar", "viewer")
ENGLISH = Person(2, "Tom", "en", "viewer")


@dataclass
class Page:
    emulator: BotApiEmulator
    page: SandboxPage
    http: ClientSession
    url: str
    bot: Bot

    async def chats(self, **query: str) -> dict[str, Any]:
        async with self.http.get(f"{self.url}/api/chats", params=query) as response:
            assert response.status == 200
            data: dict[str, Any] = await response.json()
            return data

    def column(self, data: dict[str, Any], person: Person) -> dict[str, Any]:
        return next(p for p in data["people"] if p["id"] == person.user_id)

    async def post(
        self, action: str, body: object, *, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        sent = {"X-Sandbox-Token": self.page.token, **(headers or {})}
        async with self.http.post(f"{self.url}/api/{action}", json=body, headers=sent) as response:
            if response.content_type != "application/json":
                return response.status, {"text": await response.text()}
            return response.status, await response.json()


@pytest.fixture
async def sandbox_page() -> AsyncIterator[Page]:
    emulator = BotApiEmulator(limits=RateLimits(enabled=False))
    driver = Driver(emulator)
    people = [ARABIC, ENGLISH]
    for person in people:
        driver.user(person.user_id, person.name, language_code=person.language)
    state = SandboxPage(emulator, driver, people, allowed_hosts=frozenset({"127.0.0.1"}))
    app = web.Application()
    app.add_subapp(PREFIX, make_app(state))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    root = f"http://127.0.0.1:{server.port}"
    emulator.root_url = f"{root}{PREFIX}/telegram"
    async with (
        ClientSession() as http,
        Bot(emulator.token, base_url=emulator.base_url) as bot,
    ):
        yield Page(emulator, state, http, root + PREFIX, bot)
    await server.close()
    assert emulator.errors == []


async def test_page_is_served_with_its_token_and_a_strict_policy(sandbox_page: Page) -> None:
    async with sandbox_page.http.get(sandbox_page.url) as response:
        html = await response.text()
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert sandbox_page.page.token in html
    assert "cdn" not in html.lower()
    for name, kind in [("sandbox.js", "javascript"), ("render.js", "javascript")]:
        async with sandbox_page.http.get(f"{sandbox_page.url}/static/{name}") as response:
            assert response.status == 200
            assert kind in response.content_type
            assert "innerHTML" not in await response.text()
    async with sandbox_page.http.get(f"{sandbox_page.url}/static/../page.py") as response:
        assert response.status == 404


async def test_columns_and_right_to_left(sandbox_page: Page) -> None:
    data = await sandbox_page.chats()
    assert [(p["name"], p["dir"]) for p in data["people"]] == [("سارة", "rtl"), ("Tom", "ltr")]
    assert data["bot"]["username"] == sandbox_page.emulator.bot["username"]


async def test_state_changes_need_the_token_the_origin_and_json(sandbox_page: Page) -> None:
    body = {"person": ARABIC.user_id, "text": "hi"}
    status, _ = await sandbox_page.post("send", body, headers={"X-Sandbox-Token": "forged"})
    assert status == 403
    status, _ = await sandbox_page.post("send", body, headers={"Origin": "https://evil.example"})
    assert status == 403
    status, _ = await sandbox_page.post("send", body, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    url = f"{sandbox_page.url}/api/send"
    headers = {"X-Sandbox-Token": sandbox_page.page.token}
    async with sandbox_page.http.post(url, data="person=1&text=hi", headers=headers) as response:
        assert response.status == 415
    async with sandbox_page.http.get(url) as response:
        assert response.status == 405
    async with sandbox_page.http.get(sandbox_page.url, headers={"Host": "evil.example"}) as r:
        assert r.status == 403
    status, answer = await sandbox_page.post("send", {"person": 99, "text": "hi"})
    assert (status, answer["description"]) == (400, "Bad Request: unknown person")
    assert sandbox_page.emulator.queue.pending == type(sandbox_page.emulator.queue.pending)()


async def test_typed_text_becomes_a_telegram_update(sandbox_page: Page) -> None:
    status, answer = await sandbox_page.post("send", {"person": ARABIC.user_id, "text": " /start "})
    assert (status, answer) == (200, {"ok": True, "parts": 1})
    updates = await sandbox_page.bot.get_updates()
    message = updates[0].message
    assert message is not None
    assert message.text == "/start"
    assert message.from_user is not None
    assert message.from_user.language_code == "ar"
    assert message.entities[0].type == "bot_command"
    column = sandbox_page.column(await sandbox_page.chats(), ARABIC)
    assert [(m["from"], m["text"]) for m in column["messages"]] == [("user", "/start")]


@pytest.mark.parametrize("text", ["", "   \n ", None, 42])
async def test_empty_input_is_refused_like_telegram(sandbox_page: Page, text: object) -> None:
    status, answer = await sandbox_page.post("send", {"person": ENGLISH.user_id, "text": text})
    assert (status, answer["description"]) == (400, "Bad Request: message text is empty")
    assert not sandbox_page.emulator.queue.pending


async def test_huge_input_is_split_like_telegram_apps(sandbox_page: Page) -> None:
    text = ("كلمة " * 2000).strip()  # 9,999 characters
    status, answer = await sandbox_page.post("send", {"person": ARABIC.user_id, "text": text})
    assert (status, answer["parts"]) == (200, 3)
    updates = await sandbox_page.bot.get_updates()
    parts = [u.message.text for u in updates if u.message and u.message.text]
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert " ".join(parts) == text  # cut at spaces, nothing lost
    too_long = "x" * (4096 * MAX_PARTS + 1)
    status, answer = await sandbox_page.post("send", {"person": ARABIC.user_id, "text": too_long})
    assert (status, answer["description"]) == (400, "Bad Request: message is too long")


def test_split_never_cuts_a_character_in_two() -> None:
    text = "😀" * 3000  # 2 UTF-16 units each
    parts = outgoing_texts(text)
    assert "".join(parts) == text
    assert [utf16_len(p) for p in parts] == [4096, 1904]


async def test_markup_typed_by_a_person_stays_text(sandbox_page: Page) -> None:
    text = "<b>x</b> <script>alert(1)</script> &amp; \u202eevil"
    await sandbox_page.post("send", {"person": ENGLISH.user_id, "text": text})
    updates = await sandbox_page.bot.get_updates()
    assert updates[0].message is not None
    assert updates[0].message.text == text
    shown = sandbox_page.column(await sandbox_page.chats(), ENGLISH)["messages"][0]
    assert (shown["text"], shown["entities"]) == (text, [])


async def test_bot_html_arrives_as_text_and_safe_entities(sandbox_page: Page) -> None:
    html = (
        '<b>Bold</b> &lt;script&gt; <a href="https://example.org/x">ok</a> '
        '<a href="javascript:alert(1)">bad</a>'
    )
    await sandbox_page.bot.send_message(ENGLISH.user_id, html, parse_mode="HTML")
    shown = sandbox_page.column(await sandbox_page.chats(), ENGLISH)["messages"][0]
    assert shown["text"] == "Bold <script> ok bad"
    assert {"type": "bold", "offset": 0, "length": 4} in shown["entities"]
    links = [e for e in shown["entities"] if e["type"] == "text_link"]
    assert links == [
        {"type": "text_link", "offset": 14, "length": 2, "url": "https://example.org/x"}
    ]
    assert safe_url("javascript:alert(1)") is None


async def _answer_callbacks(bot: Bot, text: str) -> None:
    offset = 0
    while True:
        for update in await bot.get_updates(offset=offset, timeout=1):
            offset = update.update_id + 1
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)


async def test_press_a_button_and_see_the_bot_answer(sandbox_page: Page) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("نعم", callback_data="yes")],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    sent = await sandbox_page.bot.send_message(ARABIC.user_id, "?", reply_markup=markup)
    shown = sandbox_page.column(await sandbox_page.chats(), ARABIC)["messages"][0]
    assert shown["buttons"] == [
        [{"text": "نعم", "type": "callback"}],
        [{"text": "Site", "type": "url", "url": "https://example.org"}],
    ]
    responder = asyncio.create_task(_answer_callbacks(sandbox_page.bot, "تم"))
    try:
        body = {"person": ARABIC.user_id, "message": sent.message_id, "row": 0, "col": 0}
        status, answer = await sandbox_page.post("press", body)
    finally:
        responder.cancel()
    assert (status, answer["answer"]) == (200, {"text": "تم", "show_alert": True, "url": None})
    for row, col, reason in [
        (1, 0, "this button is not a callback button"),
        (5, 0, "button not found"),
    ]:
        body = {"person": ARABIC.user_id, "message": sent.message_id, "row": row, "col": col}
        status, answer = await sandbox_page.post("press", body)
        assert (status, answer["description"]) == (400, f"Bad Request: {reason}")


async def test_a_button_the_bot_never_answers(
    sandbox_page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page, "PRESS_TIMEOUT", 0.2)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    sent = await sandbox_page.bot.send_message(ENGLISH.user_id, "?", reply_markup=markup)
    body = {"person": ENGLISH.user_id, "message": sent.message_id, "row": 0, "col": 0}
    status, answer = await sandbox_page.post("press", body)
    assert (status, answer) == (200, {"ok": True, "answer": None})


async def test_vote_in_a_poll_and_take_it_back(sandbox_page: Page) -> None:
    sent = await sandbox_page.bot.send_poll(
        ENGLISH.user_id, "Which first?", ["Roads", "Clinics", "Schools"], is_anonymous=False
    )
    body = {"person": ENGLISH.user_id, "message": sent.message_id, "options": [1]}
    assert (await sandbox_page.post("vote", body))[0] == 200
    poll = sandbox_page.column(await sandbox_page.chats(), ENGLISH)["messages"][0]["poll"]
    assert (poll["mine"], poll["total"], poll["options"][1]["votes"]) == ([1], 1, 1)
    answers = [u.poll_answer for u in await sandbox_page.bot.get_updates() if u.poll_answer]
    assert answers[0] is not None
    assert answers[0].option_ids == (1,)
    status, answer = await sandbox_page.post("vote", {**body, "options": [0, 1]})
    assert (status, answer["description"]) == (400, "Bad Request: the poll allows one answer only")
    status, answer = await sandbox_page.post("vote", {**body, "options": ["1"]})
    assert status == 400
    assert (await sandbox_page.post("vote", {**body, "options": []}))[0] == 200
    poll = sandbox_page.column(await sandbox_page.chats(), ENGLISH)["messages"][0]["poll"]
    assert (poll["mine"], poll["total"]) == ([], 0)


async def test_documents_download_with_their_name(sandbox_page: Page) -> None:
    data = "الاسم,الأصوات\n".encode()
    await sandbox_page.bot.send_document(
        ARABIC.user_id,
        InputFile(data, filename="تقرير.csv"),
        caption="<b>CSV</b>",
        parse_mode="HTML",
    )
    shown = sandbox_page.column(await sandbox_page.chats(), ARABIC)["messages"][0]
    assert (shown["kind"], shown["text"], shown["file"]["name"]) == ("document", "CSV", "تقرير.csv")
    url = sandbox_page.url.removesuffix(PREFIX) + shown["file"]["url"]
    async with sandbox_page.http.get(url) as response:
        assert response.status == 200
        assert await response.read() == data
        assert response.headers["Content-Disposition"].startswith("attachment;")


async def test_edits_in_place_and_long_polling(sandbox_page: Page) -> None:
    sent = await sandbox_page.bot.send_message(ENGLISH.user_id, "first")
    current = (await sandbox_page.chats())["version"]
    started = time.monotonic()
    same = await sandbox_page.chats(since=current, wait="0.3")
    assert same["version"] == current
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    assert (await sandbox_page.chats(since=current, wait="-5"))["version"] == current
    assert time.monotonic() - started < 1  # a negative wait is no wait

    async def edit_soon() -> None:
        await asyncio.sleep(0.2)
        await sandbox_page.bot.edit_message_text("second", ENGLISH.user_id, sent.message_id)

    task = asyncio.create_task(edit_soon())
    started = time.monotonic()
    changed = await sandbox_page.chats(since=current, wait="10")
    await task
    assert time.monotonic() - started < 5
    assert changed["version"] != current
    messages = sandbox_page.column(changed, ENGLISH)["messages"]
    assert [(m["id"], m["text"], m["edited"]) for m in messages] == [
        (sent.message_id, "second", True)
    ]
