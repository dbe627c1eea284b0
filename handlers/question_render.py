"""Questions as Telegram messages: moderators' cards, the viewers' board, confirmations,
"my questions", the queue, the digest and the askers' notices.

User text goes to the translator as str parameters (escaped and isolated there); only our
own fragments (numbers, icons) are passed as `Markup`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from domain.moderation import REASONS
from domain.question_views import Card, Notice, QuestionView, Queue
from domain.questions import Board
from handlers.common import Rows, keyboard
from locales import Markup, Translator

STATUS_ICON = {
    "pending": "⏳",
    "approved": "✅",
    "rejected": "❌",
    "answered": "✔️",
    "merged": "🔗",
    "withdrawn": "🗑",
}
LIST_EXCERPT = 300
BUTTON_EXCERPT = 24


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def status_label(tr: Translator, status: str) -> str:
    return f"{STATUS_ICON[status]} {tr.t(f'question.status.{status}')}"


def card_text(tr: Translator, card: Card) -> str:
    question = card.question
    lines = [
        tr.t(
            "moderation.card.header",
            number=question.id,
            status=Markup(status_label(tr, question.status)),
        ),
        tr.t("moderation.card.session", title=card.session_title(tr.language)),
        tr.t("moderation.card.asker", name=card.asker)
        if card.asker
        else tr.t("moderation.card.anonymous"),
        tr.tn("moderation.card.votes", question.votes),
    ]
    if card.held_words:
        lines.append(tr.t("moderation.card.held", words=", ".join(card.held_words)))
    if card.similar and question.status in ("pending", "approved"):
        numbers = ", ".join(f"#{n}" for n in card.similar)
        lines.append(tr.t("moderation.card.similar", numbers=Markup(numbers)))
    if question.status == "approved" and question.shown_at is not None:
        lines.append(tr.t("moderation.card.on_screen"))
    if question.status == "merged" and question.merged_into is not None:
        lines.append(tr.t("moderation.card.merged", number=question.merged_into))
    if question.status == "rejected" and question.reject_reason:
        reason = tr.t(f"question.reason.{question.reject_reason}")
        lines.append(tr.t("moderation.card.declined", reason=Markup(reason)))
    if question.reply:
        lines.append(tr.t("moderation.card.reply", text=question.reply))
    lines += ["", tr.t("moderation.card.text", text=question.text)]
    return "\n".join(lines)


def card_markup(tr: Translator, card: Card) -> InlineKeyboardMarkup:
    question = card.question
    ref = f"{question.id}:{question.revision}"
    rows: list[list[tuple[str, str]]] = []
    if question.status == "pending":
        rows.append(
            [
                (tr.t("moderation.button.approve"), f"qa:{ref}"),
                (tr.t("moderation.button.reject"), f"qx:{ref}"),
            ]
        )
    if question.status == "approved":
        rows.append(
            [
                (tr.t("moderation.button.on_screen"), f"qs:{ref}"),
                (tr.t("moderation.button.reject"), f"qx:{ref}"),
            ]
        )
    if question.status in ("pending", "approved"):
        rows += [
            [
                (tr.t("moderation.button.answered"), f"qd:{ref}"),
                (tr.t("moderation.button.reply"), f"qy:{ref}"),
            ],
            [(tr.t("moderation.button.merge"), f"qm:{ref}")],
        ]
        if card.similar:
            merges = [
                (tr.t("moderation.button.merge_into", number=n), f"qi:{ref}:{n}")
                for n in card.similar
            ]
            rows.append(merges)
    if question.status == "answered":
        rows.append([(tr.t("moderation.button.reply"), f"qy:{ref}")])
    if question.user_id is not None:
        rows.append([(tr.t("moderation.button.mute"), f"qu:{question.id}")])
    return keyboard(rows)


def reasons_markup(tr: Translator, question: QuestionView) -> InlineKeyboardMarkup:
    ref = f"{question.id}:{question.revision}"
    rows = [[(tr.t(f"question.reason.{r}"), f"qr:{ref}:{r}")] for r in REASONS]
    rows.append([(tr.t("moderation.button.back"), f"qk:{ref}")])
    return keyboard(rows)


def board_text(tr: Translator, board: Board) -> str:
    title = board.session.title(tr.language)
    if not board.questions:
        return tr.t("question.board.empty", title=title)
    lines = [tr.t("question.board.header", title=title, page=board.page + 1, pages=board.pages)]
    for question in board.questions:
        lines += [
            "",
            tr.t(
                "question.board.line",
                number=question.id,
                votes=question.votes,
                text=excerpt(question.text, LIST_EXCERPT),
            ),
        ]
    return "\n".join(lines)


def board_markup(tr: Translator, board: Board, user_id: int) -> InlineKeyboardMarkup:
    return keyboard(board_rows(tr, board, user_id))


def board_rows(tr: Translator, board: Board, user_id: int) -> Rows:
    """A vote button for each question on the page but the viewer's own, and the pages."""
    sid = board.session.id
    rows = [
        [
            (
                tr.t(
                    "question.button.voted" if q.id in board.voted else "question.button.vote",
                    number=q.id,
                    votes=q.votes,
                ),
                f"qv:{sid}:{q.id}:{board.page}",
            )
        ]
        for q in board.questions
        if q.user_id != user_id
    ]
    nav = []
    if board.page > 0:
        nav.append((tr.t("question.button.prev"), f"ql:{sid}:{board.page - 1}"))
    if board.page + 1 < board.pages:
        nav.append((tr.t("question.button.next"), f"ql:{sid}:{board.page + 1}"))
    return [*rows, nav] if nav else rows


