"""The management report (PDF), Arabic first with English beside it.

Text is shaped by HarfBuzz (fpdf2's text shaping, PyPI `uharfbuzz`): Arabic letters joined,
runs ordered by the Unicode bidirectional algorithm, each paragraph in the direction of its
language. Fonts are Debian's Noto Sans Arabic and Noto Sans (DejaVu Sans as the last
fallback), installed by `make system-deps`; characters none of them has (emoji) are dropped
rather than drawn as empty boxes. Poll results are bar charts (exports/chart.py, PNG).

The layout is bilingual on each line: the Arabic label on the right, the English label on the
left, the value between them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image

from exports.arabic import has_arabic
from exports.chart import Bar, bar_chart
from exports.fonts import font_path
from exports.model import (
    Cell,
    Labels,
    PollResult,
    QuestionLine,
    ReportHead,
    SessionSummary,
    Table,
)

INK = (20, 28, 38)
MUTED = (95, 105, 120)
ACCENT = (24, 78, 119)
BAND = (232, 240, 247)
RULE = (200, 210, 222)
WHITE = (255, 255, 255)
BODY = 10.5
TOP_QUESTIONS = 10
FOLLOW_UPS = 40
FONTS = {"ar": "arabic", "sans": "sans", "sym": "latin"}


@cache
def _coverage(kind: str) -> frozenset[int]:
    return frozenset(TTFont(str(font_path(kind)), lazy=True).getBestCmap())


BIDI_CONTROLS = "\u200e\u200f\u2066\u2067\u2068\u2069"  # marks and isolates: laid out, not drawn
LRI, PDI = "\u2066", "\u2069"


def printable(text: str) -> str:
    """The text without characters none of the report's fonts can draw (emoji, for one)."""
    known = _coverage("arabic") | _coverage("sans") | _coverage("latin")
    kept = "".join(ch for ch in text if ord(ch) in known or ch in "\n" or ch in BIDI_CONTROLS)
    return " ".join(kept.split(" ")).strip() if kept != text else text


def chart_safe(text: str) -> bool:
    """exports/chart.py draws a label in one font (Arabic if it has Arabic letters)."""
    font = _coverage("arabic" if has_arabic(text) else "latin")
    return all(ord(ch) in font or ch == " " for ch in text)


def _number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


