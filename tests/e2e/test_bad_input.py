"""SPEC §9: whatever Telegram sends, the bot keeps answering; hints are short and translated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from locales import translator
from tests.e2e.conftest import Harness

AR = translator("ar")
EN = translator("en")
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram-samples"


def sample_updates() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(SAMPLES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "kind" in data:  # {"source", "kind", "data"}
            update = data["data"] if data["kind"] == "Update" else {"message": data["data"]}
            found.append((path.stem, update))
        else:  # a dictionary of named updates
            found.extend((f"{path.stem}:{name}", update) for name, update in data.items())
    return found


SAMPLE_UPDATES = sample_updates()


def test_samples_were_found() -> None:
    assert len(SAMPLE_UPDATES) >= 25


async def assert_still_answers(harness: Harness) -> None:
    probe = harness.driver.user(9999, "Probe", language_code="en")
    await probe.send("/help")
    assert (await probe.next_message()).text.startswith("<b>What you can do</b>")


async def test_every_sample_update_leaves_the_bot_running(harness: Harness) -> None:
    for name, update in SAMPLE_UPDATES:
        update = {k: v for k, v in update.items() if k != "update_id"}
        await harness.driver.send_raw_update(update)
        await harness.driver.idle(timeout=5)
        assert not harness.emulator.errors, name
    await assert_still_answers(harness)


async def test_blocking_marks_unreachable_and_unblocking_restores(harness: Harness) -> None:
    user = harness.driver.user(3001, "Sara", language_code="ar")
    await user.send("/start")
    await user.next_message()
    await user.block()
    await harness.driver.idle()
    viewer = await harness.services.users.get(3001)
    assert viewer is not None
    assert viewer.reachable is False
    await user.unblock()
    await harness.driver.idle()
    viewer = await harness.services.users.get(3001)
    assert viewer is not None
    assert viewer.reachable is True


async def test_media_in_private_gets_one_translated_hint(harness: Harness) -> None:
    user = harness.driver.user(3002, "Sara", language_code="ar")
    await user.send_sticker()
    assert (await user.next_message()).text == AR.t("hint.media")
    await user.send_photo(caption="صورة")
    assert (await user.next_message()).text == AR.t("hint.media")
    await user.send_voice()
    assert (await user.next_message()).text == AR.t("hint.media")
    await harness.driver.idle()
    assert len(user.messages) == 3


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "<script>alert(1)</script>",
        "<b>bold?</b> & co",
        "\u200b\u200b\u200b",
        "\u202eevil override\u202c",
        "🙂🙂🙂",
    ],
)
async def test_odd_texts_get_a_hint_and_are_never_interpreted(harness: Harness, text: str) -> None:
    user = harness.driver.user(3003, "John", language_code="en")
    await user.send(text)
    assert (await user.next_message()).text == EN.t("hint.text")


async def test_unknown_command_and_edits(harness: Harness) -> None:
    user = harness.driver.user(3004, "John", language_code="en")
    await user.send("/doesnotexist")
    assert (await user.next_message()).text == EN.t("hint.unknown_command")
    await user.send("/start")
    await user.next_message()
    await user.edit(user.last_message_id, "/stop")
    await harness.driver.idle()
    viewer = await harness.services.users.get(3004)
    assert viewer is not None
    assert viewer.subscribed is True  # an edited command is not a command


async def test_forged_and_stale_callbacks(harness: Harness) -> None:
    user = harness.driver.user(3005, "John", language_code="en")
    await user.send("/start")
    welcome = await user.next_message()
    for data in ["garbage", "lang:fr", "forget:maybe", "lang:ar;drop table users", "é" * 30]:
        answer = await user.press_data(welcome.message_id, data)
        assert answer.text == EN.t("hint.stale_button")
    answer = await user.press_data(999_999, "lang:ar")  # a message that does not exist
    assert answer.text in (None, "")
    viewer = await harness.services.users.get(3005)
    assert viewer is not None
    assert viewer.language == "ar"


async def test_group_chatter_and_channel_posts_are_ignored(harness: Harness) -> None:
    user = harness.driver.user(3006, "John", language_code="en")
    group = harness.driver.group(-100500, "Viewers")
    channel = harness.driver.channel(-100600, "News")
    await user.send("/start", chat=group)
    await user.send("hello everyone", chat=group)
    await channel.post("announcement")
    await harness.driver.idle()
    assert group.messages == []
    assert channel.messages == []
    assert user.messages == []
