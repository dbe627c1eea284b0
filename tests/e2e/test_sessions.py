"""Sessions in Telegram: the wizard, cards, reminders toggle, deep links, refusals (issue 3)."""

from __future__ import annotations

from datetime import timedelta

from locales import translator
from storage import queries
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, session, viewer

AR = translator("ar")
EN = translator("en")


async def test_newsession_wizard_with_bad_answers(harness: Harness) -> None:
    mod = await moderator(harness, 4001, "en")
    await mod.send("/newsession")
    assert (await mod.next_message()).text == EN.t("wizard.title_ar")
    await mod.send("   ")
    reply = await mod.next_message()
    assert reply.text.startswith(EN.t("session.title_empty"))
    await mod.send("خطة <b>التحول</b> الرقمي")
    assert (await mod.next_message()).text == EN.t("wizard.title_en")
    await mod.send("x" * 201)
    assert (await mod.next_message()).text.startswith(EN.t("session.title_too_long", limit=200))
    await mod.send("Digital transformation plan")
    assert (await mod.next_message()).text == EN.t("wizard.starts_at")
    await mod.send("tomorrow at six")
    assert (await mod.next_message()).text.startswith(EN.t("session.bad_start"))
    await mod.send("2020-01-01 10:00")
    assert (await mod.next_message()).text.startswith(EN.t("session.start_in_past"))
    when = (harness.clock() + timedelta(days=3)).astimezone(harness.services.zone)
    await mod.send(when.strftime("%Y-%m-%d %H:%M"))
    assert (await mod.next_message()).text == EN.t("wizard.streams")
    for bad in ("http://youtube.com/live/x", "javascript:alert(1)", "not a link"):
        await mod.send(bad)
        assert (await mod.next_message()).text.startswith(EN.t("session.bad_link"))
    await mod.send("https://www.youtube.com/live/abc")
    more = await mod.next_message()
    assert more.text == EN.tn("wizard.streams_more", 1)
    await mod.press(more, EN.t("wizard.done"))
    confirm = await mod.wait_for(lambda m: "Ready:" in m.text)
    await mod.press(confirm, "nw:publish")
    card = await mod.wait_for(lambda m: "🗓" in m.text)
    assert "خطة &lt;b&gt;التحول&lt;/b&gt; الرقمي" not in card.text  # English card shows title_en
    assert "Digital transformation plan" in card.text
    views = await harness.services.sessions.all()
    assert [(v.title_ar, v.status) for v in views] == [("خطة <b>التحول</b> الرقمي", "scheduled")]
    assert views[0].starts_at == when.replace(second=0, microsecond=0)
    assert views[0].streams[0].platform == "youtube"
    assert await harness.services.steps.get(4001) is None


async def test_wizard_survives_a_restart(harness: Harness) -> None:
    mod = await moderator(harness, 4002, "ar")
    await mod.send("/newsession")
    await mod.next_message()
    await mod.send("عنوان")
    await mod.next_message()
    # The step lives in the database: a new process (same DB) continues the conversation.
    step = await harness.services.steps.get(4002)
    assert step is not None
    assert step.kind == "new:title_en"
    assert step.data == {"title_ar": "عنوان"}


async def test_viewer_lists_opens_card_and_toggles_reminder(harness: Harness) -> None:
    view = await session(harness)
    await session(harness, publish=False)  # a draft is not shown to viewers
    sara = await viewer(harness, 4003, "ar")
    await sara.send("/sessions")
    listing = await sara.next_message()
    assert AR.tn("sessions.header", 1) in listing.text
    assert "جلسة الخطة الوطنية" in listing.text
    await sara.press(listing, f"card:{view.id}")
    card = await sara.next_message()
    assert "حوار مفتوح مع الإدارة" in card.text
    assert f"https://t.me/{harness.runtime.app.bot.username}?start=s{view.id}" in card.text
    urls = [b.get("url") for row in card.buttons for b in row if "url" in b]
    assert urls == ["https://youtube.com/live/abc", "https://x.com/i/b/1"]
    answer = await sara.press(card, AR.t("session.remind_me"))
    assert answer.text == AR.t("session.reminder_set")
    card = await sara.wait_for(lambda m: AR.t("session.reminder_on") in m.button_texts())
    assert await harness.services.sessions.is_subscribed(4003, view.id)
    answer = await sara.press(card, AR.t("session.reminder_on"))
    assert answer.text == AR.t("session.reminder_cleared")
    assert not await harness.services.sessions.is_subscribed(4003, view.id)