class ReportPdf(FPDF):
    def __init__(self, labels: Labels, zone: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.labels = labels
        self.zone = ZoneInfo(zone)
        self.zone_name = zone
        self.running_title = ""
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)
        for family, kind in FONTS.items():
            self.add_font(family, "", str(font_path(kind)))
            self.add_font(family, "B", str(font_path(f"{kind}-bold")))
        self.set_fallback_fonts(["ar", "sans", "sym"], exact_match=False)
        self.set_title(f"{labels.ar('report.title')} · {labels.en('report.title')}")
        self.set_creator("Shurakum Live")

    # Text primitives: direction and font follow the text's language.

    def _use(self, text: str, size: float, bold: bool, rtl: bool | None = None) -> str:
        rtl = has_arabic(text) if rtl is None else rtl
        if rtl:
            self.set_text_shaping(True, direction="rtl", script="arab", language="ar")
        else:
            self.set_text_shaping(True, direction="ltr", script="latn", language="en")
        self.set_font("ar" if rtl else "sans", "B" if bold else "", size)
        return "R" if rtl else "L"

    def text_cell(
        self, w: float, h: float, text: str, *, size: float = BODY, bold: bool = False,
        align: str | None = None, color: tuple[int, int, int] = INK, rtl: bool | None = None,
    ) -> None:  # fmt: skip
        natural = self._use(text, size, bold, rtl)
        self.set_text_color(*color)
        self.cell(w, h, printable(text), align=align or natural)

    def paragraph(
        self, text: str, *, size: float = BODY, bold: bool = False, w: float = 0,
        h: float | None = None, color: tuple[int, int, int] = INK, align: str | None = None,
    ) -> None:  # fmt: skip
        natural = self._use(text, size, bold)
        self.set_text_color(*color)
        x = self.get_x()
        self.multi_cell(w, h or size * 0.52, printable(text), align=align or natural)
        self.set_x(x)

    def lines(self, text: str, w: float, size: float = BODY, bold: bool = False) -> int:
        self._use(text, size, bold)
        result: Any = self.multi_cell(w, size * 0.52, printable(text), dry_run=True, output="LINES")
        return max(1, len(result))

    # Page furniture.

    def footer(self) -> None:
        self.set_y(-12)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() - 1, self.w - self.r_margin, self.get_y() - 1)
        half = (self.w - self.l_margin - self.r_margin) / 2
        page = str(self.page_no())
        self.text_cell(half, 6, f"Shurakum Live · {self.labels.en('report.page', page=page)}",
                       size=8, color=MUTED)  # fmt: skip
        self.text_cell(half, 6, f"{self.labels.ar('report.page', page=page)} · شوركم مباشر",
                       size=8, color=MUTED)  # fmt: skip

    def band(self, head: ReportHead) -> None:
        """The coloured title band of a session's first page."""
        width = self.w - self.l_margin - self.r_margin
        self.set_fill_color(*ACCENT)
        self.rect(0, 0, self.w, 30, style="F")
        self.set_xy(self.l_margin, 7)
        half = width / 2
        self.text_cell(half, 8, "Shurakum Live", size=15, bold=True, color=WHITE)
        self.text_cell(half, 8, "شوركم مباشر", size=15, bold=True, color=WHITE)
        self.set_xy(self.l_margin, 16)
        self.text_cell(half, 7, self.labels.en("report.subtitle"), size=10.5, color=WHITE)
        self.text_cell(half, 7, self.labels.ar("report.subtitle"), size=10.5, color=WHITE)
        self.set_xy(self.l_margin, 36)

    def heading(self, key: str, keep: float = 30) -> None:
        """A section heading: Arabic on the right, English on the left, a rule below; on a
        new page unless `keep` mm of what follows fit under it."""
        if self.will_page_break(keep + 16):
            self.add_page()
        self.ln(4)
        width = self.w - self.l_margin - self.r_margin
        self.set_x(self.l_margin)
        self.text_cell(width / 2, 8, self.labels.en(key), size=12.5, bold=True, color=ACCENT)
        self.text_cell(width / 2, 8, self.labels.ar(key), size=13.5, bold=True, color=ACCENT)
        self.ln(8.5)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_line_width(0.2)
        self.ln(2.5)

    def item(self, key: str, value: str, shade: bool, *, indent: bool = False) -> None:
        """One fact: English label | value | Arabic label (a sub-item indented)."""
        width = self.w - self.l_margin - self.r_margin
        wide = max((len(line) for line in value.splitlines()), default=0) > 24
        side, middle = (width * 0.25, width * 0.5) if wide else (width * 0.36, width * 0.28)
        inset = 6 if indent else 0
        lines = self.lines(value, middle) if value else 1
        h = max(7.0, lines * 5.2 + 1.8)
        if self.will_page_break(h):
            self.add_page()
        y = self.get_y()
        if shade:
            self.set_fill_color(*BAND)
            self.rect(self.l_margin, y, width, h, style="F")
        self.set_xy(self.l_margin + inset, y)
        size = 9.5 if indent else BODY
        english, arabic = (
            self.labels.en(key, zone=self.zone_name),
            self.labels.ar(key, zone=self.zone_name),
        )
        self.text_cell(side - inset, h, english, size=size, color=MUTED)
        self.set_xy(self.l_margin + side, y + (h - lines * 5.2) / 2)
        self.paragraph(value or "—", w=middle, h=5.2, bold=not indent, align="C")
        self.set_xy(self.l_margin + side + middle, y)
        self.text_cell(side - inset, h, arabic, size=size, color=MUTED)
        self.set_xy(self.l_margin, y + h)

    def items(self, rows: Sequence[tuple[str, str]], indented: Sequence[str] = ()) -> None:
        for index, (key, value) in enumerate(rows):
            self.item(key, value, index % 2 == 0, indent=key in indented)

    def tiles(self, tiles: Sequence[tuple[str, str]]) -> None:
        """Key figures in boxes, the first on the right."""
        width = self.w - self.l_margin - self.r_margin
        gap = 3.0
        w = (width - gap * (len(tiles) - 1)) / len(tiles)
        y = self.get_y() + 2
        for index, (key, value) in enumerate(tiles):
            x = self.w - self.r_margin - (index + 1) * w - index * gap
            self.set_fill_color(*BAND)
            self.rect(x, y, w, 27, style="F")
            self.set_xy(x, y + 2)
            self.text_cell(w, 10, value, size=19, bold=True, align="C", color=ACCENT, rtl=False)
            self.set_xy(x, y + 13)
            self.text_cell(w, 6, self.labels.ar(key), size=9, align="C")
            self.set_xy(x, y + 19)
            self.text_cell(w, 6, self.labels.en(key), size=8, align="C", color=MUTED)
        self.set_xy(self.l_margin, y + 31)

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def question_list(self, questions: Sequence[QuestionLine]) -> None:
        width = self.w - self.l_margin - self.r_margin
        for index, line in enumerate(questions, start=1):
            text = printable(line.text)
            lines = self.lines(text, width - 4)
            h = lines * 5.4 + 9
            if self.will_page_break(h):
                self.add_page()
            y = self.get_y()
            self.set_draw_color(*RULE)
            self.line(self.l_margin, y + h, self.w - self.r_margin, y + h)
            self.set_xy(self.l_margin + 2, y + 1.5)
            self.paragraph(text, w=width - 4, h=5.4)
            status = f"question.status.{line.status}"
            meta_en = f"#{line.number} · {self.labels.en('report.votes')}: {line.votes}"
            meta_ar = f"#{line.number} · {self.labels.ar('report.votes')}: {line.votes}"
            self.set_xy(self.l_margin + 2, y + h - 6.5)
            half = (width - 4) / 2
            self.text_cell(half, 5.5, f"{meta_en} · {self.labels.en(status)}", size=8.5,
                           color=MUTED)  # fmt: skip
            self.text_cell(half, 5.5, f"{meta_ar} · {self.labels.ar(status)}", size=8.5,
                           color=MUTED)  # fmt: skip
            self.set_xy(self.l_margin, y + h + 1)
            del index

    @staticmethod
    def chart_height(png: bytes, width: float) -> float:
        with Image.open(io.BytesIO(png)) as image:
            return width * image.height / image.width

    def chart(self, png: bytes, width: float = 150) -> None:
        h = self.chart_height(png, width)
        if self.will_page_break(h + 4):
            self.add_page()
        x = self.l_margin + (self.w - self.l_margin - self.r_margin - width) / 2
        self.image(io.BytesIO(png), x=x, y=self.get_y(), w=width, h=h)
        self.set_y(self.get_y() + h + 2)

    def note(self, english: str, arabic: str = "") -> None:
        """A small grey line under a chart: Arabic (right) then English (left), each whole."""
        if arabic:
            self.paragraph(arabic, size=9, color=MUTED)
        if english:
            self.paragraph(english, size=9, color=MUTED)


