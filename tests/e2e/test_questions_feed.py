"""Issue 4, the moderators' group (MODERATOR_CHAT_ID): cards while Telegram's 20 messages a
minute per group allow, then one digest edited in place; buttons and commands in the group."""

from __future__ import annotations

import asyncio

import pytest

from domain.roles import Role
from handlers.question_feed import CARDS_PER_MINUTE
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, statements, viewer
from tests.e2e.question_helpers import AR, EN, ask, card, is_card, live_session

GROUP = -100900


@pytest.mark.settings(MODERATOR_CHAT_ID=str(GROUP))
async def test_group_gets_cards_then_a_digest_edited_in_place(harness: Harness) -> None:
    group = harness.driver.group(GROUP, "Moderators")
    await live_session(harness)
    mod = await moderator(harness, 2501, "en")
    total = CARDS_PER_MINUTE + 7
    for i in range(total):
        asker = await viewer(harness, 2510 + i, "en")
        await ask(harness, asker, f"Question {i} from the crowd, about item {i * 7}?")
    digest = AR.tn("queue.digest", total - CARDS_PER_MINUTE)  # the group's language: the default
    message = await group.wait_for(lambda m: m.text == digest, timeout=30)
    cards = [m for m in group.messages if m.text and "</b> —" in m.text.split("\n")[0]]
    assert len(cards) == CARDS_PER_MINUTE
    digests = [m for m in group.messages if m.text and m.text.startswith("📥")]
    assert digests == [message]  # one message, edited in place (never a second one)
    # Edits are coalesced (the newest count wins): under load the first digest may already
    # carry the final count; every earlier state of the message was a digest too.
    assert all((text or "").startswith("📥") for text in message.history)
    assert mod.messages[-1].text.startswith("Welcome")  # nothing in private chats
    assert len(group.messages) <= 20


@pytest.mark.settings(MODERATOR_CHAT_ID=str(GROUP))
async def test_buttons_and_commands_in_the_group(harness: Harness) -> None:
    group = harness.driver.group(GROUP, "Moderators")
    await live_session(harness)
    mod = await moderator(harness, 2601, "en")
    sara = await viewer(harness, 2602, "en")
    question = await ask(harness, sara, "Will the library open on Fridays?")
    group_card = await card(mod, question.id, where=group)
    assert AR.t("moderation.button.approve") in group_card.button_texts()
    answer = await mod.press(group_card, AR.t("moderation.button.reply"))
    assert answer.text == EN.t("moderation.prompt_sent")
    await mod.wait_for(lambda m: m.text.startswith("Send the written answer"), timeout=10)
    await mod.send("Yes, from next month.")
    await sara.wait_for(lambda m: "from next month" in m.text, timeout=10)
    await group.wait_for(
        lambda m: is_card(m, question.id) and AR.t("question.status.answered") in m.text
    )
    stranger = harness.driver.user(2603, "Stranger", language_code="en")
    await stranger.send("/queue", chat=group)
    await mod.send("/queue", chat=group)
    await group.wait_for(lambda m: m.text == AR.t("queue.empty") or "📊" in m.text, timeout=15)
    denied = [m for m in group.messages if m.text == EN.t("error.not_allowed")]
    assert len(denied) == 1


async def test_where_new_questions_go_is_read_once_for_a_burst(harness: Harness) -> None:
    """Every new question asks where the cards go (no MODERATOR_CHAT_ID: each moderator's
    private chat): the questions that arrive together share one read."""
    await moderator(harness, 2195, "ar")
    desk = harness.services.question_desk
    with statements(harness) as run:
        chats = await asyncio.gather(*(desk.feed_chats() for _ in range(10)))
    assert run.count("FROM roles") == 1
    assert all(c == chats[0] for c in chats)
    assert (2195, "ar") in chats[0]
    await harness.services.roles.set_role(None, 2195, Role.VIEWER)
    assert (2195, "ar") not in await desk.feed_chats()  # a read after the change sees it