def own_markup(tr: Translator, question: QuestionView) -> InlineKeyboardMarkup | None:
    rows = own_rows(tr, question)
    return None if rows is None else keyboard(rows)


def own_rows(tr: Translator, question: QuestionView) -> Rows | None:
    """Edit, withdraw and anonymity, while the question is pending."""
    if question.status != "pending":
        return None
    qid = question.id
    anonymous = (
        (tr.t("question.button.show_name"), f"qn:{qid}:0")
        if question.anonymous
        else (tr.t("question.button.make_anonymous"), f"qn:{qid}:1")
    )
    return [
        [
            (tr.t("question.button.edit"), f"qe:{qid}"),
            (tr.t("question.button.withdraw"), f"qz:{qid}"),
        ],
        [anonymous],
    ]


def received_text(tr: Translator, question: QuestionView, *, again: bool = False) -> str:
    key = "question.already_received" if again else "question.received"
    text = tr.t(key, number=question.id)
    if question.anonymous:
        text += "\n" + tr.t("question.received_anonymous")
    return text


def mine_text(tr: Translator, questions: list[QuestionView]) -> str:
    if not questions:
        return tr.t("question.mine.none")
    lines = [tr.tn("question.mine.header", len(questions))]
    for question in questions:
        lines += [
            "",
            tr.t(
                "question.mine.line",
                number=question.id,
                status=Markup(status_label(tr, question.status)),
                votes=question.votes,
                text=excerpt(question.text, LIST_EXCERPT),
            ),
        ]
        if question.status == "rejected" and question.reject_reason:
            reason = tr.t(f"question.reason.{question.reject_reason}")
            lines.append(tr.t("question.mine.reason", reason=Markup(reason)))
        if question.status == "merged" and question.merged_into is not None:
            lines.append(tr.t("question.mine.merged", number=question.merged_into))
        if question.reply:
            lines.append(tr.t("question.mine.reply", text=excerpt(question.reply, LIST_EXCERPT)))
    return "\n".join(lines)


def mine_markup(tr: Translator, questions: list[QuestionView]) -> InlineKeyboardMarkup | None:
    rows = [
        [
            (tr.t("question.button.edit_number", number=q.id), f"qe:{q.id}"),
            (tr.t("question.button.withdraw_number", number=q.id), f"qz:{q.id}"),
        ]
        for q in questions
        if q.status == "pending"
    ]
    return keyboard(rows) if rows else None


def stats_text(tr: Translator, queue: Queue) -> str | None:
    stats, current = queue.stats, queue.current
    if stats is None or current is None:
        return None
    declined = ", ".join(
        f"{tr.t(f'question.reason.{reason}')}: {n}" for reason, n in sorted(stats.declined.items())
    )
    return tr.t(
        "queue.stats",
        title=current.title(tr.language),
        received=stats.received,
        approved=stats.approved,
        answered=stats.answered,
        merged=stats.merged,
        declined=Markup(declined or "0"),
    )


def queue_text(tr: Translator, queue: Queue) -> str:
    summary = stats_text(tr, queue)
    head = [summary, ""] if summary else []
    if not queue.questions:
        return "\n".join([*head, tr.t("queue.empty")])
    lines = [*head, tr.tn("queue.header", queue.total)]
    if queue.pages > 1:
        lines.append(tr.t("queue.page", page=queue.page + 1, pages=queue.pages))
    for question in queue.questions:
        lines += [
            "",
            tr.t(
                "queue.line",
                number=question.id,
                votes=question.votes,
                flag=Markup("⚠️ " if question.held else ""),
                title=queue.title(question.session_id, tr.language),
                text=excerpt(question.text, LIST_EXCERPT),
            ),
        ]
    return "\n".join(lines)


def queue_markup(tr: Translator, queue: Queue) -> InlineKeyboardMarkup | None:
    opens = [(f"#{q.id}", f"qc:{q.id}") for q in queue.questions]
    rows = [opens[i : i + 4] for i in range(0, len(opens), 4)]
    nav = []
    if queue.page > 0:
        nav.append((tr.t("question.button.prev"), f"qq:{queue.page - 1}"))
    if queue.page + 1 < queue.pages:
        nav.append((tr.t("question.button.next"), f"qq:{queue.page + 1}"))
    if nav:
        rows.append(nav)
    return keyboard(rows) if rows else None


def notice_text(tr: Translator, notice: Notice) -> str:
    number = notice.question_id
    if notice.kind == "approved":
        return tr.t("question.notice.approved", number=number)
    if notice.kind == "answered":
        if notice.reply:
            return tr.t("question.notice.answered_reply", number=number, reply=notice.reply)
        return tr.t("question.notice.answered", number=number)
    if notice.kind == "declined":
        reason = tr.t(f"question.reason.{notice.reason}")
        return tr.t("question.notice.declined", number=number, reason=Markup(reason))
    if notice.kind == "merged":
        return tr.t(
            "question.notice.merged",
            number=number,
            target=notice.other_id,
            text=excerpt(notice.text or "", LIST_EXCERPT),
        )
    return tr.tn("question.notice.merged_in", notice.votes, number=number, other=notice.other_id)