def _poll_chart(poll: PollResult, labels: Labels) -> bytes | None:
    if not poll.options or not sum(o.count for o in poll.options):
        return None
    bars = []
    for option in poll.options:
        label = option.text("ar")
        if not chart_safe(label):
            label = option.text("en") if chart_safe(option.text("en")) else printable(label)
        bars.append(Bar(label, option.count, option.percent))
    title = poll.question("ar")
    if not chart_safe(title):
        title = labels.ar("report.results")
    footer = f"{labels.ar('report.voters')}: {poll.voters}"
    return bar_chart(title, bars, footer, rtl=True)


def _terms_chart(terms: Sequence[tuple[str, int]], answers: int, labels: Labels) -> bytes:
    bars = [
        Bar(term if chart_safe(term) else printable(term), n, round(100 * n / max(1, answers)))
        for term, n in terms
    ]
    footer = f"{labels.ar('report.answers')}: {answers}"
    return bar_chart(labels.ar("report.section.terms"), bars, footer, rtl=True)


def _poll_english(poll: PollResult, labels: Labels) -> str:
    parts = [f"{o.text('en')} {o.percent}% ({o.count})" for o in poll.options]
    line = f"{poll.question('en')} — " + ", ".join(parts) if parts else poll.question("en")
    line += f"; {poll.voters} {labels.en('report.voters').lower()}"
    if poll.average is not None:
        line += f"; {labels.en('report.average', average=f'{poll.average:.1f}')}"
    return line


