"""The presenter screen (SPEC §6): opened with the session's key, live by server-sent events,
a QR code of the deep link; a wrong or replaced key gets 403."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from locales import translator
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import live_session
from tests.e2e.web_helpers import WebHarness, browser, running_web_harness
from web.screen import deep_link, qr_png

MOD_ID, VIEWER_ID = 4001, 4002
SCREEN_LINK = re.compile(r"(http://\S+/screen/(\d+)\?key=([A-Za-z0-9_-]+))")


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[WebHarness]:
    async with running_web_harness(database_url) as harness:
        yield harness


async def test_screen_follows_the_console_and_the_key_can_be_replaced(web: WebHarness) -> None:
    session = await live_session(web)
    mod = await moderator(web, MOD_ID)
    asker = await viewer(web, VIEWER_ID, "ar")
    mod.skip_pending()
    await mod.send("/screen")
    reply = await mod.next_message()
    found = SCREEN_LINK.search(reply.text or "")
    assert found, reply.text
    url, session_id, key = found.group(1), int(found.group(2)), found.group(3)
    assert session_id == session.id
    path = url.removeprefix(web.base)
    async with browser(web.base) as presenter, browser(web.base) as console:
        status, html = await presenter.get(path + "&transparent=1&lang=en")
        assert status == 200
        assert 'class="screen transparent"' in html
        assert '<html lang="en" dir="ltr">' in html
        status, html = await presenter.get(path)  # DEFAULT_LANGUAGE is ar
        assert '<html lang="ar" dir="rtl">' in html
        assert 'class="screen solid"' in html
        username = web.runtime.app.bot.username
        async with presenter.http.get(f"{web.base}/screen/{session.id}/qr.png?key={key}") as qr:
            assert qr.status == 200
            assert qr.content_type == "image/png"
            assert await qr.read() == qr_png(deep_link(username, session.id))
        assert deep_link(username, session.id) in html
        wrong = f"/screen/{session.id}?key=wrong-key"
        status, html = await presenter.get(wrong)
        assert status == 403
        assert translator("ar").t("web.screen_key_title") in html
        assert (await presenter.get(f"/screen/{session.id}/events?key=x"))[0] == 403
        assert (await presenter.get(f"/screen/{session.id}/qr.png"))[0] == 403

        screen = await presenter.events(f"/screen/{session.id}/events?key={key}")
        first = await screen.wait_for("screen")
        assert first["question"] is None
        assert first["poll"] is None
        # A question approved and put on screen in the console shows up on the screen.
        await console.sign_in(mod)
        asker.skip_pending()
        await asker.send("/ask <b>سؤال</b> على الشاشة")
        await asker.next_message()
        question = (await web.services.questions.mine(VIEWER_ID))[0]
        for action, revision in (
            ("approve", question.revision),
            ("on_screen", question.revision + 1),
        ):
            status, _ = await console.post(
                f"/console/api/questions/{question.id}", {"action": action, "revision": revision}
            )
            assert status == 200
        shown = await screen.wait_for("screen", lambda d: d["question"] is not None)
        assert shown["question"]["text"] == "<b>سؤال</b> على الشاشة"
        # A poll launched from the console: its results appear, then change with each vote.
        poll = await web.services.polls.create(
            None, session.id, "single", "الأولوية؟", "Priority?", [("أ", "A"), ("ب", "B")]
        )
        status, body = await console.post(f"/console/api/polls/{poll.id}", {"action": "launch"})
        assert status == 200
        launched = await screen.wait_for("screen", lambda d: d["poll"] is not None)
        assert launched["poll"]["status"] == "open"
        await web.services.polls.vote(VIEWER_ID, poll.id, 1)
        voted = await screen.wait_for("screen", lambda d: d["poll"]["voters"] == 1)
        assert [o["percent"] for o in voted["poll"]["options"]] == [0, 100]
        # A new key from the console: the old link stops.
        status, body = await console.post(f"/console/api/screen/{session.id}/rotate", {})
        assert status == 200
        assert key not in body["path"]
        with pytest.raises(EOFError):
            await screen.wait_for("screen", timeout=5)
        assert (await presenter.get(path))[0] == 403
        assert (await presenter.get(body["path"]))[0] == 200


async def test_screen_command_is_for_moderators_and_can_rotate(web: WebHarness) -> None:
    session = await live_session(web)
    user = await viewer(web, VIEWER_ID, "en")
    await user.send(f"/screen {session.id}")
    assert (await user.next_message()).text == translator("en").t("error.not_allowed")
    mod = await moderator(web, MOD_ID)
    mod.skip_pending()
    await mod.send(f"/screen {session.id}")
    reply = await mod.next_message()
    old = SCREEN_LINK.search(reply.text or "")
    assert old
    await mod.press(reply, translator("en").t("console.screen_rotate"))
    edited = await mod.wait_for(lambda m: m.message_id == reply.message_id and m.edits > 0)
    new = SCREEN_LINK.search(edited.text or "")
    assert new
    assert new.group(3) != old.group(3)
    async with browser(web.base) as presenter:
        assert (await presenter.get(old.group(1).removeprefix(web.base)))[0] == 403
        assert (await presenter.get(new.group(1).removeprefix(web.base)))[0] == 200
    mod.skip_pending()
    await mod.send("/screen 99999")
    assert "99999" in ((await mod.next_message()).text or "")  # session not found
