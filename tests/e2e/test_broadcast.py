"""Go-live, reminders and announcements through the durable outbox (issue 3)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.compose import build_services
from handlers.broadcaster import Broadcaster
from locales import catalog, translator
from sandbox import SimUser
from storage.database import Database
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, session, viewer, wait_until

AR = translator("ar")
EN = translator("en")


def golive_text(language: str, _title: str = "") -> str:
    """The fixed start of the go-live message, before the session's title."""
    return catalog(language).singular["broadcast.golive"].split("{")[0]


def received(user: SimUser, prefix: str) -> int:
    return sum(1 for m in user.all_messages if m.text.startswith(prefix))


async def test_go_live_reaches_every_reachable_subscriber_once(harness: Harness) -> None:
    view = await session(harness)
    mod = await moderator(harness, 5000, "en")
    arabic = [await viewer(harness, 5100 + i, "ar") for i in range(6)]
    english = [await viewer(harness, 5200 + i, "en") for i in range(6)]
    blocked = await viewer(harness, 5300, "ar")
    await blocked.block()
    stopped = await viewer(harness, 5301, "en")
    await stopped.send("/stop")
    only_this = await viewer(harness, 5302, "en")  # unsubscribed, but "Remind me" on this one
    await only_this.send("/stop")
    await harness.services.sessions.toggle_reminder(5302, view.id)
    await harness.driver.idle()

    await mod.send(f"/golive {view.id}")
    picker = await mod.next_message()
    await mod.press(picker, f"gl:{view.id}")
    confirm = await mod.next_message()
    assert "National plan session" in confirm.text
    await mod.press(confirm, EN.t("session.golive_now"))
    progress = await mod.wait_for(lambda m: m.text.startswith("<b>Go-live broadcast"))
    everyone = [*arabic, *english, only_this]
    await wait_until(
        lambda: all(received(u, golive_text(u.json["language_code"], "")) for u in everyone)
    )
    await mod.wait_for(lambda m: m.message_id == progress.message_id and "Finished" in m.text)
    final = mod.message(progress.message_id)
    assert EN.tn("broadcast.sent", 14) in final.text  # 12 viewers + this one + the moderator
    assert final.buttons == []
    for user in arabic:
        message = next(m for m in user.all_messages if "🔴" in m.text)
        assert "جلسة الخطة الوطنية" in message.text
        assert "حوار مفتوح مع الإدارة" in message.text
        assert [b["url"] for row in message.buttons for b in row] == [
            "https://youtube.com/live/abc",
            "https://x.com/i/b/1",
        ]
    for user in english:
        assert received(user, golive_text("en", "")) == 1
    assert not any("🔴" in m.text for m in blocked.all_messages)
    assert not any("🔴" in m.text for m in stopped.all_messages)
    assert (await harness.services.sessions.get(view.id)).status == "live"


async def test_blocked_during_broadcast_is_marked_unreachable(harness: Harness) -> None:
    view = await session(harness)
    users = [await viewer(harness, 5400 + i, "ar") for i in range(3)]
    harness.emulator.chats[5401].blocked = True  # blocked without us having been told
    result = await harness.services.sessions.go_live(None, view.id)
    harness.runtime.broadcaster.wake()
    await wait_until(
        lambda: (
            received(users[0], golive_text("ar", "")) and received(users[2], golive_text("ar", ""))
        )
    )
    await harness.driver.idle()
    progress = await harness.services.broadcasts.progress(result.broadcast_id)
    assert (progress.sent, progress.failed, progress.left, progress.status) == (2, 1, 0, "done")
    again = await harness.services.users.get(5401)
    assert again is not None
    assert again.reachable is False


@pytest.mark.limits(global_per_second=30, private_per_second=1, group_per_minute=20)
@pytest.mark.settings(BROADCAST_RATE="60")
async def test_429_waits_and_retries_without_losing_anyone(harness: Harness) -> None:
    """Sending at twice the allowed rate: Telegram answers 429; nothing is lost or doubled."""
    view = await session(harness)
    users = [harness.driver.user(5500 + i, f"U{i}", language_code="en") for i in range(45)]
    for user in users:
        await user.send("/start")
    for user in users:  # replies are throttled by the bot's own limiter: wait for each
        await user.next_message(timeout=30)
    harness.emulator.reset_stats()
    await harness.services.sessions.go_live(None, view.id)
    harness.runtime.broadcaster.wake()
    await wait_until(lambda: all(received(u, golive_text("en", "")) for u in users), seconds=30)
    await harness.driver.idle()
    assert harness.emulator.stats.rate_limited > 0  # the limit was really hit
    assert [received(u, golive_text("en", "")) for u in users] == [1] * len(users)


async def test_reminders_fire_once_from_the_database(harness: Harness) -> None:
    view = await session(harness, hours=25)
    sara = await viewer(harness, 5600, "ar")
    john = await viewer(harness, 5601, "en")
    harness.clock.advance(timedelta(hours=1, seconds=1))
    await wait_until(lambda: any("🗓" in m.text for m in sara.all_messages))
    await wait_until(lambda: any("Tomorrow" in m.text for m in john.all_messages))
    assert await harness.services.broadcasts.fire_reminders() == []  # done is stored
    harness.clock.advance(timedelta(hours=23))
    await wait_until(lambda: any("بعد ساعة" in m.text for m in sara.all_messages))
    harness.clock.advance(timedelta(minutes=30))
    assert await harness.services.broadcasts.fire_reminders() == []
    await harness.driver.idle()
    assert sum("🗓" in m.text for m in sara.all_messages) == 1
    assert sum("⏰" in m.text for m in sara.all_messages) == 1
    assert (await harness.services.sessions.get(view.id)).status == "scheduled"


