"""Issue 4, upvotes: /questions most voted first, one vote per viewer (pressing again takes it
back), redelivered and concurrent presses counted once, forged votes refused and audited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.events import QUESTION, Event
from domain.questions import Board, Vote
from domain.sessions import SessionView
from domain.users import Profile
from sandbox import SentMessage, SimUser
from sandbox.registry import METHODS
from storage import question_votes
from storage import questions as q
from storage.notify import PgChannel
from tests.e2e.conftest import Harness
from tests.e2e.helpers import moderator, statements, viewer, wait_until
from tests.e2e.question_helpers import AR, EN, ask, audit, button, data_of, live_session


async def approved_questions(harness: Harness, asker: SimUser, mod_id: int, n: int) -> list[int]:
    ids = []
    for i in range(n):
        question = await ask(harness, asker, f"Question number {i} about the plan?")
        await harness.services.moderation.act(mod_id, question.id, question.revision, "approve")
        ids.append(question.id)
    return ids


async def voting(
    harness: Harness, first_id: int, questions: int, language: str = "en"
) -> tuple[SessionView, list[int], SimUser, SimUser, SentMessage]:
    """A live session, a moderator (`first_id`), an asker (the next id) with `questions`
    approved questions, and a viewer (the id after) looking at the board: (the session, the
    questions, the asker, the viewer, the board)."""
    view = await live_session(harness)
    await moderator(harness, first_id)
    asker = await viewer(harness, first_id + 1, "en")
    ids = await approved_questions(harness, asker, first_id, questions)
    sara = await viewer(harness, first_id + 2, language)
    await sara.send("/questions")
    return view, ids, asker, sara, await sara.next_message()


async def active_votes(harness: Harness, question_id: int) -> tuple[int, int]:
    """(the counter on the question, the active vote rows): they must agree."""
    async with harness.services.db.transaction() as db:
        row = await q.get_question(db, question_id)
        assert row is not None
        return row.votes, await question_votes.count_active_votes(db, question_id)


async def test_board_orders_by_votes_and_a_second_press_takes_the_vote_back(
    harness: Harness,
) -> None:
    view, (first, second, third), asker, sara, board = await voting(harness, 2301, 3, "ar")
    assert board.text.startswith(
        AR.t("question.board.header", title=view.title_ar, page=1, pages=1)
    )
    assert data_of(board) == [f"qv:{view.id}:{n}:0" for n in (first, second, third)]
    answer = await sara.press(board, f"qv:{view.id}:{third}:0")
    assert answer.text == AR.t("question.vote.added", number=third)
    board = await sara.wait_for(
        lambda m: m.message_id == board.message_id and "✅" in str(m.buttons)
    )
    assert data_of(board)[0] == f"qv:{view.id}:{third}:0"  # most voted first
    assert board.button_texts()[0] == AR.t("question.button.voted", number=third, votes=1)
    assert await active_votes(harness, third) == (1, 1)
    answer = await sara.press(board, f"qv:{view.id}:{third}:0")
    assert answer.text == AR.t("question.vote.removed", number=third)
    await sara.wait_for(
        lambda m: m.message_id == board.message_id and "✅" not in str(m.buttons), timeout=10
    )
    assert await active_votes(harness, third) == (0, 0)
    # the asker sees the board without buttons for their own questions
    await asker.send("/questions")
    assert data_of(await asker.next_message()) == []


async def test_board_pages(harness: Harness) -> None:
    view = await live_session(harness)
    await moderator(harness, 2311)
    askers = [await viewer(harness, 2312 + i, "en") for i in range(2)]
    ids = [n for a in askers for n in await approved_questions(harness, a, 2311, 3)]
    sara = await viewer(harness, 2319, "en")
    await sara.send("/questions")
    board = await sara.next_message()
    assert len(data_of(board)) == 6  # five votes and "Next"
    await sara.press(board, EN.t("question.button.next"))
    page_two = await sara.wait_for(lambda m: "page 2 of 2" in m.text, timeout=10)
    assert f"qv:{view.id}:{ids[-1]}:1" in data_of(page_two)
    answer = await sara.press(page_two, f"qv:{view.id}:{ids[-1]}:1")
    assert answer.text == EN.t("question.vote.added", number=ids[-1])


async def test_redelivered_and_concurrent_votes_count_once(harness: Harness) -> None:
    view, (question_id,), _, sara, board = await voting(harness, 2321, 1)
    emulator = harness.emulator
    query_id, answered = emulator.callbacks.open(sara.id)
    update = {
        "callback_query": {
            "id": query_id,
            "from": sara.json,
            "message": emulator.message_json(sara.chat, board),
            "chat_instance": "42",
            "data": f"qv:{view.id}:{question_id}:0",
        }
    }
    await harness.driver.send_raw_update(dict(update))
    await harness.driver.send_raw_update(dict(update))  # redelivered after a "crash"
    assert (await answered).text == EN.t("question.vote.added", number=question_id)
    await harness.driver.idle()
    assert await active_votes(harness, question_id) == (1, 1)
    # many viewers pressing at once, through the bot
    voters = [await viewer(harness, 2330 + i, "en") for i in range(12)]
    boards = []
    for voter in voters:
        await voter.send("/questions")
        boards.append(await voter.next_message())
    data = f"qv:{view.id}:{question_id}:0"
    await asyncio.gather(*(v.press(b, data) for v, b in zip(voters, boards, strict=True)))
    assert await active_votes(harness, question_id) == (13, 13)
    # and straight at the domain: concurrent transactions, each press also "redelivered"
    questions = harness.services.questions
    profiles = [Profile(5000 + i, f"P{i}", language_code="ar") for i in range(20)]
    presses = [
        questions.vote(p, view.id, question_id, f"query-{p.user_id}")
        for p in profiles
        for _ in range(2)
    ]
    await asyncio.gather(*presses)
    assert await active_votes(harness, question_id) == (33, 33)
    retract = [questions.vote(p, view.id, question_id, f"again-{p.user_id}") for p in profiles]
    await asyncio.gather(*retract)
    assert await active_votes(harness, question_id) == (13, 13)


async def test_forged_and_refused_votes_change_nothing(harness: Harness) -> None:
    view = await live_session(harness)
    other = await live_session(harness)
    mod = await moderator(harness, 2341)
    asker = await viewer(harness, 2342, "en")
    (approved,) = await approved_questions(harness, asker, mod.id, 1)
    pending = await ask(harness, asker, "Still waiting for review?")
    sara = await viewer(harness, 2343, "en")
    await sara.send("/questions")
    board = await sara.next_message()
    cases = [
        (f"qv:{other.id}:{approved}:0", EN.t("question.other_session", number=approved)),
        (f"qv:{view.id}:987654:0", EN.t("question.not_found", number=987654)),
        (f"qv:{view.id}:{pending.id}:0", EN.t("question.not_votable", number=pending.id)),
    ]
    for data, text in cases:
        answer = await sara.press_data(board.message_id, data)
        assert answer.text == text
        assert answer.show_alert
    answer = await asker.press_data(board.message_id, f"qv:{view.id}:{approved}:0")
    assert answer.text == EN.t("question.own_vote")
    assert await active_votes(harness, approved) == (0, 0)
    denied = [(r.actor_id, r.action, r.target, r.detail) for r in await audit(harness, "denied")]
    assert (sara.id, "question.vote", f"question:{approved}", "question.other_session") in denied
    assert (sara.id, "question.vote", "question:987654", "question.not_found") in denied
    garbage = await sara.press_data(board.message_id, f"qv:{view.id}:{approved}")
    assert garbage.text == EN.t("hint.stale_button")
    assert button(board, "qv:")


async def test_my_questions_show_their_status(harness: Harness) -> None:
    await live_session(harness)
    mod = await moderator(harness, 2351)
    sara = await viewer(harness, 2352, "en")
    one = await ask(harness, sara, "First question about water?")
    two = await ask(harness, sara, "Second question about roads?")
    await harness.services.moderation.act(mod.id, one.id, one.revision, "reject", reason="personal")
    await sara.send("/my")
    mine = await sara.wait_for(
        lambda m: m.text.startswith(EN.tn("question.mine.header", 2)), timeout=10
    )
    assert EN.t("question.status.rejected") in mine.text
    assert EN.t("question.reason.personal") in mine.text
    assert EN.t("question.status.pending") in mine.text
    assert data_of(mine) == [f"qe:{two.id}", f"qz:{two.id}"]


async def test_a_burst_of_votes_redraws_the_board_once(harness: Harness) -> None:
    view, ids, _, sara, board = await voting(harness, 2391, 3)
    await asyncio.sleep(0.1)
    edits = harness.emulator.stats.requests["editMessageText"]
    for n in ids:  # three taps, each answered at once
        answer = await sara.press(board, f"qv:{view.id}:{n}:0")
        assert answer.text == EN.t("question.vote.added", number=n)
    board = await sara.wait_for(
        lambda m: m.message_id == board.message_id and str(m.buttons).count("✅") == 3
    )
    await asyncio.sleep(0.8)  # longer than the coalescing delay: nothing else comes
    assert harness.emulator.stats.requests["editMessageText"] - edits == 1


async def test_presses_in_flight_together_are_one_transaction_with_their_own_outcomes(
    harness: Harness,
) -> None:
    """The group commit of QuestionService.vote: many viewers' presses at once on two
    questions, a voter's second press and a redelivered one, refusals and a forgery, all in
    one batch; each counter is moved once."""
    view = await live_session(harness)
    other = await live_session(harness)
    mod = await moderator(harness, 2391)
    asker = await viewer(harness, 2392, "en")
    first, second = await approved_questions(harness, asker, mod.id, 2)
    pending = await ask(harness, asker, "Still waiting for review?")
    profiles = [Profile(5100 + i, f"P{i}", language_code="ar") for i in range(20)]
    questions = harness.services.questions
    presses = [
        questions.vote(p, view.id, (first, second)[i % 2], f"q-{p.user_id}")
        for i, p in enumerate(profiles)
    ]
    zero = profiles[0]
    presses += [
        questions.vote(zero, view.id, first, f"q-{zero.user_id}"),  # redelivered: counted once
        questions.vote(zero, view.id, first, "again"),  # a second press: takes it back
        questions.vote(profiles[1], other.id, second, "forged"),  # another session's button
        questions.vote(profiles[1], view.id, 987654, "missing"),
        questions.vote(profiles[1], view.id, pending.id, "pending"),
        questions.vote(Profile(asker.id, "Asker"), view.id, first, "own"),
    ]
    with statements(harness) as run:
        outcomes = await asyncio.gather(*presses, return_exceptions=True)
    # not one per press: the counters moved once for the batch, the votes written in one
    # upsert per round (a viewer's presses on one button take turns: here the first, the
    # redelivered one, the one taking it back)
    assert run.count("UPDATE questions SET votes") == 1
    assert run.count("INSERT INTO question_votes") == 3
    assert run.count("UPDATE question_votes") == 0
    accepted = [o for o in outcomes[:22] if isinstance(o, Vote)]
    assert [v.active for v in accepted] == [True] * 20 + [None, False]
    assert {v.votes for v in accepted[:22:2]} == {9}  # first: ten presses, one taken back
    assert {v.votes for v in accepted[1:20:2]} == {10}
    assert {v.language for v in accepted} == {"ar"}
    errors = [getattr(e, "key", e) for e in outcomes[22:]]
    assert errors == [
        "question.other_session", "question.not_found", "question.not_votable",
        "question.own_vote",
    ]  # fmt: skip
    assert await active_votes(harness, first) == (9, 9)
    assert await active_votes(harness, second) == (10, 10)
    assert await active_votes(harness, pending.id) == (0, 0)
    denied = [(r.actor_id, r.target, r.detail) for r in await audit(harness, "denied")]
    assert (profiles[1].user_id, f"question:{second}", "question.other_session") in denied
    assert (profiles[1].user_id, "question:987654", "question.not_found") in denied
    assert len(denied) == 2  # refusals that a real button can cause are not audited


async def test_boards_asked_for_together_are_read_together(harness: Harness) -> None:
    """After a burst of upvotes many boards are redrawn at once: each page is read once and
    the upvotes of every viewer in one query, and each viewer still sees their own."""
    view = await live_session(harness)
    mod = await moderator(harness, 2395)
    askers = [await viewer(harness, 2396 + i, "en") for i in range(2)]
    ids = [n for a in askers for n in await approved_questions(harness, a, mod.id, 3)]
    questions = harness.services.questions
    profiles = [Profile(5300 + i, f"P{i}", language_code="en") for i in range(10)]
    for i, profile in enumerate(profiles):
        await questions.vote(profile, view.id, ids[i % 6], f"board-{i}")
    with statements(harness) as run:
        boards = await asyncio.gather(
            *(questions.board(p.user_id, view.id, i % 2) for i, p in enumerate(profiles)),
            questions.board(profiles[0].user_id, 987654, 0),
            return_exceptions=True,
        )
    assert run.count("FROM question_votes") == 1
    assert run.count("FROM questions") == 4  # two pages: each its rows and its count
    for i, board in enumerate(boards[:10]):
        assert isinstance(board, Board)
        assert (board.page, board.pages, board.total) == (i % 2, 2, 6)  # five a page
        shown = {question.id for question in board.questions}
        assert board.voted == {ids[i % 6]} & shown
    assert getattr(boards[10], "key", None) == "session.not_found"


async def test_a_second_vote_does_not_wait_for_telegram_to_take_the_first_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A viewer's updates run in order, but the answer to a vote is sent off the chat's turn:
    while Telegram has not replied to the first answerCallbackQuery, the second vote is
    already counted."""
    view, (first, second), _, sara, board = await voting(harness, 2396, 2)
    name, answer_query = METHODS["answercallbackquery"]
    telegram_replies = asyncio.Event()

    async def slow_answer(emulator: Any, params: Any) -> Any:
        await telegram_replies.wait()
        return await answer_query(emulator, params)

    monkeypatch.setitem(METHODS, "answercallbackquery", (name, slow_answer))
    presses = [
        asyncio.create_task(sara.press(board, f"qv:{view.id}:{n}:0", timeout=15))
        for n in (first, second)
    ]
    counted: dict[int, tuple[int, int]] = {}

    async def both_counted() -> bool:
        for n in (first, second):
            counted[n] = await active_votes(harness, n)
        return all(pair == (1, 1) for pair in counted.values())

    async with asyncio.timeout(10):
        while not await both_counted():  # noqa: ASYNC110  # the votes are the bot's to write
            await asyncio.sleep(0.05)
    assert not any(press.done() for press in presses)  # no answer has reached the viewer yet
    telegram_replies.set()
    answers = await asyncio.gather(*presses)
    assert [a.text for a in answers] == [
        EN.t("question.vote.added", number=n) for n in (first, second)
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # NOTIFY: PostgreSQL
async def test_a_vote_is_answered_without_waiting_for_live_pages_to_be_told(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The NOTIFY that tells consoles and the presenter screen about a vote is sent after
    the answer, not before: while it is held up, the viewer already has their answer, and
    it is still sent once it can be."""
    view, (question,), _, sara, board = await voting(harness, 2386, 1)
    send = PgChannel._send
    database_answers = asyncio.Event()
    sent: list[str] = []

    async def held_send(channel: PgChannel, payloads: list[str]) -> None:
        await database_answers.wait()
        await send(channel, payloads)
        sent.extend(payloads)

    monkeypatch.setattr(PgChannel, "_send", held_send)
    answer = await sara.press(board, f"qv:{view.id}:{question}:0")
    assert answer.text == EN.t("question.vote.added", number=question)
    assert sent == []
    database_answers.set()
    vote = Event(QUESTION, question, view.id, "vote")
    await wait_until(lambda: vote in [Event.decode(payload) for payload in sent])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # row locks: PostgreSQL
async def test_a_votes_batch_waits_for_a_question_held_elsewhere_and_counts_from_its_commit(
    harness: Harness,
) -> None:
    """A votes batch locks its questions as it reads them and counts from what it read (no
    read after its writes). While another transaction holds the question and moves its
    counter (a merge moving two votes onto it), a press waits; then it counts from the
    committed counter: 2 + 1, never 1."""
    view, (question,), _, _, _ = await voting(harness, 2396, 1)
    db = harness.services.db
    async with db.transaction() as other:
        assert await q.get_question(other, question, lock=True) is not None
        await question_votes.bump_many(other, {question: 2})
        press = asyncio.create_task(
            harness.services.questions.vote(Profile(2399, "P"), view.id, question, "q-2399")
        )
        await asyncio.sleep(0.3)
        assert not press.done()  # the batch's read waits for the question's row
    vote = await press
    assert (vote.active, vote.votes) == (True, 3)
    assert await active_votes(harness, question) == (3, 1)  # the counter: the merge's two too
