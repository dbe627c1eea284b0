"""Polls as Telegram messages: the viewer's ballot, the moderator's live card, the results."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.polls import PollView, Results
from exports.chart import Bar, bar_chart
from locales import Translator


def ballot(
    tr: Translator, poll: PollView, choices: tuple[int, ...] = ()
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The viewer's copy: the question and one button per option (✓ on their choice)."""
    lines = [tr.t("poll.ballot", question=poll.question(tr.language))]
    if poll.kind == "multiple":
        lines.append(tr.tn("poll.pick_up_to", poll.max_choices or len(poll.options)))
    if poll.status == "closed":
        lines.append(tr.t("poll.closed_note"))
        return "\n".join(lines), None
    rows: list[list[InlineKeyboardButton]] = []
    if poll.kind == "text":
        rows.append(
            [InlineKeyboardButton(tr.t("poll.answer_button"), callback_data=f"pt:{poll.id}")]
        )
    elif poll.kind == "rating":
        rows.append(
            [
                InlineKeyboardButton(
                    ("✅" if o.position in choices else "") + str(o.position),
                    callback_data=f"pv:{poll.id}:{o.position}",
                )
                for o in poll.options
            ]
        )
    else:
        rows += [
            [
                InlineKeyboardButton(
                    ("✅ " if o.position in choices else "") + o.text(tr.language)[:60],
                    callback_data=f"pv:{poll.id}:{o.position}",
                )
            ]
            for o in poll.options
        ]
    if poll.is_survey:
        rows.append(
            [InlineKeyboardButton(tr.t("poll.comment_button"), callback_data=f"pt:{poll.id}")]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def summary(tr: Translator, results: Results) -> str:
    poll = results.poll
    lines = [tr.t("poll.results_title", question=poll.question(tr.language))]
    for index, option in enumerate(poll.options):
        lines.append(
            tr.t(
                "poll.result_line",
                option=option.text(tr.language),
                percent=results.percent(index),
                count=results.counts[index],
            )
        )
    if results.average is not None:
        lines.append(tr.t("poll.average", average=f"{results.average:.1f}"))
    if results.terms:
        terms = (
            "، ".join(t for t, _ in results.terms)
            if tr.language == "ar"
            else ", ".join(t for t, _ in results.terms)
        )
        lines.append(tr.t("poll.top_terms", terms=terms))
    if poll.kind == "text" or poll.is_survey:
        lines.append(tr.tn("poll.answers", results.answers))
    lines.append(tr.tn("poll.voters", results.voters))
    return "\n".join(lines)


def card(tr: Translator, results: Results) -> tuple[str, InlineKeyboardMarkup | None]:
    """The moderator's card: live counts and the actions the poll's state allows."""
    poll = results.poll
    text = "\n".join([tr.t(f"poll.status.{poll.status}", number=poll.id), summary(tr, results)])
    if poll.status == "draft":
        rows = [
            [
                InlineKeyboardButton(tr.t("poll.launch"), callback_data=f"pl:{poll.id}:0"),
                InlineKeyboardButton(tr.tn("poll.launch_for", 1), callback_data=f"pl:{poll.id}:1"),
                InlineKeyboardButton(tr.tn("poll.launch_for", 5), callback_data=f"pl:{poll.id}:5"),
            ]
        ]
    elif poll.status == "open":
        rows = [[InlineKeyboardButton(tr.t("poll.close"), callback_data=f"pc:{poll.id}")]]
    else:
        rows = [[InlineKeyboardButton(tr.t("poll.publish"), callback_data=f"pp:{poll.id}")]]
    return text, InlineKeyboardMarkup(rows)


def chart(tr: Translator, results: Results) -> bytes:
    poll = results.poll
    if poll.kind == "text":
        total = max(1, results.answers)
        bars = [Bar(term, n, round(100 * n / total)) for term, n in results.terms[:8]]
    else:
        bars = [
            Bar(o.text(tr.language), results.counts[i], results.percent(i))
            for i, o in enumerate(poll.options)
        ]
    footer = tr.tn("poll.voters_plain", results.voters)
    return bar_chart(poll.question(tr.language), bars, footer, rtl=tr.language == "ar")
