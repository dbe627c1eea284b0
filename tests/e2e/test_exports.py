"""/export and /report through the running bot (issue 6), on both engines."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

import handlers.exports
from domain.roles import Role
from domain.users import Profile
from locales import translator
from sandbox import SentMessage, SimUser
from storage.models import AuditEntry
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.helpers import session, viewer

AR = translator("ar")
EN = translator("en")
QUESTION = "ما خطة الوزارة لتطوير التعليم في المحافظات؟"


async def live_session_with_a_question(harness: Harness) -> int:
    view = await session(harness)
    await harness.services.sessions.go_live(None, view.id)
    asker = Profile(8100, "سالم", "البلوشي", "salem", "ar")
    await harness.services.users.start(asker)
    await harness.services.questions.submit(asker, view.id, QUESTION, chat_id=8100, message_id=1)
    return view.id


async def staff(harness: Harness, user_id: int, language: str = "en") -> SimUser:
    await harness.services.roles.set_role(None, user_id, Role.STAFF)
    return await viewer(harness, user_id, language)


def is_document(message: SentMessage) -> bool:
    return message.kind == "document" and message.document is not None


async def test_staff_gets_the_xlsx_and_the_pdf_report(harness: Harness) -> None:
    session_id = await live_session_with_a_question(harness)
    omar = await staff(harness, 8200)
    await omar.send(f"/export {session_id} xlsx")
    sent = await omar.wait_for(is_document, timeout=30)
    assert sent.document is not None
    assert sent.document.file_name == f"session-{session_id}.xlsx"
    assert sent.text == EN.t("export.ready", session_id=session_id, format="XLSX")
    book = openpyxl.load_workbook(io.BytesIO(sent.document.data))
    texts = [row[5] for row in book["Questions"].iter_rows(min_row=2, values_only=True)]
    assert texts == [QUESTION]
    viewers = [row[4] for row in book["Questions"].iter_rows(min_row=2, values_only=True)]
    assert viewers[0].startswith("V-")  # a pseudonym: staff are not admins

    await omar.send(f"/report {session_id}")
    report = await omar.wait_for(lambda m: is_document(m) and m is not sent, timeout=30)
    assert report.document is not None
    assert report.document.data.startswith(b"%PDF")
    assert report.document.file_name == f"session-{session_id}.pdf"


async def test_a_viewer_is_refused_and_the_attempt_audited(harness: Harness) -> None:
    session_id = await live_session_with_a_question(harness)
    sara = await viewer(harness, 8300, "ar")
    await sara.send(f"/export {session_id} xlsx")
    answer = await sara.next_message()
    assert answer.text == AR.t("error.not_allowed")
    await sara.send(f"/report {session_id}")
    assert (await sara.next_message()).text == AR.t("error.not_allowed")
    async with harness.services.db.transaction() as db:
        rows = (
            await db.execute(
                select(AuditEntry.action, AuditEntry.outcome).where(AuditEntry.actor_id == 8300)
            )
        ).all()
    assert ("export", "denied") in rows
    assert ("export.pdf", "denied") in rows
    assert not any(m.kind == "document" for m in sara.all_messages)


async def test_names_only_for_admins(harness: Harness) -> None:
    session_id = await live_session_with_a_question(harness)
    omar = await staff(harness, 8400)
    await omar.send(f"/export {session_id} json names")
    assert (await omar.next_message()).text == EN.t("error.not_allowed")
    admin = await viewer(harness, ADMIN_ID, "en")
    await admin.send(f"/export {session_id} json names")
    sent = await admin.wait_for(is_document, timeout=30)
    assert sent.document is not None
    assert "سالم البلوشي (@salem)".encode() in sent.document.data


async def test_bad_input_gets_one_translated_answer(harness: Harness) -> None:
    session_id = await live_session_with_a_question(harness)
    omar = await staff(harness, 8500, "ar")
    await omar.send("/export")
    assert (await omar.next_message()).text == AR.t("export.usage")
    await omar.send("/export 999999 xlsx")
    assert (await omar.next_message()).text == AR.t("session.not_found", session_id="999999")
    await omar.send(f"/export {session_id} docx")
    expected = AR.t("export.bad_format", fmt="docx", formats="xlsx, csv, json, pdf")
    assert (await omar.next_message()).text == expected
    await omar.send("/report abc")
    assert (await omar.next_message()).text == AR.t("export.usage")
    await omar.send("/report")
    assert (await omar.next_message()).text == AR.t("export.report_usage")
    empty = await session(harness)
    await omar.send(f"/export {empty.id} csv")
    assert (await omar.next_message()).text == AR.t("export.empty", session_id=str(empty.id))


async def test_a_long_export_shows_progress_then_removes_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.exports, "QUIET", 0.0)  # every export counts as long here
    session_id = await live_session_with_a_question(harness)
    omar = await staff(harness, 8600)
    await omar.send(f"/export {session_id} csv")
    sent = await omar.wait_for(is_document, timeout=30)
    assert sent.document is not None
    assert sent.document.data.startswith(b"PK")  # a zip of CSV files
    progress = [m for m in omar.all_messages if m.text == EN.t("export.working")]
    assert progress
    assert all(m.deleted for m in progress)
