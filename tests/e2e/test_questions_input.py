"""Issue 4, bad input and idempotency: odd texts are refused with one translated answer or
stored as ordinary text and always shown escaped; a redelivered update asks nothing twice."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import EN, card, last_question, live_session


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("x" * 10_000, EN.t("question.too_long", limit=1000, length=10_000)),
        ("🙂🙂🙂", EN.t("question.no_words")),
        ("\u200b\u200c\u200d\u2060\ufeff", EN.t("question.empty")),
        ("   ", EN.t("question.empty")),
        ("ok", EN.t("question.too_short", limit=3)),
    ],
)
async def test_refused_texts_keep_the_prompt_open(harness: Harness, text: str, reply: str) -> None:
    await live_session(harness)
    sara = await viewer(harness, 2201, "en")
    await sara.send("/ask")
    assert (await sara.next_message()).text.startswith("Send your question")
    await sara.send(text)
    assert (await sara.next_message()).text == reply
    assert await harness.services.questions.mine(sara.id) == []
    await sara.send("And now a proper question?")
    assert (await sara.next_message()).text.startswith("✅")
    assert len(await harness.services.questions.mine(sara.id)) == 1


@pytest.mark.parametrize(
    ("text", "stored", "shown"),
    [
        (
            "<script>alert(1)</script>",
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
        ("<b>bold?</b> & co", "<b>bold?</b> & co", "&lt;b&gt;bold?&lt;/b&gt; &amp; co"),
        ("\u202eevil override\u202c here", "evil override here", "evil override here"),
    ],
)
async def test_markup_and_overrides_are_ordinary_text(
    harness: Harness, text: str, stored: str, shown: str
) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2211)
    sara = await viewer(harness, 2212, "en")
    await sara.send(f"/ask {text}")
    assert (await sara.next_message()).text.startswith("✅")
    question = await last_question(harness, sara)
    assert question.text == stored
    mod_card = await card(mod, question.id)
    assert shown in mod_card.text
    assert "\u202e" not in mod_card.text
    assert stored in mod_card.plain_text
    await harness.services.moderation.act(2211, question.id, question.revision, "approve")
    viewer_two = await viewer(harness, 2213, "en")
    await viewer_two.send("/questions")
    board = await viewer_two.next_message()
    assert shown in board.text
    assert stored in board.plain_text


async def test_redelivered_ask_creates_one_question(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2221)
    sara = await viewer(harness, 2222, "en")
    await sara.send("/ask Will the new clinic open this year?")
    first = await sara.next_message()
    assert first.text.startswith("✅")
    question = await last_question(harness, sara)
    await card(mod, question.id)
    raw = sara.chat.user_messages[sara.last_message_id]
    await harness.driver.send_raw_update({"message": dict(raw)})  # the same message again
    again = await sara.next_message()
    assert again.text == EN.t("question.already_received", number=question.id)
    await harness.driver.idle()
    assert len(await harness.services.questions.mine(sara.id)) == 1
    cards = [m for m in mod.messages if f"#{question.id}</b>" in (m.text or "")]
    assert len(cards) == 1


async def test_redelivered_step_text_creates_one_question(harness: Harness) -> None:
    await live_session(harness)
    sara = await viewer(harness, 2231, "en")
    await sara.send("/ask")
    await sara.next_message()
    await sara.send("Is the park staying open at night?")
    assert (await sara.next_message()).text.startswith("✅")
    raw = sara.chat.user_messages[sara.last_message_id]
    await harness.driver.send_raw_update({"message": dict(raw)})
    await harness.driver.idle()
    assert len(await harness.services.questions.mine(sara.id)) == 1


async def test_empty_ask_command_and_group_ask_are_harmless(harness: Harness) -> None:
    await live_session(harness)
    sara = await viewer(harness, 2241, "en")
    group = harness.driver.group(-100777, "Viewers")
    await sara.send("/ask Anyone here?", chat=group)
    await harness.driver.idle()
    assert group.messages == []
    await sara.send(f"/ask@{harness.runtime.app.bot.username}")
    assert (await sara.next_message()).text.startswith("Send your question")
    await sara.send("/cancel")
    await sara.next_message()
    assert await harness.services.questions.mine(sara.id) == []
