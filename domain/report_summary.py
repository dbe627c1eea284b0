"""A session's figures for the report: facts, reach, questions by outcome, top questions,
poll results with the top terms of open answers, satisfaction, and the follow-ups."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.report_data import Spellings, TermCounter
from exports.model import OptionResult, PollResult, QuestionLine, Reach, SessionSummary
from storage import polls as poll_queries
from storage import reports as q
from storage import sessions as session_queries
from storage.models import Poll, Question

TOP = 10
FOLLOW_UPS = 100  # listed in the report; the count says how many there are in all


def _line(question: Question) -> QuestionLine:
    return QuestionLine(
        question.id, question.text, question.language, question.votes, question.status
    )


def _question_figures(
    counts: dict[tuple[str, str | None], int],
) -> tuple[dict[str, int], tuple[tuple[str, int], ...]]:
    by_status: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for (status, reason), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
        if status == "rejected":
            reasons[reason or "other"] = reasons.get(reason or "other", 0) + n
    figures = {
        "received": sum(by_status.values()),
        # Answered questions were approved first (or answered straight from the queue).
        "approved": by_status.get("approved", 0) + by_status.get("answered", 0),
        "answered": by_status.get("answered", 0),
        "merged": by_status.get("merged", 0),
        "declined": by_status.get("rejected", 0),
        "withdrawn": by_status.get("withdrawn", 0),
        "pending": by_status.get("pending", 0),
    }
    ranked = tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return figures, ranked


async def _poll(
    db: AsyncSession, poll: Poll, counter: TermCounter
) -> tuple[PollResult, TermCounter]:
    options = await poll_queries.options(db, poll.id)
    counts, voters = await q.poll_counts(db, poll.id)
    own = TermCounter()
    async for texts in q.poll_texts(db, poll.id):
        own.add(texts)
    counter.merge(own)
    per_option = [counts.get(o.position, 0) for o in options]
    total = sum(per_option)
    average = None
    if poll.kind == "rating" and total:
        average = sum(o.position * n for o, n in zip(options, per_option, strict=True)) / total
    result = PollResult(
        number=poll.id,
        kind=poll.kind,
        is_survey=poll.is_survey,
        question_ar=poll.question_ar,
        question_en=poll.question_en,
        status=poll.status,
        opened_at=poll.opened_at,
        closed_at=poll.closed_at,
        voters=voters,
        answers=own.answers,
        average=average,
        options=tuple(
            OptionResult(
                o.position, o.text_ar, o.text_en, n, round(100 * n / total) if total else 0
            )
            for o, n in zip(options, per_option, strict=True)
        ),
        terms=tuple(own.top()),
    )
    return result, own


async def _spell(db: AsyncSession, polls: list[Poll], wanted: set[str]) -> Spellings:
    spellings = Spellings(wanted)
    for poll in polls:
        async for texts in q.poll_texts(db, poll.id):
            spellings.add(texts)
            if spellings.done:
                return spellings
    return spellings


def _respell(result: PollResult, spellings: Spellings) -> PollResult:
    from dataclasses import replace

    return replace(result, terms=spellings.spell(result.terms))


async def summarise(db: AsyncSession, session_id: int) -> SessionSummary:
    session = await q.get_session(db, session_id)
    assert session is not None  # the caller checked
    streams = (await session_queries.streams_of(db, [session_id]))[session_id]
    figures, reasons = _question_figures(await q.question_counts(db, session_id))
    top = await q.top_questions(db, session_id, ("approved", "answered"), TOP)
    unanswered = await q.top_questions(db, session_id, ("approved",), FOLLOW_UPS)
    reach = await q.reach(db, session_id)
    open_answers = TermCounter()
    polls: list[PollResult] = []
    survey: PollResult | None = None
    rows = list(await poll_queries.session_polls(db, session_id))
    for poll in rows:
        result, _ = await _poll(db, poll, open_answers if poll.kind == "text" else TermCounter())
        if poll.is_survey:
            survey = result  # the latest survey of the session
        else:
            polls.append(result)
    open_terms = open_answers.top()
    wanted = {t for t, _ in open_terms} | {t for p in polls for t, _ in p.terms}
    if survey is not None:
        wanted |= {t for t, _ in survey.terms}
    spellings = await _spell(db, [p for p in rows if p.kind == "text" or p.is_survey], wanted)
    _, answers = await q.activity(db, session_id)
    return SessionSummary(
        id=session.id,
        title_ar=session.title_ar,
        title_en=session.title_en,
        description_ar=session.description_ar,
        description_en=session.description_en,
        status=session.status,
        starts_at=session.starts_at,
        live_at=session.live_at,
        ended_at=session.ended_at,
        streams=tuple(s.url for s in streams),
        reach=Reach(
            sent=reach.get("golive_total", 0),
            delivered=reach.get("golive_sent", 0),
            reminded=reach.get("reminder_24h_sent", 0) + reach.get("reminder_1h_sent", 0),
            card_viewers=reach["card_viewers"],
            subscribers=reach["subscribers"],
            interacted=reach["interacted"],
        ),
        questions=figures,
        declined_by_reason=reasons,
        top_questions=tuple(_line(x) for x in top),
        polls=tuple(_respell(p, spellings) for p in polls),
        open_terms=spellings.spell(open_terms),
        survey=_respell(survey, spellings) if survey is not None else None,
        unanswered=tuple(_line(x) for x in unanswered),
        unanswered_total=figures["approved"] - figures["answered"],
        poll_answers=answers,
    )
