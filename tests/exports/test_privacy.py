"""Pseudonyms: stable, per session, and no Telegram id, secret or token in any export."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlalchemy import select

from storage.models import AppSecret
from tests.exports.conftest import Built, pdf_text
from tools.demo_session import FIRST_VIEWER, MODERATOR, NAMES, STAFF


def _bytes_of(path: Path) -> bytes:
    """Everything a person could read out of the export (archives unpacked, PDF as text)."""
    if path.suffix == ".pdf":
        return pdf_text(path).encode()
    if path.suffix in (".xlsx", ".zip"):
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


async def test_pseudonyms_are_stable_and_no_export_holds_an_id(
    built: Built, tmp_path: Path
) -> None:
    reports, session_id = built.services.reports, built.demo.session_id
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    await reports.export(session_id, "json", first)
    await reports.export(session_id, "json", second)
    one, two = json.loads(first.read_bytes()), json.loads(second.read_bytes())
    viewers = [q["viewer"] for q in one["questions"]]
    assert viewers == [q["viewer"] for q in two["questions"]]
    assert [a["viewer"] for a in one["poll_answers"]] == [a["viewer"] for a in two["poll_answers"]]
    pseudonyms = {v for v in viewers if v != "anonymous"}
    assert pseudonyms
    assert all(v.startswith("V-") and len(v) == 12 for v in pseudonyms)
    assert "anonymous" in viewers  # asked anonymously, or forgot us
    # The same viewer has the same pseudonym in the questions and the poll answers.
    assert pseudonyms & {a["viewer"] for a in one["poll_answers"]}

    async with built.services.db.transaction() as db:
        secret = (await db.execute(select(AppSecret.value))).scalar_one()
    ids = [str(FIRST_VIEWER + i) for i in range(len(built.demo.viewers))]
    forbidden = [*ids, str(MODERATOR), str(STAFF), secret]
    for fmt, name in (("xlsx", "s.xlsx"), ("csv", "s.zip"), ("json", "s.json"), ("pdf", "s.pdf")):
        path = tmp_path / name
        await reports.export(session_id, fmt, path)
        content = _bytes_of(path)
        leaks = [value for value in forbidden if value.encode() in content]
        assert leaks == [], (fmt, leaks)
        names = [f"{first} {last}" for first, last, _ in NAMES]
        assert [n for n in names if n.encode() in content] == [], fmt


async def test_include_names_shows_names_but_keeps_anonymous_questions(
    built: Built, tmp_path: Path
) -> None:
    path = tmp_path / "names.json"
    await built.services.reports.export(built.demo.session_id, "json", path, include_names=True)
    data = json.loads(path.read_bytes())
    assert data["report"]["viewers"] == "names"
    viewers = {q["viewer"] for q in data["questions"]}
    assert "سالم البلوشي (@viewer0)" in viewers
    anonymous = [q for q in data["questions"] if q["viewer"] == "anonymous"]
    assert len(anonymous) >= 2  # two were asked anonymously, one asker used /forget
    assert not any(v.startswith("V-") for v in viewers)