class PdfWriter:
    """Renders the report from the head alone (no table rows)."""

    wants_rows = False

    def __init__(self, out: Path | IO[bytes]) -> None:
        self._out = out

    def begin(self, head: ReportHead) -> None:
        self._pdf = ReportPdf(head.labels, head.zone)
        for summary in head.sessions:
            self._session(head, summary)

    def _session(self, head: ReportHead, s: SessionSummary) -> None:
        pdf, labels = self._pdf, head.labels
        pdf.add_page()
        pdf.band(head)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.paragraph(s.title_ar, size=20, bold=True, h=10)
        pdf.paragraph(s.title_en, size=14, bold=True, h=7.5, color=ACCENT)
        if s.description_ar:
            pdf.paragraph(s.description_ar, size=10, color=MUTED)
        if s.description_en:
            pdf.paragraph(s.description_en, size=9.5, color=MUTED)
        pdf.ln(2)
        survey = s.survey
        score = f"{survey.average:.1f} / 5" if survey and survey.average is not None else "—"
        pdf.tiles(
            [
                ("report.item.received", _number(s.questions.get("received", 0))),
                ("report.item.interacted", _number(s.reach.interacted)),
                ("report.item.poll_answers", _number(s.poll_answers)),
                ("report.item.satisfaction", score),
            ]
        )
        viewers = "report.names" if head.names else "report.pseudonyms"
        pdf.heading("report.section.facts")
        status = f"session.status.{s.status}"
        minutes = s.duration_minutes
        pdf.items(
            [
                ("report.item.starts", pdf.when(s.starts_at)),
                ("report.item.status", f"{labels.ar(status)} · {labels.en(status)}"),
                ("report.item.live", pdf.when(s.live_at)),
                ("report.item.ended", pdf.when(s.ended_at)),
                ("report.item.duration", "" if minutes is None else str(minutes)),
                ("report.item.streams", "\n".join(s.streams)),
            ]
        )
        pdf.ln(1.5)
        pdf.note(labels.en(viewers), labels.ar(viewers))

        pdf.heading("report.section.reach")
        r = s.reach
        pdf.items(
            [
                ("report.item.sent", _number(r.sent)),
                ("report.item.delivered", _number(r.delivered)),
                ("report.item.reminded", _number(r.reminded)),
                ("report.item.subscribers", _number(r.subscribers)),
                ("report.item.card_viewers", _number(r.card_viewers)),
                ("report.item.interacted", _number(r.interacted)),
            ]
        )

        pdf.heading("report.section.questions")
        q = s.questions
        rows = [
            (f"report.item.{key}", _number(q.get(key, 0)))
            for key in ("received", "approved", "answered", "merged", "declined")
        ]
        reasons = [(f"question.reason.{reason}", _number(n)) for reason, n in s.declined_by_reason]
        rows += reasons
        rows += [(f"report.item.{key}", _number(q.get(key, 0))) for key in ("withdrawn", "pending")]
        pdf.items(rows, indented=[key for key, _ in reasons])

        pdf.heading("report.section.top")
        if s.top_questions:
            pdf.question_list(s.top_questions)
        else:
            pdf.note(labels.en("report.none"), labels.ar("report.none"))

        if s.polls:
            pdf.heading("report.section.polls", keep=95)
            for poll in s.polls:
                kind = f"poll.kind.{poll.kind}"
                pdf.set_x(pdf.l_margin)
                if pdf.will_page_break(60):
                    pdf.add_page()
                pdf.text_cell(width / 2, 6, f"#{poll.number} · {labels.en(kind)}", size=9,
                              color=MUTED)  # fmt: skip
                pdf.text_cell(width / 2, 6, f"#{poll.number} · {labels.ar(kind)}", size=9,
                              color=MUTED)  # fmt: skip
                pdf.ln(6)
                png = _poll_chart(poll, labels)
                if png is None:
                    pdf.paragraph(poll.question("ar"), bold=True)
                    pdf.paragraph(poll.question("en"), size=9.5, color=MUTED)
                    count = f"{labels.ar('report.answers')}: {poll.answers}"
                    pdf.note(f"{poll.answers} {labels.en('report.answers').lower()}", count)
                else:
                    pdf.chart(png, width=132)
                    pdf.note(_poll_english(poll, labels))
                pdf.ln(3)

        if s.open_terms:
            answers = sum(p.answers for p in s.polls if p.kind == "text")
            png = _terms_chart(s.open_terms, answers, labels)
            pdf.heading("report.section.terms", keep=pdf.chart_height(png, 120))
            pdf.chart(png, width=120)

        png = _poll_chart(survey, labels) if survey is not None else None
        # The figures and the chart on one page.
        keep = 25 + (pdf.chart_height(png, 118) if png is not None else 0)
        pdf.heading("report.section.satisfaction", keep=keep)
        if survey is None or not survey.voters:
            pdf.note(labels.en("report.none"), labels.ar("report.none"))
        else:
            average = f"{survey.average:.1f}" if survey.average is not None else "—"
            pdf.items(
                [
                    ("report.item.satisfaction", f"{average} / 5"),
                    ("report.item.responses", _number(survey.voters)),
                    ("report.comments", _number(survey.answers)),
                ]
            )
            if png is not None:
                pdf.ln(2)
                pdf.chart(png, width=118)
            repeated = [(term, n) for term, n in survey.terms if n > 1]
            if repeated:  # the words of the comments, in their own language
                words = "، ".join(f"{term} ({n})" for term, n in repeated)
                label = f"{labels.ar('report.comments')} / {labels.en('report.comments')}"
                pdf.note("", f"{label}: {words}")

        pdf.heading("report.section.unanswered")
        if s.unanswered:
            pdf.question_list(s.unanswered[:FOLLOW_UPS])
            more = s.unanswered_total - min(len(s.unanswered), FOLLOW_UPS)
            if more > 0:
                pdf.note(labels.en("report.more", count=more), labels.ar("report.more", count=more))
        else:
            pdf.note(labels.en("report.none"), labels.ar("report.none"))
        generated = head.generated_at.astimezone(pdf.zone).strftime("%Y-%m-%d %H:%M")
        when = f"{generated} ({head.zone})"
        pdf.ln(4)
        # Isolated: in an Arabic sentence a bare 2026-12-06 would read 06-12-2026 (UBA W2).
        pdf.note(
            labels.en("report.generated", when=when),
            labels.ar("report.generated", when=f"{LRI}{when}{PDI}"),
        )

    def table(self, table: Table) -> None:
        raise NotImplementedError("the PDF report has no tables of rows")

    def row(self, values: Sequence[Cell]) -> None:
        raise NotImplementedError("the PDF report has no tables of rows")

    def close(self) -> None:
        data: Any = self._pdf.output()
        if isinstance(self._out, Path):
            part = self._out.with_name(self._out.name + ".part")
            part.write_bytes(bytes(data))
            os.replace(part, self._out)
        else:
            self._out.write(bytes(data))

    def abort(self) -> None:
        if isinstance(self._out, Path):
            self._out.with_name(self._out.name + ".part").unlink(missing_ok=True)
