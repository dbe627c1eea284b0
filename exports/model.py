"""What the renderers are given: the report's head (labels, one summary per session) and the
tables' rows, pushed one at a time (`Writer`), so no renderer holds a whole table.

Values in rows are plain: `str`, `int`, `float`, `bool`, an aware `datetime` (shown as the
wall clock of its own zone), or `None`. Labels come translated from the caller (this package
imports no catalog): a key → (Arabic, English).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

Cell = str | int | float | bool | datetime | None
FORMATS = ("xlsx", "csv", "json", "pdf")
ANONYMOUS = "anonymous"  # the viewer column of an anonymous question, names or not


@dataclass(frozen=True)
class Table:
    name: str  # file name (CSV) and key (JSON)
    sheet: str  # XLSX sheet name
    columns: tuple[str, ...]  # header labels are `col.<column>`
    widths: tuple[int, ...] = ()  # XLSX column widths (characters)


QUESTIONS = Table(
    "questions",
    "Questions",
    (
        "session", "number", "asked_local", "asked_utc", "viewer", "text", "language", "status",
        "reason", "votes", "merged_into", "reply", "reply_language", "moderated_by",
        "decided_local", "decided_utc", "shown_local", "shown_utc",
    ),
    (8, 8, 19, 19, 14, 60, 6, 10, 14, 7, 8, 50, 6, 18, 19, 19, 19, 19),
)  # fmt: skip
POLLS = Table(
    "polls",
    "Polls",
    (
        "session", "poll", "kind", "survey", "question_ar", "question_en", "status",
        "opened_local", "opened_utc", "closed_local", "closed_utc", "voters", "option",
        "option_ar", "option_en", "count", "percent", "average",
    ),
    (8, 6, 9, 7, 40, 40, 8, 19, 19, 19, 19, 8, 7, 24, 24, 8, 8, 8),
)  # fmt: skip
POLL_ANSWERS = Table(
    "poll_answers",
    "Poll answers",
    (
        "session", "poll", "answered_local", "answered_utc", "viewer", "choice", "option",
        "text", "language", "via",
    ),
    (8, 6, 19, 19, 14, 7, 24, 50, 6, 8),
)  # fmt: skip
TIMELINE = Table(
    "timeline",
    "Timeline",
    ("session", "at_local", "at_utc", "event", "detail"),
    (8, 19, 19, 22, 60),
)
MODERATION = Table(
    "moderation",
    "Moderation",
    (
        "session", "at_local", "at_utc", "moderator", "action", "outcome", "question",
        "viewer", "status_before", "status_after", "reason", "detail",
    ),
    (8, 19, 19, 18, 18, 9, 8, 14, 12, 12, 14, 30),
)  # fmt: skip
SUMMARY = Table(
    "summary",
    "Summary",
    ("session", "item", "label_ar", "label_en", "value"),
    (8, 22, 36, 36, 50),
)
TABLES = (QUESTIONS, POLLS, POLL_ANSWERS, TIMELINE, MODERATION)
LOCAL_COLUMN_SUFFIX, UTC_COLUMN_SUFFIX = "_local", "_utc"


@dataclass(frozen=True)
class Labels:
    """Translated labels: key → (Arabic, English)."""

    texts: Mapping[str, tuple[str, str]]

    def ar(self, key: str, **params: object) -> str:
        return self.texts[key][0].format(**params)

    def en(self, key: str, **params: object) -> str:
        return self.texts[key][1].format(**params)

    def header(self, column: str, zone: str) -> str:
        """A bilingual column header: «Arabic / English»."""
        key = f"col.{column}"
        return f"{self.ar(key, zone=zone)} / {self.en(key, zone=zone)}"


@dataclass(frozen=True)
class QuestionLine:
    number: int
    text: str
    language: str
    votes: int
    status: str


@dataclass(frozen=True)
class OptionResult:
    position: int
    text_ar: str | None
    text_en: str | None
    count: int
    percent: int

    def text(self, language: str) -> str:
        own = self.text_ar if language == "ar" else self.text_en
        return own or self.text_ar or self.text_en or str(self.position)


@dataclass(frozen=True)
class PollResult:
    number: int
    kind: str
    is_survey: bool
    question_ar: str | None
    question_en: str | None
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    voters: int
    answers: int  # open answers or survey comments
    average: float | None
    options: tuple[OptionResult, ...]
    terms: tuple[tuple[str, int], ...]

    def question(self, language: str) -> str:
        own = self.question_ar if language == "ar" else self.question_en
        return own or self.question_ar or self.question_en or ""


@dataclass(frozen=True)
class Reach:
    sent: int  # subscribers the go-live message (with the link) was addressed to
    delivered: int
    reminded: int  # reminders delivered
    card_viewers: int  # opened the session's card
    subscribers: int  # asked to be reminded of it
    interacted: int  # asked, upvoted or answered a poll


@dataclass(frozen=True)
class SessionSummary:
    id: int
    title_ar: str
    title_en: str
    description_ar: str | None
    description_en: str | None
    status: str
    starts_at: datetime
    live_at: datetime | None
    ended_at: datetime | None
    streams: tuple[str, ...]
    reach: Reach
    questions: Mapping[str, int]  # received, approved, answered, merged, declined, …
    declined_by_reason: tuple[tuple[str, int], ...]
    top_questions: tuple[QuestionLine, ...]
    polls: tuple[PollResult, ...]  # the survey is apart
    open_terms: tuple[tuple[str, int], ...]
    survey: PollResult | None
    unanswered: tuple[QuestionLine, ...]
    unanswered_total: int
    poll_answers: int

    @property
    def duration_minutes(self) -> int | None:
        if self.live_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.live_at).total_seconds() / 60)


@dataclass(frozen=True)
class ReportHead:
    generated_at: datetime
    zone: str  # IANA name: local times are in it
    names: bool  # viewers by name (an admin asked) rather than by pseudonym
    sessions: tuple[SessionSummary, ...]
    labels: Labels
    period: tuple[date, date] | None = None  # a date range export


class Writer(Protocol):
    """A renderer. `begin` once, then for each table `table` and its rows, then `close`;
    `abort` instead of `close` after an error (removes partial output it owns)."""

    wants_rows: bool

    def begin(self, head: ReportHead) -> None: ...

    def table(self, table: Table) -> None: ...

    def row(self, values: Sequence[Cell]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def summary_items(summary: SessionSummary, labels: Labels, zone: str) -> list[tuple[str, Cell]]:
    """The summary as (label key, value) pairs, for the Summary sheet and summary.csv; times
    in `zone`, as their labels say."""
    reach, questions = summary.reach, summary.questions
    local = ZoneInfo(zone)
    status = f"session.status.{summary.status}"
    items: list[tuple[str, Cell]] = [
        ("report.item.title_ar", summary.title_ar),
        ("report.item.title_en", summary.title_en),
        ("report.item.status", f"{labels.ar(status)} / {labels.en(status)}"),
        ("report.item.starts", summary.starts_at.astimezone(local)),
        ("report.item.live", summary.live_at.astimezone(local) if summary.live_at else None),
        ("report.item.ended", summary.ended_at.astimezone(local) if summary.ended_at else None),
        ("report.item.duration", summary.duration_minutes),
        ("report.item.streams", " ".join(summary.streams)),
        ("report.item.sent", reach.sent),
        ("report.item.delivered", reach.delivered),
        ("report.item.reminded", reach.reminded),
        ("report.item.card_viewers", reach.card_viewers),
        ("report.item.subscribers", reach.subscribers),
        ("report.item.interacted", reach.interacted),
    ]
    for key in ("received", "approved", "answered", "merged", "declined", "withdrawn", "pending"):
        items.append((f"report.item.{key}", questions.get(key, 0)))
    items += [(f"question.reason.{reason}", n) for reason, n in summary.declined_by_reason]
    items.append(("report.item.polls", len(summary.polls)))
    items.append(("report.item.poll_answers", summary.poll_answers))
    survey = summary.survey
    items.append(
        (
            "report.item.satisfaction",
            round(survey.average, 2) if survey and survey.average else None,
        )
    )
    items.append(("report.item.responses", survey.voters if survey else 0))
    items.append(("report.item.unanswered", summary.unanswered_total))
    return items


def label_keys() -> tuple[str, ...]:
    """The label keys the renderers look up besides the families of statuses, kinds and
    reasons (`question.status.*`, `question.reason.*`, `session.status.*`, `poll.kind.*`)
    that the caller adds."""
    columns = {c for table in (*TABLES, SUMMARY) for c in table.columns}
    return (*(f"col.{c}" for c in sorted(columns)), *ITEM_KEYS, *REPORT_KEYS)


ITEM_KEYS = tuple(
    f"report.item.{key}"
    for key in (
        "title_ar", "title_en", "status", "starts", "live", "ended", "duration", "streams",
        "sent", "delivered", "reminded", "card_viewers", "subscribers", "interacted",
        "received", "approved", "answered", "merged", "declined", "withdrawn", "pending",
        "polls", "poll_answers", "satisfaction", "responses", "unanswered",
    )
)  # fmt: skip
REPORT_KEYS = tuple(
    f"report.{key}"
    for key in (
        "title", "subtitle", "period", "generated", "page", "pseudonyms", "names",
        "section.facts", "section.reach", "section.questions", "section.top", "section.polls",
        "section.terms", "section.satisfaction", "section.unanswered", "none", "more", "votes",
        "voters", "average", "comments", "answers", "minutes", "results",
    )
)  # fmt: skip
