"""Unknown session, empty session, only anonymous viewers, unknown format, date ranges."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.errors import DomainError
from domain.report_data import DateRange
from domain.sessions import SessionDraft
from domain.users import Profile
from tests.exports.conftest import Built
from tools.demo_session import start_time


async def _empty_session(built: Built) -> int:
    draft = SessionDraft(
        title_ar="جلسة بلا مشاركات",
        title_en="A quiet session",
        starts_at=built.clock() + timedelta(days=2),
        streams=(("https://youtube.com/live/q", "youtube"),),
    )
    return (await built.services.sessions.create(None, draft)).id


async def test_refusals_are_one_clear_error_and_leave_no_file(built: Built, tmp_path: Path) -> None:
    reports = built.services.reports
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.json"
    with pytest.raises(DomainError) as unknown:
        await reports.export(999_999, "json", out)
    assert unknown.value.key == "session.not_found"
    assert unknown.value.params == {"session_id": "999999"}
    with pytest.raises(DomainError) as bad_format:
        await reports.export(built.demo.session_id, "docx", out)
    assert bad_format.value.key == "export.bad_format"
    empty = await _empty_session(built)
    with pytest.raises(DomainError) as nothing:
        await reports.export(empty, "csv", folder / "tables")
    assert nothing.value.key == "export.empty"
    assert os.listdir(folder) == []  # no stray .part file, no empty folder


async def test_only_anonymous_viewers_cannot_be_named(built: Built, tmp_path: Path) -> None:
    services = built.services
    session_id = await _empty_session(built)
    await services.sessions.go_live(None, session_id)
    asker = Profile(6_100_001, "Hidden", None, None, "en")
    await services.users.start(asker)
    await services.questions.submit(
        asker, session_id, "Is this anonymous?", chat_id=6_100_001, message_id=1, anonymous=True
    )
    with pytest.raises(DomainError) as refused:
        await services.reports.export(session_id, "json", tmp_path / "n.json", include_names=True)
    assert refused.value.key == "export.only_anonymous"
    # Without names it exports: the question stays anonymous.
    await services.reports.export(session_id, "json", tmp_path / "p.json")
    data = json.loads((tmp_path / "p.json").read_bytes())
    assert [q["viewer"] for q in data["questions"]] == ["anonymous"]


async def test_a_date_range_exports_its_sessions(built: Built, tmp_path: Path) -> None:
    day = start_time().date()
    path = tmp_path / "range.json"
    result = await built.services.reports.export(DateRange(day, day), "json", path)
    assert result.sessions == (built.demo.session_id,)
    data = json.loads(path.read_bytes())
    assert data["report"]["period"] == [day.isoformat(), day.isoformat()]
    with pytest.raises(DomainError) as none:
        await built.services.reports.export(
            DateRange(date(2020, 1, 1), date(2020, 1, 2)), "json", path
        )
    assert none.value.key == "export.no_sessions"
    with pytest.raises(DomainError) as backwards:
        await built.services.reports.export(DateRange(day, day - timedelta(days=1)), "json", path)
    assert backwards.value.key == "export.bad_range"
