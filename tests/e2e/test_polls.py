"""Polls through the running bot: prepare, launch, vote, close, publish (issue 5)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from domain.polls import Vote
from locales import translator
from sandbox import SentMessage, SimUser
from storage import queries
from storage.models import PollVote
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, session, statements, viewer, wait_until

AR = translator("ar")
EN = translator("en")


def ballot_of(user: SimUser) -> SentMessage:
    return next(m for m in reversed(user.all_messages) if m.text.startswith("📊"))


async def live_session(harness: Harness) -> int:
    view = await session(harness)
    await harness.services.sessions.go_live(None, view.id)
    return view.id


async def test_moderator_prepares_launches_and_viewers_vote(harness: Harness) -> None:
    session_id = await live_session(harness)
    mod = await moderator(harness, 7000, "en")
    sara = await viewer(harness, 7001, "ar")
    john = await viewer(harness, 7002, "en")
    await mod.send("/poll")
    kind = await mod.next_message()
    assert kind.text == EN.t("poll.ask_kind")
    await mod.press(kind, EN.t("poll.kind.single"))
    await mod.wait_for(lambda m: m.text == EN.t("poll.ask_question_ar"))
    mod.skip_pending()
    await mod.send("ما أولويتك في الخطة؟")
    await mod.next_message()
    await mod.send("What is your priority in the plan?")
    await mod.next_message()
    await mod.send("التعليم | Education\nالصحة | Health\nالنقل | Transport")
    card = await mod.wait_for(lambda m: "Poll #" in m.text)
    assert "prepared" in card.text
    await mod.press(card, "pl:{}:0".format(card.text.split("#")[1].split("<")[0]))
    poll_id = (await harness.services.polls.for_session(session_id))[0].id
    await wait_until(lambda: any(m.text.startswith("📊") for m in sara.all_messages))
    await wait_until(lambda: any(m.text.startswith("📊") for m in john.all_messages))
    ar_ballot = ballot_of(sara)
    assert "ما أولويتك في الخطة؟" in ar_ballot.text
    assert ar_ballot.button_texts() == ["التعليم", "الصحة", "النقل"]
    assert ballot_of(john).button_texts() == ["Education", "Health", "Transport"]

    answer = await sara.press(ar_ballot, "الصحة")
    assert answer.text == AR.t("poll.voted")
    await sara.wait_for(lambda m: "✅ الصحة" in m.button_texts())
    await sara.press(ballot_of(sara), "التعليم")
    await sara.wait_for(lambda m: "✅ التعليم" in m.button_texts())
    await john.press(ballot_of(john), "Education")
    await john.press(ballot_of(john), "Education")  # a double tap: still one vote
    results = await harness.services.polls.results(poll_id)
    assert results.counts == (2, 0, 0)
    assert results.voters == 2
    # The moderator's card shows live counts (edited off the hot path).
    await mod.wait_for(lambda m: "Poll #" in m.text and "100% (2)" in m.text)

    await mod.send("/closepoll")
    picker = await mod.next_message()
    await mod.press(picker, f"pc:{poll_id}")
    answer = await mod.press_data(picker.message_id, f"pc:{poll_id}")
    assert answer.text == EN.t("poll.already_closed")  # closing twice is harmless
    answer = await john.press(ballot_of(john), "Health")
    assert answer.text == EN.t("poll.closed")
    assert (await harness.services.polls.results(poll_id)).counts == (2, 0, 0)

    closed_card = await mod.wait_for(lambda m: "closed" in m.text and "Poll #" in m.text)
    await mod.press(closed_card, EN.t("poll.publish"))
    await wait_until(lambda: any(m.kind == "photo" for m in sara.all_messages))
    photo = next(m for m in sara.all_messages if m.kind == "photo")
    assert "التعليم" in photo.text
    assert "100%" in photo.text
    answer = await mod.press_data(closed_card.message_id, f"pp:{poll_id}")
    assert answer.text == EN.t("poll.already_published")


async def test_multiple_choice_respects_the_maximum(harness: Harness) -> None:
    session_id = await live_session(harness)
    sara = await viewer(harness, 7101, "ar")
    poll = await harness.services.polls.create(
        None, session_id, "multiple", "اختر", "Pick", [("أ", "A"), ("ب", "B"), ("ج", "C")],
        max_choices=2,
    )  # fmt: skip
    await harness.services.polls.launch(None, poll.id)
    harness.runtime.broadcaster.wake()
    await wait_until(lambda: any(m.text.startswith("📊") for m in sara.all_messages))
    await sara.press(ballot_of(sara), f"pv:{poll.id}:0")
    await sara.press(ballot_of(sara), f"pv:{poll.id}:1")
    answer = await sara.press(ballot_of(sara), f"pv:{poll.id}:2")
    assert answer.text == AR.t("poll.too_many", limit=2)
    await sara.press(ballot_of(sara), f"pv:{poll.id}:0")  # toggles off
    assert await harness.services.polls.choices(poll.id, 7101) == (1,)


async def test_rating_text_and_top_terms(harness: Harness) -> None:
    session_id = await live_session(harness)
    users = [await viewer(harness, 7200 + i, "ar" if i % 2 else "en") for i in range(4)]
    rating = await harness.services.polls.create(None, session_id, "rating", "قيّم", "Rate")
    text = await harness.services.polls.create(None, session_id, "text", "اقتراحك؟", "Idea?")
    for poll in (rating, text):
        await harness.services.polls.launch(None, poll.id)
    for i, user in enumerate(users):
        await harness.services.polls.vote(user.id, rating.id, 5 if i < 3 else 2)
    answers = ["تحسين الخدمات الإلكترونية", "الخدمات الالكترونية أسرع", "Faster e-services", "x"]
    harness.runtime.broadcaster.wake()
    await wait_until(
        lambda: all(sum(m.text.startswith("📊") for m in u.all_messages) == 2 for u in users)
    )
    for user, answer in zip(users, answers, strict=True):
        ballot = next(
            m for m in user.all_messages if m.button_texts() and "✍️" in m.button_texts()[0]
        )
        user.skip_pending()
        await user.press(ballot, ballot.button_texts()[0])
        await user.next_message()  # "send your answer"
        await user.send(answer)
        reply = await user.next_message()
        assert reply.text in (AR.t("poll.answer_saved"), EN.t("poll.answer_saved"))
    results = await harness.services.polls.results(rating.id)
    assert results.counts == (0, 1, 0, 0, 3)
    assert results.average == pytest.approx(4.25)
    text_results = await harness.services.polls.results(text.id)
    assert text_results.answers == 4
    assert dict(text_results.terms)["الالكترونيه"] == 2  # أ/ا and ة/ه folded, stop words gone


async def test_bad_votes_are_refused_and_forgeries_audited(harness: Harness) -> None:
    session_id = await live_session(harness)
    sara = await viewer(harness, 7301, "ar")
    poll = await harness.services.polls.create(
        None, session_id, "single", "س", "Q", [("أ", "A"), ("ب", "B")]
    )
    await harness.services.polls.launch(None, poll.id)
    message = sara.last.message_id
    for data in (f"pv:{poll.id}:7", "pv:999999:0"):
        answer = await sara.press_data(message, data)
        assert answer.text == AR.t("poll.invalid")
    stranger = harness.driver.user(7399, "Stranger", language_code="en")
    answer = await stranger.press_data(1, f"pv:{poll.id}:0")
    assert answer.text == EN.t("session.start_first")
    async with harness.services.db.transaction() as db:
        forged = [e for e in await queries.audit_entries(db) if e.outcome == "forged"]
        votes = (await db.execute(select(func.count()).select_from(PollVote))).scalar()
    assert len(forged) == 2
    assert votes == 0


async def test_poll_validation(harness: Harness) -> None:
    session_id = await live_session(harness)
    polls = harness.services.polls
    cases = [
        ("single", [("أ", None)], "poll.option_count"),
        ("single", [(str(i), None) for i in range(13)], "poll.option_count"),
        ("single", [("أ" * 101, None), ("ب", None)], "poll.option_too_long"),
        ("multiple", [("أ", None), ("ب", None)], None),
    ]
    from domain.errors import DomainError

    for kind, options, key in cases:
        if key is None:
            await polls.create(None, session_id, kind, "س", None, options)
            continue
        with pytest.raises(DomainError) as caught:
            await polls.create(None, session_id, kind, "س", None, options)
        assert caught.value.key == key
    with pytest.raises(DomainError) as caught:
        await polls.create(None, session_id, "single", " ", "", [("a", "a"), ("b", "b")])
    assert caught.value.key == "poll.question_empty"


async def test_end_sends_the_satisfaction_survey(harness: Harness) -> None:
    session_id = await live_session(harness)
    mod = await moderator(harness, 7400, "en")
    sara = await viewer(harness, 7401, "ar")
    await mod.send("/end")
    picker = await mod.next_message()
    await mod.press(picker, f"end:{session_id}")
    await wait_until(lambda: any(m.text.startswith("📊") for m in sara.all_messages))
    survey = ballot_of(sara)
    assert "ما مدى رضاك عن هذه الجلسة؟" in survey.text
    await sara.press(survey, "5")
    sara.skip_pending()
    await sara.press(ballot_of(sara), AR.t("poll.comment_button"))
    await sara.next_message()
    await sara.send("جلسة مفيدة جدًا")
    assert (await sara.next_message()).text == AR.t("poll.answer_saved")
    poll = (await harness.services.polls.for_session(session_id))[-1]
    results = await harness.services.polls.results(poll.id)
    assert (results.average, results.answers, results.voters) == (5.0, 1, 1)


@pytest.mark.settings(CHANNEL_ID="-100777")
async def test_native_poll_answers_are_counted_once(harness: Harness) -> None:
    group = harness.driver.group(-100777, "Shurakum discussion")
    session_id = await live_session(harness)
    omar = harness.driver.user(7501, "Omar", language_code="ar")  # never started the bot
    poll = await harness.services.polls.create(
        None, session_id, "single", "س", "Q", [("أ", "A"), ("ب", "B")]
    )
    await harness.services.polls.launch(None, poll.id)
    harness.runtime.broadcaster.wake()
    await wait_until(lambda: any(m.poll for m in group.messages))
    native = next(m for m in group.messages if m.poll)
    assert native.poll["is_anonymous"] is False  # type: ignore[index]
    await omar.answer_poll(native.poll_id, [1])
    await omar.answer_poll(native.poll_id, [0])  # changed their mind: still one vote
    await harness.driver.idle()
    assert (await harness.services.polls.results(poll.id)).counts == (1, 0)
    await omar.answer_poll(native.poll_id, [])  # retracted
    await harness.driver.idle()
    assert (await harness.services.polls.results(poll.id)).counts == (0, 0)


async def test_a_timer_closes_the_poll(harness: Harness) -> None:
    from datetime import timedelta

    session_id = await live_session(harness)
    poll = await harness.services.polls.create(
        None, session_id, "single", "س", "Q", [("أ", "A"), ("ب", "B")]
    )
    await harness.services.polls.launch(None, poll.id, close_after=timedelta(minutes=1))
    harness.clock.advance(timedelta(seconds=61))
    async with asyncio.timeout(10):
        while (await harness.services.polls.get(poll.id)).status != "closed":  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_votes_in_flight_together_are_one_transaction_with_their_own_outcomes(
    harness: Harness,
) -> None:
    """The group commit of PollService.vote: many viewers' taps at once, a second tap of one
    voter, a tap on a closed poll, a forged option and a stranger, all in one batch."""
    session_id = await live_session(harness)
    polls = harness.services.polls
    viewers = [await viewer(harness, 7600 + i, "en") for i in range(40)]
    multiple = await polls.create(
        None, session_id, "multiple", "س", "Pick", [("أ", "A"), ("ب", "B"), ("ج", "C")],
        max_choices=2,
    )  # fmt: skip
    closed = await polls.create(None, session_id, "single", "س", "Q", [("أ", "A"), ("ب", "B")])
    for poll in (multiple, closed):
        await polls.launch(None, poll.id)
    await polls.close(None, closed.id)
    first = viewers[0].id
    taps = [polls.vote(v.id, multiple.id, i % 3) for i, v in enumerate(viewers)]
    taps += [
        polls.vote(first, multiple.id, 1),  # the first viewer's second choice, same batch
        polls.vote(first, multiple.id, 2),  # a third: over the maximum of two
        polls.vote(viewers[1].id, closed.id, 0),
        polls.vote(viewers[2].id, multiple.id, 9),  # forged option
        polls.vote(7699, multiple.id, 0),  # never started the bot
    ]
    with statements(harness) as run:
        outcomes = await asyncio.gather(*taps, return_exceptions=True)
    assert (
        run.count("INSERT INTO poll_votes") == 1
    )  # the batch's rows in one statement, not one per tap
    votes = [o for o in outcomes[:41] if isinstance(o, Vote)]
    assert [v.choices for v in votes] == [(i % 3,) for i in range(40)] + [(0, 1)]
    errors = [getattr(e, "key", e) for e in outcomes[41:]]
    assert errors == ["poll.too_many", "poll.closed", "poll.invalid", "session.start_first"]
    assert await polls.choices(multiple.id, first) == (0, 1)
    results = await polls.results(multiple.id)
    assert results.counts == (14, 13 + 1, 13)  # the first viewer chose A, then B as well
    async with harness.services.db.transaction() as db:
        forged = [e for e in await queries.audit_entries(db) if e.outcome == "forged"]
        rows = (await db.execute(select(func.count()).select_from(PollVote))).scalar()
    assert [(e.actor_id, e.detail) for e in forged] == [(viewers[2].id, "option 9")]
    assert rows == 41
