"""The web console over real HTTP (SPEC §6, issue 7): sign-in by one-time link, the live
queue by server-sent events, the same actions as the Telegram cards with one state in
both, and what it refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from domain.roles import Role
from locales import translator
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import audit, button, card, is_card, live_session
from tests.e2e.web_helpers import WebHarness, browser, item, login_link, running_web_harness

STAFF_ID, MOD_ID, VIEWER_ID = 3001, 3002, 3003


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[WebHarness]:
    async with running_web_harness(database_url) as harness:
        yield harness


async def staff(harness: WebHarness, user_id: int) -> None:
    await harness.services.roles.set_role(None, user_id, Role.STAFF)
    await viewer(harness, user_id, "en")


async def test_link_signs_in_once_and_expires(web: WebHarness) -> None:
    mod = await moderator(web, MOD_ID)
    async with browser(web.base) as page:
        status, _ = await page.get("/console")
        assert status == 401  # not signed in: the page says how
        await page.sign_in(mod)
        cookie = next(c for c in page.http.cookie_jar if c.key == "shurakum_console")
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert not cookie["secure"]  # PUBLIC_URL is not https here
    # The same link again: a clear page, 410; nothing signs in.
    link = await login_link(mod)
    token = link.split("token=", 1)[1]
    async with browser(web.base) as first, browser(web.base) as second:
        login = link.removeprefix(web.base)
        assert (await first.get(login))[0] == 200  # looking does not use it up
        status, _ = await first.post("/console/login", data={"token": token})
        assert status == 200  # signed in (the redirect was followed to the console)
        status, page = await second.get(login)
        assert status == 410
        assert translator("en").t("web.link_used_title") in page or "استُخدم" in page
        status, _ = await second.post("/console/login", data={"token": token})
        assert status == 410
        assert (await second.get("/console"))[0] == 401
        status, _ = await second.get("/console/login?token=not-a-token")
        assert status == 403
        # Expired: ten minutes and a second later.
        fresh = await login_link(mod)
        web.clock.advance(timedelta(minutes=10, seconds=1))
        assert (await second.get(fresh.removeprefix(web.base)))[0] == 410
        fresh_token = fresh.split("token=", 1)[1]
        status, _ = await second.post("/console/login", data={"token": fresh_token})
        assert status == 410
        assert (await second.get("/console"))[0] == 401


async def test_a_viewer_gets_no_link(web: WebHarness) -> None:
    user = await viewer(web, VIEWER_ID, "en")
    await user.send("/console")
    reply = await user.next_message()
    assert reply.text == translator("en").t("error.not_allowed")
    denied = [e for e in await audit(web, "denied") if e.action == "console.link"]
    assert [e.actor_id for e in denied] == [VIEWER_ID]


async def test_live_queue_actions_and_one_state_with_telegram(web: WebHarness) -> None:
    session = await live_session(web)
    mod = await moderator(web, MOD_ID)
    asker = await viewer(web, VIEWER_ID, "ar")
    async with browser(web.base) as page:
        await page.sign_in(mod)
        events = await page.events(f"/console/events?session={session.id}")
        asker.skip_pending()
        await asker.send("/ask ما خطة التوظيف؟")
        data = await events.wait_for("question", lambda d: d["items"][0]["status"] == "pending")
        question = data["items"][0]
        assert question["text"] == "ما خطة التوظيف؟"
        assert data["counts"] == {"pending": 1}
        base = f"/console/api/questions?session={session.id}"
        status, listed = await page.get_json(base)
        assert status == 200
        assert [i["id"] for i in listed["items"]] == [question["id"]]
        # Filter by status, search the text (Arabic spelling variants) or the number.
        assert (await page.get_json(base + "&status=approved"))[1]["items"] == []
        assert len((await page.get_json(base + "&status=pending"))[1]["items"]) == 1
        assert len((await page.get_json(base + "&q=التوظيف"))[1]["items"]) == 1
        assert len((await page.get_json(base + "&q=%23" + str(question["id"])))[1]["items"]) == 1
        assert (await page.get_json(base + "&q=nothing-like-this"))[1]["items"] == []
        # Approve in the console: the Telegram card changes, the asker is told.
        telegram_card = await card(mod, question["id"])
        status, body = await page.post(
            f"/console/api/questions/{question['id']}",
            {"action": "approve", "revision": question["revision"]},
        )
        assert (status, body["status"]) == (200, "approved")
        approved = await events.wait_for("question", lambda d: item(d, question["id"]))
        assert item(approved, question["id"])["status"] == "approved"  # type: ignore[index]
        notice = translator("ar").t("question.notice.approved", number=question["id"])
        assert (await asker.wait_for(lambda m: m.text == notice)).text == notice
        edited = await mod.wait_for(
            lambda m: m.message_id == telegram_card.message_id and m.edits > 0, timeout=10
        )
        assert is_card(edited, question["id"])
        assert not any(
            d.startswith("qa:")
            for d in [b.get("callback_data", "") for r in edited.buttons for b in r]
        )
        # Then "Answered" on the Telegram card: the console sees it ...
        await mod.press_data(edited.message_id, button(edited, "qd:"))
        answered = await events.wait_for(
            "question", lambda d: (item(d, question["id"]) or {}).get("status") == "answered"
        )
        assert item(answered, question["id"])["revision"] == question["revision"] + 2  # type: ignore[index]
        # ... and the console's stale button is refused: one state in both.
        status, body = await page.post(
            f"/console/api/questions/{question['id']}",
            {"action": "reject", "reason": "off_topic", "revision": question["revision"] + 1},
        )
        assert status == 409
        view = (await web.services.questions.mine(VIEWER_ID))[0]
        assert view.status == "answered"


async def test_staff_read_but_cannot_act(web: WebHarness) -> None:
    session = await live_session(web)
    await staff(web, STAFF_ID)
    asker = await viewer(web, VIEWER_ID, "en")
    await asker.send("/ask Is staff read-only?")
    await asker.next_message()
    question = (await web.services.questions.mine(VIEWER_ID))[0]
    async with browser(web.base) as page:
        await page.sign_in(web.driver.user(STAFF_ID))
        status, html = await page.get("/console")
        assert 'data-can-act="0"' in html
        status, listed = await page.get_json(f"/console/api/questions?session={session.id}")
        assert status == 200
        assert listed["items"][0]["id"] == question.id
        status, body = await page.post(
            f"/console/api/questions/{question.id}",
            {"action": "approve", "revision": question.revision},
        )
        assert status == 403
        assert body["key"] == "error.not_allowed"
        status, _ = await page.get(f"/console/api/screen?session={session.id}")
        assert status == 403
        status, _ = await page.post("/console/api/next", {})
        assert status == 403
    assert (await web.services.questions.mine(VIEWER_ID))[0].status == "pending"
    denied = {e.action for e in await audit(web, "denied") if e.actor_id == STAFF_ID}
    assert {"question.approve", "screen.key", "question.next"} <= denied


async def test_bad_requests_change_nothing(web: WebHarness) -> None:
    session = await live_session(web)
    mod = await moderator(web, MOD_ID)
    asker = await viewer(web, VIEWER_ID, "en")
    await asker.send("/ask Will bad requests change anything?")
    await asker.next_message()
    question = (await web.services.questions.mine(VIEWER_ID))[0]
    path = f"/console/api/questions/{question.id}"
    good = {"action": "approve", "revision": question.revision}
    async with browser(web.base) as page, browser(web.base) as stranger:
        assert (await stranger.post(path, good))[0] == 401  # no cookie
        assert (await stranger.get(f"/console/events?session={session.id}"))[0] == 401
        assert (await stranger.get(f"/console/api/questions?session={session.id}"))[0] == 401
        await page.sign_in(mod)
        assert (await page.post(path, good, headers={"X-CSRF-Token": ""}))[0] == 403
        assert (await page.post(path, good, headers={"X-CSRF-Token": "forged"}))[0] == 403
        evil = {"Origin": "https://evil.example"}
        assert (await page.post(path, good, headers=evil))[0] == 403
        status, _ = await page.post(
            path, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert status == 400
        status, _ = await page.post(
            path, data=b"[1, 2]", headers={"Content-Type": "application/json"}
        )
        assert status == 400
        status, _ = await page.post(
            path, data=b"action=approve", headers={"Content-Type": "text/plain"}
        )
        assert status == 415
        huge = {"action": "reply", "revision": question.revision, "text": "x" * 20_000}
        assert (await page.post(path, huge))[0] == 413
        assert (await page.post(path, {"action": "explode", "revision": 0}))[0] == 400
        assert (await page.post(path, {"action": "approve", "revision": "0"}))[0] == 400
        reject = {"action": "reject", "revision": question.revision, "reason": "<script>"}
        assert (await page.post(reject and path, reject))[0] == 400
        assert (await page.post("/console/api/questions/99999", good))[0] == 404
        assert (await page.get("/console/api/questions?session=abc"))[0] == 400
        status, _ = await page.post("/console/logout", data={"csrf": "wrong"})
        assert status == 403
    after = (await web.services.questions.mine(VIEWER_ID))[0]
    assert (after.status, after.revision) == ("pending", question.revision)


async def test_language_switch_and_sign_out(web: WebHarness) -> None:
    mod = await moderator(web, MOD_ID, "en")
    async with browser(web.base) as page:
        await page.sign_in(mod)
        status, html = await page.get("/console")
        assert '<html lang="en" dir="ltr">' in html
        assert (await page.post("/console/api/language", {"language": "fr"}))[0] == 400
        assert (await page.post("/console/api/language", {"language": "ar"}))[0] == 200
        status, html = await page.get("/console")
        assert '<html lang="ar" dir="rtl">' in html
        assert translator("ar").t("web.console_title") in html
        status, _ = await page.post("/console/logout", data={"csrf": page.csrf})
        assert status == 200  # followed to the signed-out page
        assert (await page.get("/console"))[0] == 401


async def test_next_puts_the_top_approved_question_on_screen(web: WebHarness) -> None:
    await live_session(web)
    mod = await moderator(web, MOD_ID)
    asker = await viewer(web, VIEWER_ID, "en")
    await asker.send("/ask Which question comes next?")
    await asker.next_message()
    question = (await web.services.questions.mine(VIEWER_ID))[0]
    async with browser(web.base) as page:
        await page.sign_in(mod)
        status, body = await page.post("/console/api/next", {})
        assert (status, body["question"]) == (200, None)  # nothing approved yet
        path = f"/console/api/questions/{question.id}"
        assert (await page.post(path, {"action": "approve", "revision": question.revision}))[
            0
        ] == 200
        status, body = await page.post("/console/api/next", {})
        assert (status, body["question"]) == (200, question.id)
        assert (await page.post("/console/api/next", {}))[1]["question"] is None  # shown already
    shown = (await web.services.questions.mine(VIEWER_ID))[0]
    assert shown.shown_at is not None