async def test_deep_link_opens_the_card_on_first_start(harness: Harness) -> None:
    view = await session(harness)
    new = harness.driver.user(4004, "Omar", language_code="en")
    await new.send(f"/start s{view.id}")
    assert (await new.next_message()).text.startswith("Welcome to")
    card = await new.next_message()
    assert "National plan session" in card.text
    await new.send("/start s999999")
    assert (await new.next_message()).text == EN.t("session.not_found", session_id="999999")
    await new.send("/start s" + "9" * 40)  # not a session id Telegram could send us
    assert (await new.next_message()).text.startswith("Welcome back")


async def test_viewer_pressing_moderator_buttons_is_refused_and_audited(harness: Harness) -> None:
    view = await session(harness, publish=False)
    sara = await viewer(harness, 4005, "ar")
    own = sara.last
    for data in (
        f"gl:{view.id}",
        f"glc:{view.id}",
        f"pub:{view.id}",
        f"end:{view.id}",
        f"auto:{view.id}",
        f"ed:title_ar:{view.id}",
        "bcx:1",
    ):
        answer = await sara.press_data(own.message_id, data)
        assert answer.text == AR.t("error.not_allowed"), data
        assert answer.show_alert
    await sara.send("/newsession")
    assert (await sara.next_message()).text == AR.t("error.not_allowed")
    await sara.send("/golive")
    assert (await sara.next_message()).text == AR.t("error.not_allowed")
    after = await harness.services.sessions.get(view.id)
    assert (after.status, after.title_ar, after.auto_golive) == ("draft", view.title_ar, False)
    async with harness.services.db.transaction() as db:
        denied = [e for e in await queries.audit_entries(db) if e.outcome == "denied"]
    assert len(denied) == 9
    assert {e.actor_id for e in denied} == {4005}


async def test_moderator_edits_publishes_and_ends(harness: Harness) -> None:
    view = await session(harness, publish=False)
    mod = await moderator(harness, 4006, "en")
    await mod.send("/sessions")
    listing = await mod.next_message()
    await mod.press(listing, f"card:{view.id}")
    card = await mod.next_message()
    await mod.press(card, EN.t("edit.title_en"))
    assert (await mod.next_message()).text == EN.t("edit.prompt.title_en")
    await mod.send("New <title>")
    assert (await mod.next_message()).text == EN.t("edit.saved")
    card = await mod.next_message()
    assert "New &lt;title&gt;" in card.text
    await mod.press(card, EN.t("edit.streams"))
    await mod.next_message()
    await mod.send("ftp://nope")
    assert (await mod.next_message()).text == EN.t("session.bad_link")
    await mod.send("https://facebook.com/live/1 https://instagram.com/live/2")
    await mod.next_message()
    card = await mod.next_message()
    assert [s.platform for s in (await harness.services.sessions.get(view.id)).streams] == [
        "facebook",
        "instagram",
    ]
    await mod.press(card, f"auto:{view.id}")
    assert (await harness.services.sessions.get(view.id)).auto_golive is True
    await mod.press(card, f"pub:{view.id}")
    assert (await harness.services.sessions.get(view.id)).status == "scheduled"
    answer = await mod.press_data(card.message_id, f"pub:{view.id}")
    assert answer.text == EN.t("session.already_scheduled")
    await harness.services.sessions.go_live(None, view.id)
    await mod.send(f"/golive {view.id}")
    assert (await mod.next_message()).text == EN.t("session.pick")
    answer = await mod.press_data(mod.last.message_id, f"gl:{view.id}")
    assert answer.text == EN.t("session.already_live")
    await mod.send("/end")
    picker = await mod.next_message()
    await mod.press(picker, f"end:{view.id}")
    await mod.wait_for(lambda m: m.text == EN.t("session.ended", title="New <title>"))
    assert (await harness.services.sessions.get(view.id)).status == "ended"
    answer = await mod.press_data(picker.message_id, f"end:{view.id}")
    assert answer.text == EN.t("session.already_ended")
    await mod.send("/golive abc")
    await mod.wait_for(lambda m: m.text == EN.t("session.bad_id"))
