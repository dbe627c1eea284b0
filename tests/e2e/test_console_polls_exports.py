"""Poll control with live results in the console, and export downloads (SPEC §6)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator

import pytest

from domain.roles import Role
from tests.e2e.helpers import moderator, session, viewer
from tests.e2e.question_helpers import audit, live_session
from tests.e2e.web_helpers import WebHarness, browser, running_web_harness

MOD_ID, STAFF_ID, VIEWER_ID = 5001, 5002, 5003


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[WebHarness]:
    async with running_web_harness(database_url) as harness:
        yield harness


async def test_poll_control_with_live_results(web: WebHarness) -> None:
    live = await live_session(web)
    mod = await moderator(web, MOD_ID)
    voter = await viewer(web, VIEWER_ID, "en")
    poll = await web.services.polls.create(
        None,
        live.id,
        "single",
        "الأولوية؟",
        "Priority?",
        [("التعليم", "Education"), ("الصحة", "Health")],
    )
    async with browser(web.base) as page:
        await page.sign_in(mod)
        status, polls = await page.get_json(f"/console/api/polls?session={live.id}")
        assert status == 200
        assert [p["status"] for p in polls] == ["draft"]
        events = await page.events(f"/console/events?session={live.id}")
        status, body = await page.post(f"/console/api/polls/{poll.id}", {"action": "launch"})
        assert (status, body["recipients"]) == (200, 2)  # the viewer and the moderator
        opened = await events.wait_for("poll", lambda d: d["status"] == "open")
        assert opened["id"] == poll.id
        ballot = await voter.wait_for(lambda m: (m.text or "").startswith("📊"), timeout=15)
        await voter.press(ballot, "Health")
        voted = await events.wait_for("poll", lambda d: d["voters"] == 1)
        assert [o["count"] for o in voted["options"]] == [0, 1]
        assert (await page.post(f"/console/api/polls/{poll.id}", {"action": "publish"}))[0] == 400
        assert (await page.post(f"/console/api/polls/{poll.id}", {"action": "close"}))[0] == 200
        await events.wait_for("poll", lambda d: d["status"] == "closed")
        status, body = await page.post(f"/console/api/polls/{poll.id}", {"action": "publish"})
        assert status == 200
        assert body["recipients"] >= 1
        assert (await page.post(f"/console/api/polls/{poll.id}", {"action": "nope"}))[0] == 400
        assert (await page.post("/console/api/polls/99999", {"action": "close"}))[0] == 404
    await web.services.roles.set_role(None, STAFF_ID, Role.STAFF)
    await viewer(web, STAFF_ID, "en")
    other = await web.services.polls.create(None, live.id, "rating", "تقييم", "Rating")
    async with browser(web.base) as page:
        await page.sign_in(web.driver.user(STAFF_ID))
        status, polls = await page.get_json(f"/console/api/polls?session={live.id}")
        assert status == 200
        assert len(polls) == 2
        assert (await page.post(f"/console/api/polls/{other.id}", {"action": "launch"}))[0] == 403
    assert (await web.services.polls.get(other.id)).status == "draft"
    assert any(e.action == "poll.launch" for e in await audit(web, "denied"))


async def test_exports_for_staff_and_moderators(web: WebHarness) -> None:
    live = await live_session(web)
    empty = await session(web)
    await web.services.roles.set_role(None, STAFF_ID, Role.STAFF)
    await viewer(web, STAFF_ID, "en")
    asker = await viewer(web, VIEWER_ID, "en")
    await asker.send("/ask What will the export show?")
    await asker.next_message()
    async with browser(web.base) as stranger:
        assert (await stranger.get(f"/exports/{live.id}.json"))[0] == 401
    async with browser(web.base) as page:
        await page.sign_in(web.driver.user(STAFF_ID))
        async with page.http.get(f"{web.base}/exports/{live.id}.json") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            assert f'filename="session-{live.id}.json"' in response.headers["Content-Disposition"]
            data = json.loads(await response.read())
        assert [q["text"] for q in data["questions"]] == ["What will the export show?"]
        async with page.http.get(f"{web.base}/exports/{live.id}.csv") as response:
            assert response.status == 200
            names = zipfile.ZipFile(io.BytesIO(await response.read())).namelist()
            assert any(name.endswith(".csv") for name in names)
        async with page.http.get(f"{web.base}/exports/{live.id}.pdf") as response:
            assert response.status == 200
            assert (await response.read()).startswith(b"%PDF")
        assert (await page.get(f"/exports/{live.id}.exe"))[0] == 404
        assert (await page.get("/exports/99999.json"))[0] == 404
        assert (await page.get(f"/exports/{empty.id}.json"))[0] == 409
    mod = await moderator(web, MOD_ID)
    async with browser(web.base) as page:
        await page.sign_in(mod)
        async with page.http.get(f"{web.base}/exports/{live.id}.xlsx") as response:
            assert response.status == 200
            assert (await response.read()).startswith(b"PK")
    exported = [e for e in await audit(web) if e.action == "export" and e.outcome == "ok"]
    assert {e.actor_id for e in exported} == {STAFF_ID, MOD_ID}