async def test_auto_golive_at_the_start_time(harness: Harness) -> None:
    view = await session(harness, hours=0.5, auto=True)
    sara = await viewer(harness, 5700, "ar")
    harness.clock.advance(timedelta(minutes=31))
    await wait_until(lambda: received(sara, golive_text("ar", "")) == 1)
    assert (await harness.services.sessions.get(view.id)).status == "live"


async def test_announce_in_both_languages_escaped(harness: Harness) -> None:
    mod = await moderator(harness, 5800, "ar")
    sara = await viewer(harness, 5801, "ar")
    john = await viewer(harness, 5802, "en")
    await mod.send("/announce")
    assert (await mod.next_message()).text == AR.t("announce.ask_ar")
    await mod.send("تأجيل <b>الجلسة</b> & التفاصيل")
    assert (await mod.next_message()).text == AR.t("announce.ask_en")
    await mod.send("-")
    preview = await mod.next_message()
    await mod.press(preview, AR.t("announce.send"))
    await wait_until(lambda: any("📣" in m.text for m in john.all_messages))
    message = next(m for m in sara.all_messages if "📣" in m.text)
    assert "&lt;b&gt;الجلسة&lt;/b&gt; &amp; التفاصيل" in message.text
    # No English text: English viewers get the Arabic one rather than nothing.
    assert "الجلسة" in next(m for m in john.all_messages if "📣" in m.text).text


async def test_empty_announcement_is_refused(harness: Harness) -> None:
    mod = await moderator(harness, 5900, "en")
    await mod.send("/announce")
    await mod.next_message()
    await mod.send("-")
    await mod.next_message()
    await mod.send("-")
    assert (await mod.next_message()).text == EN.t("announce.empty")
    assert await harness.services.broadcasts.running() == []


@pytest.mark.settings(BROADCAST_RATE="4")
async def test_cancel_stops_the_rest(harness: Harness) -> None:
    view = await session(harness)
    mod = await moderator(harness, 6000, "en")
    for i in range(30):
        await viewer(harness, 6100 + i, "en")
    result = await harness.services.sessions.go_live(None, view.id)
    progress_message = await harness.runtime.app.bot.send_message(6000, "progress")
    await harness.services.broadcasts.set_progress_message(
        result.broadcast_id, progress_message.message_id
    )
    await asyncio.sleep(1.0)
    answer = await mod.press_data(progress_message.message_id, f"bcx:{result.broadcast_id}")
    assert answer.text == EN.t("broadcast.cancelled")
    await asyncio.sleep(1.5)
    progress = await harness.services.broadcasts.progress(result.broadcast_id)
    assert progress.status == "cancelled"
    assert progress.left <= harness.runtime.broadcaster.batch_size  # the batch in flight
    assert progress.sent < 31


@pytest.mark.settings(CHANNEL_ID="-1001234")
async def test_channel_gets_the_post_first(harness: Harness) -> None:
    channel = harness.driver.channel(-1001234, "Shurakum")
    view = await session(harness)
    sara = await viewer(harness, 6200, "ar")
    await harness.services.sessions.go_live(None, view.id)
    harness.runtime.broadcaster.wake()
    await wait_until(lambda: received(sara, golive_text("ar", "")) == 1)
    assert len(channel.messages) == 1
    post = channel.messages[0]
    assert "جلسة الخطة الوطنية" in post.text
    assert "National plan session" in post.text
    assert post.date <= sara.all_messages[-1].date


@pytest.mark.settings(BROADCAST_RATE="20")
async def test_two_senders_on_postgresql_never_send_twice(harness: Harness) -> None:
    if harness.services.db.dialect != "postgresql":
        pytest.skip("SQLite supports one process; several senders need PostgreSQL")
    view = await session(harness)
    users = [await viewer(harness, 6300 + i, "en") for i in range(60)]
    second_db = Database(harness.settings.database_url)
    second = Broadcaster(
        harness.runtime.broadcaster.bot,
        build_services(harness.settings, second_db, harness.clock),
        rate=20,
    )
    task = asyncio.create_task(second.run())
    try:
        await harness.services.sessions.go_live(None, view.id)
        harness.runtime.broadcaster.wake()
        second.wake()
        await wait_until(lambda: all(received(u, golive_text("en", "")) for u in users), seconds=30)
        await harness.driver.idle()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await second_db.dispose()
    assert [received(u, golive_text("en", "")) for u in users] == [1] * len(users)
    assert second.sent_total > 0
    assert harness.runtime.broadcaster.sent_total > 0


async def test_a_claim_left_by_a_dead_process_is_resent(harness: Harness) -> None:
    """A claimed batch whose process died goes back to pending when its lease runs out."""
    view = await session(harness)
    sara = await viewer(harness, 6400, "ar")
    broadcasts = harness.services.broadcasts
    for task in harness.runtime.tasks:  # stop the live sender: this test is the dead one
        task.cancel()
    await harness.services.sessions.go_live(None, view.id)
    jobs = await broadcasts.claim(10, timedelta(seconds=10))
    assert [j.user_id for j in jobs] == [6400]
    assert await broadcasts.claim(10, timedelta(seconds=10)) == []  # claimed, not re-claimable
    assert await broadcasts.release_expired() == 0
    harness.clock.advance(timedelta(seconds=11))
    assert await broadcasts.release_expired() == 1
    assert [j.user_id for j in await broadcasts.claim(10, timedelta(seconds=10))] == [6400]
    assert received(sara, golive_text("ar", "")) == 0
