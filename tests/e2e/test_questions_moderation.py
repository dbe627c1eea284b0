"""Issue 4, moderation: the card's buttons, transparency notices in the asker's language,
/queue and /next, merging (votes move, askers told), races, forgeries, the audit log."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.errors import DomainError
from domain.question_views import AlreadyHandled
from handlers.question_render import status_label
from locales import Markup
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, viewer
from tests.e2e.question_helpers import (
    AR,
    EN,
    ask,
    audit,
    card,
    is_card,
    last_question,
    live_session,
)


async def test_approve_reject_answer_and_reply_tell_the_asker(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2401, "en")
    sara = await viewer(harness, 2402, "ar")
    one = await ask(harness, sara, "ما موعد افتتاح المستشفى الجديد؟")
    mod_card = await card(mod, one.id)
    answer = await mod.press(mod_card, EN.t("moderation.button.approve"))
    assert answer.text == EN.t("moderation.done.approve", number=one.id)
    notice = await sara.next_message()
    assert notice.text == AR.t("question.notice.approved", number=one.id)
    mod_card = await mod.wait_for(
        lambda m: is_card(m, one.id) and "✅" in m.text.split("\n")[0], timeout=10
    )
    await mod.press(mod_card, EN.t("moderation.button.on_screen"))
    await mod.wait_for(lambda m: EN.t("moderation.card.on_screen") in m.text, timeout=10)
    mod_card = mod.message(mod_card.message_id)
    await mod.press(mod_card, EN.t("moderation.button.answered"))
    assert (await sara.next_message()).text == AR.t("question.notice.answered", number=one.id)

    two = await ask(harness, sara, "هل يمكن مساعدتي في معاملتي الشخصية؟")
    mod_card = await card(mod, two.id)
    answer = await mod.press(mod_card, EN.t("moderation.button.reject"))
    assert answer.text == EN.t("moderation.choose_reason")
    reasons = await mod.wait_for(
        lambda m: EN.t("question.reason.personal") in m.button_texts(), timeout=10
    )
    await mod.press(reasons, EN.t("question.reason.personal"))
    reason = AR.t("question.reason.personal")
    notice = await sara.next_message()
    assert notice.text == AR.t("question.notice.declined", number=two.id, reason=Markup(reason))

    three = await ask(harness, sara, "كم عدد المدارس الجديدة؟")
    mod_card = await card(mod, three.id)
    await mod.press(mod_card, EN.t("moderation.button.reply"))
    await mod.wait_for(lambda m: m.text.startswith("Send the written answer"), timeout=10)
    await mod.send("<b>Twelve</b> new schools this year.")
    await mod.wait_for(
        lambda m: m.text == EN.t("moderation.done.reply", number=three.id), timeout=10
    )
    notice = await sara.next_message()
    expected = "<b>Twelve</b> new schools this year."
    assert notice.text == AR.t("question.notice.answered_reply", number=three.id, reply=expected)
    assert "&lt;b&gt;Twelve" in notice.text
    stats = await harness.services.question_desk.stats(one.session_id)
    assert (stats.received, stats.approved, stats.answered, stats.declined) == (
        3,
        1,
        2,
        {"personal": 1},
    )


async def test_queue_and_next(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2411, "en")
    askers = [await viewer(harness, 2412 + i, "en") for i in range(3)]
    questions = [await ask(harness, a, f"Question from asker {a.id}?") for a in askers]
    mod.skip_pending()
    await mod.send("/queue")
    queue = await mod.wait_for(lambda m: EN.tn("queue.header", 3) in m.text, timeout=10)
    assert [q.id for q in questions] == sorted(q.id for q in questions)
    positions = [queue.text.index(f"#{q.id}</b>") for q in questions]
    assert positions == sorted(positions)  # oldest first
    await mod.send("/next")
    await mod.wait_for(lambda m: m.text == EN.t("queue.next_empty"), timeout=10)
    moderation = harness.services.moderation
    for question in questions:
        await moderation.act(mod.id, question.id, question.revision, "approve")
    voter = await viewer(harness, 2419, "en")
    await harness.services.questions.vote(
        _profile(voter.id), questions[2].session_id, questions[2].id, "v1"
    )
    await mod.send("/next")
    await mod.wait_for(
        lambda m: m.text == EN.t("queue.next_done", number=questions[2].id), timeout=10
    )
    await card(mod, questions[2].id)
    harness.clock.advance(timedelta(seconds=30))
    await mod.send("/next")  # then by age
    await mod.wait_for(
        lambda m: m.text == EN.t("queue.next_done", number=questions[0].id), timeout=10
    )
    assert (await last_question(harness, askers[0])).shown_at is not None
    desk = harness.services.question_desk
    assert (await desk.on_screen(questions[0].session_id)).id == questions[0].id  # type: ignore[union-attr]  # checked by the comparison
    await mod.send("/queue")
    await mod.wait_for(
        lambda m: m.text.endswith(EN.t("queue.empty")) and "📊" in m.text, timeout=10
    )


def _profile(user_id: int) -> object:
    from domain.users import Profile

    return Profile(user_id, "Voter", language_code="en")


async def test_merge_moves_votes_and_tells_both_askers(harness: Harness) -> None:
    view = await live_session(harness)
    mod = await moderator(harness, 2421, "en")
    sara = await viewer(harness, 2422, "ar")
    john = await viewer(harness, 2423, "en")
    target = await ask(harness, sara, "متى سيتم تطبيق الخطة الوطنية الجديدة؟")
    duplicate = await ask(harness, john, "متى سيتم تطبيق الخطّة الوطنيّة الجديدة")
    moderation = harness.services.moderation
    await moderation.act(mod.id, target.id, 0, "approve")
    await moderation.act(mod.id, duplicate.id, 0, "approve")
    votes = harness.services.questions
    from domain.users import Profile

    for voter in (3001, 3002, 3003):
        await votes.vote(Profile(voter), view.id, duplicate.id, f"d{voter}")
    await votes.vote(Profile(3001), view.id, target.id, "t3001")  # voted for both
    dup_card = await card(mod, duplicate.id)
    assert EN.t("moderation.card.similar", numbers=Markup(f"#{target.id}")) in dup_card.text
    answer = await mod.press_data(dup_card.message_id, f"qm:{duplicate.id}:1")  # approved: 1
    assert answer.text is None  # the prompt is in this private chat
    await mod.wait_for(lambda m: m.text.startswith("Send the number of the question"), timeout=10)
    await mod.send(f"#{duplicate.id}")
    await mod.wait_for(lambda m: m.text == EN.t("question.merge_self"), timeout=10)
    await mod.send("abc")
    await mod.wait_for(lambda m: m.text == EN.t("moderation.merge_bad"), timeout=10)
    await mod.send(f"#{target.id}")
    done = EN.t("moderation.done.merge", number=duplicate.id, target=target.id)
    await mod.wait_for(lambda m: m.text == done, timeout=10)
    merged = await last_question(harness, john)
    kept = await last_question(harness, sara)
    assert (merged.status, merged.merged_into, merged.votes) == ("merged", target.id, 0)
    assert kept.votes == 4  # 3001 once, 3002, 3003 and John, the duplicate's asker
    notice = await john.wait_for(lambda m: m.text.startswith("🔗"), timeout=10)
    assert notice.text.startswith(f"🔗 Your question #{duplicate.id} was merged into #{target.id}")
    notice = await sara.wait_for(lambda m: m.text.startswith("🔗"), timeout=10)
    assert notice.text == AR.tn(
        "question.notice.merged_in", 4, number=target.id, other=duplicate.id
    )
    await mod.wait_for(
        lambda m: EN.t("moderation.card.merged", number=target.id) in m.text, timeout=10
    )
    entry = next(r for r in await audit(harness) if r.action == "question.merge")
    assert entry.before["status"] == "approved"
    assert entry.after["status"] == "merged"
    assert entry.after["moved"] == 3


async def test_two_moderators_pressing_at_once_one_wins(harness: Harness) -> None:
    await live_session(harness)
    first = await moderator(harness, 2431, "en")
    second = await moderator(harness, 2432, "ar")
    sara = await viewer(harness, 2433, "en")
    question = await ask(harness, sara, "Who decides the new tariffs?")
    card_one, card_two = await card(first, question.id), await card(second, question.id)
    reject = f"qr:{question.id}:0:off_topic"
    answers = await asyncio.gather(
        first.press(card_one, f"qa:{question.id}:0"), second.press_data(card_two.message_id, reject)
    )
    final = await last_question(harness, sara)
    assert final.status in ("approved", "rejected")  # updates of two chats run concurrently
    assert final.revision == 1
    winner, loser, won, lost = (
        (0, 1, EN.t("moderation.done.approve", number=question.id), AR)
        if final.status == "approved"
        else (1, 0, AR.t("moderation.done.reject", number=question.id), EN)
    )
    assert answers[winner].text == won
    state = Markup(status_label(lost, final.status))
    assert answers[loser].text == lost.t("moderation.already_handled", state=state)
    for mod, message, tr in ((first, card_one, EN), (second, card_two, AR)):
        shown = status_label(tr, final.status)  # both cards show the one resulting state
        await mod.wait_for(
            lambda m, message=message, shown=shown: (
                m.message_id == message.message_id and shown in m.text
            )
        )
    # and straight at the domain, in concurrent transactions
    other = await ask(harness, sara, "What about the bus lines?")
    moderation = harness.services.moderation
    results = await asyncio.gather(
        moderation.act(first.id, other.id, 0, "approve"),
        moderation.act(second.id, other.id, 0, "reject", reason="duplicate"),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyHandled) for r in results) == 1
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    actions = [r.action for r in await audit(harness, "ok") if r.target == f"question:{other.id}"]
    assert len(actions) == 1


@pytest.mark.parametrize("data", ["qa:{q}:0", "qr:{q}:0:abusive", "qc:{q}", "qu:{q}", "qm:{q}:0"])
async def test_a_viewer_forging_a_moderator_button_changes_nothing(
    harness: Harness, data: str
) -> None:
    await live_session(harness)
    sara = await viewer(harness, 2441, "en")
    question = await ask(harness, sara, "Can a viewer approve this?")
    forged = data.format(q=question.id)
    answer = await sara.press_data(sara.last.message_id, forged)
    assert answer.text == EN.t("error.not_allowed")
    assert (await last_question(harness, sara)).status == "pending"
    denied = await audit(harness, "denied")
    assert [(r.actor_id, r.action.split(".")[0]) for r in denied] == [(sara.id, "question")]


async def test_moderator_with_unknown_or_foreign_question_is_audited(harness: Harness) -> None:
    first = await live_session(harness)
    mod = await moderator(harness, 2451, "en")
    answer = await mod.press_data(mod.last.message_id, "qa:999999:0")
    assert answer.text == EN.t("question.not_found", number=999999)
    entry = (await audit(harness, "denied"))[0]
    assert (entry.actor_id, entry.action) == (mod.id, "question.approve")
    assert entry.target == "question:999999"
    sara = await viewer(harness, 2452, "en")
    mine = await ask(harness, sara, "A question in the first session?")
    harness.clock.advance(timedelta(minutes=1))
    await live_session(harness)
    foreign = await ask(harness, sara, "A question in the second session?")
    assert mine.session_id == first.id != foreign.session_id
    answer = await mod.press_data(mod.last.message_id, f"qi:{mine.id}:0:{foreign.id}")
    assert answer.text == EN.t("question.other_session", number=foreign.id)
    assert (await harness.services.question_desk.card(mine.id)).question.status == "pending"
    entry = (await audit(harness, "denied"))[0]
    assert (entry.action, entry.target, entry.detail) == (
        "question.merge",
        f"question:{mine.id}",
        "question.other_session",
    )


async def test_abusive_question_is_held_until_approved(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2461, "en")
    sara = await viewer(harness, 2462, "ar")
    held = await ask(harness, sara, "لماذا المدير غبي إلى هذا الحد؟")
    assert held.held
    mod_card = await card(mod, held.id)
    assert EN.t("moderation.card.held", words="غبي") in mod_card.text
    john = await viewer(harness, 2463, "en")
    await john.send("/questions")
    assert "غبي" not in (await john.next_message()).plain_text
    await mod.press(mod_card, EN.t("moderation.button.approve"))
    await sara.next_message()
    await john.send("/questions")
    assert "غبي" in (await john.next_message()).plain_text


async def test_mute_and_audit_before_after(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2471, "en")
    sara = await viewer(harness, 2472, "en")
    question = await ask(harness, sara, "Spam spam spam spam?")
    mod_card = await card(mod, question.id)
    answer = await mod.press(mod_card, EN.t("moderation.button.mute"))
    assert answer.text == EN.t("moderation.done.mute")
    answer = await mod.press(mod_card, EN.t("moderation.button.mute"))
    assert answer.text == EN.t("moderation.mute_already")
    await sara.send("/ask One more?")
    assert (await sara.next_message()).text == EN.t("question.muted")
    await mod.press(mod_card, EN.t("moderation.button.approve"))
    entries = {r.action: r for r in await audit(harness, "ok")}
    assert entries["question.mute"].target == f"user:{sara.id}"
    assert entries["question.mute"].after["muted"] is True
    approve = entries["question.approve"]
    assert (approve.actor_id, approve.target) == (mod.id, f"question:{question.id}")
    assert approve.before["status"] == "pending"
    assert approve.after["status"] == "approved"
    assert approve.at is not None


async def test_forgotten_asker_stays_as_anonymous_question(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2481, "en")
    sara = await viewer(harness, 2482, "en")
    question = await ask(harness, sara, "Will my data be kept after I leave?")
    mod_card = await card(mod, question.id)
    assert "V2482" in mod_card.text
    await harness.services.users.forget(sara.id)
    await mod.press(mod_card, EN.t("moderation.button.approve"))
    refreshed = await mod.wait_for(lambda m: is_card(m, question.id) and "✅" in m.text, timeout=10)
    assert EN.t("moderation.card.anonymous") in refreshed.text
    assert "V2482" not in refreshed.text
    assert f"qu:{question.id}" not in str(refreshed.buttons)  # nobody left to mute
    stored = await harness.services.question_desk.card(question.id)
    assert stored.question.user_id is None


async def test_intake_window_is_per_session(harness: Harness) -> None:
    from tests.e2e.helpers import session

    view = await session(harness, hours=3)
    desk = harness.services.question_desk
    await desk.set_intake_window(None, view.id, 240, 0)  # open four hours before the start
    sara = await viewer(harness, 2491, "en")
    question = await ask(harness, sara, "Can I ask already?")
    assert question.session_id == view.id
    with pytest.raises(DomainError):
        await desk.set_intake_window(None, view.id, 5000, 0)
    viewer_id = sara.id
    with pytest.raises(DomainError):
        await desk.set_intake_window(viewer_id, view.id, 10, 10)
    harness.clock.advance(timedelta(minutes=1))
    entry = next(r for r in await audit(harness) if r.action == "session.edit.intake")
    assert (entry.before, entry.after) == ({"intake": [60, 30]}, {"intake": [240, 0]})
