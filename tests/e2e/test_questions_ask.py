"""Issue 4, asking: /ask TEXT, the Ask button in two steps, anonymity, edit and withdraw,
the intake window, the rate limit, the cards pushed to moderators (through the bot)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from domain.question_views import RateLimited
from domain.questions import Submitted
from domain.users import Profile
from locales import Markup
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.helpers import moderator, session, statements, viewer
from tests.e2e.question_helpers import AR, EN, ask, card, is_card, last_question, live_session


async def test_ask_in_one_message_reaches_every_moderator(harness: Harness) -> None:
    view = await live_session(harness)
    mod = await moderator(harness, 2101, "en")
    admin = await viewer(harness, ADMIN_ID, "ar")
    sara = await viewer(harness, 2102, "ar")
    await sara.send("/ask متى تبدأ المرحلة الثانية من الخطة؟")
    confirmation = await sara.next_message()
    question = await last_question(harness, sara)
    assert confirmation.text == AR.t("question.received", number=question.id)
    assert question.status == "pending"
    assert question.session_id == view.id
    assert question.text == "متى تبدأ المرحلة الثانية من الخطة؟"
    assert question.language == "ar"
    mod_card = await card(mod, question.id)
    assert "V2102" in mod_card.text
    assert "متى تبدأ المرحلة الثانية" in mod_card.plain_text
    assert mod_card.button_texts()[:2] == [
        EN.t("moderation.button.approve"),
        EN.t("moderation.button.reject"),
    ]
    admin_card = await card(admin, question.id)
    assert AR.t("moderation.button.approve") in admin_card.button_texts()


async def test_ask_button_two_steps_and_anonymous(harness: Harness) -> None:
    view = await live_session(harness)
    mod = await moderator(harness, 2111)
    john = harness.driver.user(2112, "John", username="johnny", language_code="en")
    await john.send(f"/start s{view.id}")
    session_card = await john.wait_for(
        lambda m: EN.t("question.ask") in m.button_texts(), timeout=10
    )
    await john.press(session_card, EN.t("question.ask"))
    prompt = await john.wait_for(lambda m: m.text.startswith("Send your question"), timeout=10)
    answer = await john.press(prompt, EN.t("question.button.make_anonymous"))
    assert answer.text == EN.t("question.anonymous_chosen")
    await john.wait_for(lambda m: EN.t("question.button.show_name") in m.button_texts(), timeout=10)
    await john.send("What is the budget for schools?")
    confirmation = await john.wait_for(lambda m: m.text.startswith("✅"), timeout=10)
    question = await last_question(harness, john)
    assert question.anonymous
    assert EN.t("question.received_anonymous") in confirmation.text
    mod_card = await card(mod, question.id)
    assert EN.t("moderation.card.anonymous") in mod_card.text
    assert "John" not in mod_card.text
    assert "johnny" not in mod_card.text
    # the step is used up: the next text is not a question
    john.skip_pending()
    await john.send("thanks")
    assert (await john.next_message()).text == EN.t("hint.text")
    assert len(await harness.services.questions.mine(john.id)) == 1


async def test_edit_anonymity_and_withdraw_while_pending(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2121)
    sara = await viewer(harness, 2122, "en")
    question = await ask(harness, sara, "What about the roads in the north?")
    first = await card(mod, question.id)
    confirmation = sara.message(sara.messages[-1].message_id)
    await sara.press(confirmation, EN.t("question.button.edit"))
    prompt = await sara.wait_for(lambda m: m.text.startswith("Send the new text"), timeout=10)
    assert "roads in the north" in prompt.plain_text
    await sara.send("What about the roads in the south?")
    await sara.wait_for(lambda m: m.text == EN.t("question.edited", number=question.id), timeout=10)
    edited = await mod.wait_for(
        lambda m: "south" in m.plain_text and is_card(m, question.id), timeout=10
    )
    assert edited.message_id == first.message_id  # the same card, refreshed
    answer = await sara.press(confirmation, EN.t("question.button.make_anonymous"))
    assert answer.text == EN.t("question.anonymous_on", number=question.id)
    await mod.wait_for(lambda m: EN.t("moderation.card.anonymous") in m.text, timeout=10)
    answer = await sara.press(confirmation, EN.t("question.button.withdraw"))
    assert answer.text == EN.t("question.withdrawn", number=question.id)
    assert (await last_question(harness, sara)).status == "withdrawn"
    await mod.wait_for(lambda m: EN.t("question.status.withdrawn") in m.text, timeout=10)
    answer = await sara.press_data(confirmation.message_id, f"qe:{question.id}")
    assert answer.text == EN.t("question.not_pending", number=question.id)
    assert answer.show_alert


async def test_intake_window_opens_before_the_start_and_closes_after_the_end(
    harness: Harness,
) -> None:
    view = await session(harness, hours=2)
    sara = await viewer(harness, 2131, "en")
    await sara.send("/ask Is this open yet?")
    assert (await sara.next_message()).text == EN.t("question.no_session")
    answer = await sara.press_data(sara.messages[-1].message_id, f"ask:{view.id}")
    opens = EN.when(view.starts_at - timedelta(minutes=60), harness.services.zone)
    assert answer.text == EN.t("question.not_open_yet", opens=Markup(opens))
    harness.clock.advance(timedelta(minutes=61))
    question = await ask(harness, sara, "Is this open now?")
    assert question.session_id == view.id
    await harness.services.sessions.go_live(None, view.id)
    await harness.services.sessions.end(None, view.id)
    harness.clock.advance(timedelta(minutes=29))
    await ask(harness, sara, "A late question after the end")
    harness.clock.advance(timedelta(minutes=2))
    await sara.send("/ask Too late now?")
    assert (await sara.next_message()).text == EN.t("question.no_session")
    answer = await sara.press_data(sara.messages[-1].message_id, f"ask:{view.id}")
    assert answer.text == EN.t("question.closed")


async def test_rate_limit_says_please_wait(harness: Harness) -> None:
    await live_session(harness)
    sara = await viewer(harness, 2141, "ar")
    for n in range(3):
        await ask(harness, sara, f"سؤال رقم {n} عن الخطة")
    await sara.send("/ask سؤال رابع سريع")
    assert (await sara.next_message()).text == AR.tn("question.rate_limit", 3)
    harness.clock.advance(timedelta(seconds=61))
    await ask(harness, sara, "سؤال بعد دقيقة")
    assert len(await harness.services.questions.mine(sara.id)) == 4


async def test_two_open_sessions_ask_which_one(harness: Harness) -> None:
    first = await live_session(harness)
    harness.clock.advance(timedelta(minutes=5))
    second = await live_session(harness)  # the most recently live is offered first
    sara = await viewer(harness, 2151, "en")
    await sara.send("/ask")
    picker = await sara.next_message()
    assert picker.text == EN.t("question.pick")
    assert [b["callback_data"] for row in picker.buttons for b in row] == [
        f"ask:{second.id}",
        f"ask:{first.id}",
    ]
    await sara.press_data(picker.message_id, f"ask:{first.id}")
    await sara.wait_for(lambda m: m.text.startswith("Send your question"), timeout=10)
    await sara.send("Which session is this for?")
    await sara.wait_for(lambda m: m.text.startswith("✅"), timeout=10)
    assert (await last_question(harness, sara)).session_id == first.id


async def test_questions_in_flight_together_are_written_together_with_their_own_outcomes(
    harness: Harness,
) -> None:
    """The group commit of QuestionService.submit: many viewers' questions at once, one
    viewer over the rate limit, a message delivered twice, a muted viewer and a draft
    session's step, all in one transaction: what is read for each ask is read once for all."""
    view = await live_session(harness)
    draft = await session(harness, publish=False)
    mod = await moderator(harness, 2191)
    noisy = await viewer(harness, 2192, "en")
    muted = await ask(harness, noisy, "A first question before the mute?")
    await harness.services.moderation.mute(mod.id, muted.id)
    questions = harness.services.questions
    profiles = [Profile(5200 + i, f"P{i}", language_code="ar") for i in range(12)]

    def submit(who: Profile, text: str, message_id: int, session_id: int | None = None) -> Any:
        return questions.submit(who, session_id, text, chat_id=who.user_id, message_id=message_id)

    asks = [submit(p, f"Question {p.user_id} about the plan?", 1) for p in profiles]
    one = profiles[0]
    asks += [
        submit(one, "A second question?", 2),
        submit(one, "A third question?", 3),
        submit(one, "A fourth: over the limit of three a minute?", 4),
        submit(profiles[1], "Delivered twice?", 1),  # the same message as its first
        submit(Profile(noisy.id, "Noisy"), "Muted, so refused?", 99),
        submit(profiles[2], "For a draft session?", 5, draft.id),
    ]
    with statements(harness) as run:
        outcomes = await asyncio.gather(*asks, return_exceptions=True)
    # for the batch, not per ask: the askers created once, the mutes read once, the askers
    # read with their recent questions' count (`storage.questions.askers`) once, and once
    # more for those just created (all of them here: they had not started the bot)
    once = ('INSERT INTO "users"', "FROM question_mutes", "count(*)")
    assert [run.count(fragment) for fragment in once] == [1, 1, 2]
    made = [o for o in outcomes[:16] if isinstance(o, Submitted)]
    assert [m.created for m in made] == [True] * 14 + [False]
    assert {m.language for m in made} == {"ar"}
    assert made[14].question.id == made[1].question.id  # the first of that message
    assert made[14].question.text == "Question 5201 about the plan?"
    assert len({m.question.id for m in made}) == 14
    assert {m.question.session_id for m in made} == {view.id}
    assert isinstance(outcomes[14], RateLimited)
    assert [getattr(e, "key", e) for e in outcomes[16:]] == [
        "question.muted", "session.not_found",
    ]  # fmt: skip
    assert len(await questions.mine(one.user_id)) == 3
    assert [q.text for q in await questions.mine(noisy.id)] == [muted.text]
