"""XLSX, CSV, JSON and PDF of the demo session, read back as a person or a program would."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from pypdf import PdfReader

from tests.exports.conftest import Built, pdf_text, render_page
from tools.demo_session import QUESTIONS, REPLIES, TITLE_AR, TITLE_EN

BOM = b"\xef\xbb\xbf"
SHEETS = ["Summary", "Questions", "Polls", "Poll answers", "Timeline", "Moderation"]


async def test_xlsx_reads_back_arabic_exactly(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "session.xlsx"
    result = await built.services.reports.export(built.demo.session_id, "xlsx", path)
    assert result.rows > 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    questions = book["Questions"]
    header = [cell.value for cell in questions[1]]
    assert header[:3] == ["الجلسة / Session", "رقم السؤال / Question no.",
                          "وقت الإرسال (Asia/Muscat) / Asked (Asia/Muscat)"]  # fmt: skip
    texts = {row[5] for row in questions.iter_rows(min_row=2, values_only=True)}
    assert QUESTIONS[0][0] in texts  # Arabic, exactly as sent
    assert QUESTIONS[3][0] in texts  # English
    replies = {row[11] for row in questions.iter_rows(min_row=2, values_only=True)}
    assert REPLIES[1] in replies
    by_status = [row[7] for row in questions.iter_rows(min_row=2, values_only=True)]
    assert {"answered", "approved", "rejected", "merged", "pending"} <= set(by_status)
    reasons = {row[8] for row in questions.iter_rows(min_row=2, values_only=True)}
    assert {"personal", "off_topic", "duplicate"} <= reasons
    first = next(questions.iter_rows(min_row=2, values_only=True))
    local, utc = first[2], first[3]
    assert (local - utc).total_seconds() == 4 * 3600  # Asia/Muscat is UTC+4
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    assert [TITLE_AR, built.demo.session_id, TITLE_EN] in summary
    starts = [
        "موعد البدء (Asia/Muscat)",
        datetime(2026, 12, 6, 10, 0),
        "Scheduled start (Asia/Muscat)",
    ]
    assert starts in summary  # the local wall clock, as the label says
    answers = book["Poll answers"]
    assert answers.max_row > 100
    moderation = list(book["Moderation"].iter_rows(min_row=2, values_only=True))
    assert {"approve", "reject", "merge", "reply", "mute", "answered"} <= {r[4] for r in moderation}
    assert "فاطمة الزدجالية (@fatma_mod)" in {r[3] for r in moderation}


async def test_csv_zip_and_folder_start_with_the_byte_order_mark(
    built: Built, tmp_path: Path
) -> None:
    archive = tmp_path / "session.zip"
    await built.services.reports.export(built.demo.session_id, "csv", archive)
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        tables = ("summary", "questions", "polls", "poll_answers", "timeline", "moderation")
        assert names == [f"{n}.csv" for n in tables]
        for name in names:
            assert zipped.read(name).startswith(BOM), name
        questions = zipped.read("questions.csv").decode("utf-8-sig")
    assert QUESTIONS[1][0] in questions
    folder = tmp_path / "csv-folder"
    await built.services.reports.export(built.demo.session_id, "csv", folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert (folder / "polls.csv").read_bytes().startswith(BOM)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]


async def test_json_is_utf8_not_ascii_escaped(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    await built.services.reports.export(built.demo.session_id, "json", path)
    raw = path.read_bytes()
    assert TITLE_AR.encode("utf-8") in raw
    assert b"\\u06" not in raw  # no ASCII escapes of Arabic letters
    data = json.loads(raw)
    assert list(data) == ["report", "sessions", "questions", "polls", "poll_answers",
                          "timeline", "moderation"]  # fmt: skip
    assert data["report"]["viewers"] == "pseudonyms"
    session = data["sessions"][0]
    assert session["title_ar"] == TITLE_AR
    assert session["questions"]["received"] == len(data["questions"])
    question = data["questions"][0]
    assert question["asked_local"].endswith("+04:00")
    assert question["asked_utc"].endswith("+00:00")
    # A stream too: the same export to a file object.
    buffer = io.BytesIO()
    await built.services.reports.export(built.demo.session_id, "json", buffer)
    assert json.loads(buffer.getvalue())["sessions"][0]["title_en"] == TITLE_EN


async def test_pdf_has_the_arabic_title_in_logical_order(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    await built.services.reports.export(built.demo.session_id, "pdf", path)
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    assert TITLE_AR in text  # shaped in the file, extracted back in logical order
    assert TITLE_EN in text
    assert QUESTIONS[0][0] in text
    # pypdf agrees, lam-alef ligatures included (pdftotext reverses those two letters).
    extracted = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "الأسئلة الأكثر تصويتًا" in extracted
    assert "نتائج الاستطلاعات" in extracted
    image = render_page(path, f"report-page-1-{built.engine}")
    assert image.stat().st_size > 10_000
    render_page(path, f"report-page-3-{built.engine}", page=3)
