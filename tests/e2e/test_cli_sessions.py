"""`shurakum session …` as operators script it (SPEC §5)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import run


async def test_session_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db", "TIMEZONE": "Asia/Muscat"}
    code, out, err = await run(
        tmp_path,
        "session", "create",
        "--title-ar", "خطة التحول الرقمي",
        "--title-en", "Digital transformation plan",
        "--start", "2099-01-05 18:00",
        "--stream", "https://youtube.com/live/abc",
        "--stream", "https://x.com/i/broadcasts/1",
        "--description-ar", "حوار",
        **env,
    )  # fmt: skip
    assert (code, err) == (0, "")
    session_id = int(out.strip())
    code, out, _ = await run(tmp_path, "session", "list", "--json", **env)
    (row,) = json.loads(out)
    assert row["id"] == session_id
    assert row["title_ar"] == "خطة التحول الرقمي"
    assert row["status"] == "scheduled"
    assert row["starts_at"] == "2099-01-05T14:00:00+00:00"  # stored in UTC
    assert row["starts_at_local"] == "2099-01-05 18:00"  # entered and shown in TIMEZONE
    assert row["streams"] == ["https://youtube.com/live/abc", "https://x.com/i/broadcasts/1"]
    code, out, _ = await run(tmp_path, "session", "golive", str(session_id), "--json", **env)
    assert code == 0
    assert json.loads(out)["status"] == "live"
    code, _, err = await run(tmp_path, "session", "golive", str(session_id), **env)
    assert (code, err.strip()) == (1, "This session is already live.")
    code, out, _ = await run(tmp_path, "session", "end", str(session_id), "--json", **env)
    ended = json.loads(out)
    assert (code, ended["status"]) == (0, "ended")
    assert ended["survey_poll_id"] > 0  # the satisfaction survey goes out at the end
    code, _, err = await run(tmp_path, "session", "end", str(session_id), **env)
    assert (code, err.strip()) == (1, "This session has already ended.")


async def test_session_create_refuses_bad_input(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db"}
    base = ["session", "create", "--title-ar", "ع", "--title-en", "E"]
    cases = [
        ([*base, "--start", "2099-01-01 10:00", "--stream", "http://x.com/a"], "not a valid https"),
        ([*base, "--start", "2001-01-01 10:00", "--stream", "https://x.com/a"], "already passed"),
        ([*base, "--start", "tomorrow", "--stream", "https://x.com/a"], "YYYY-MM-DD HH:MM"),
        (["session", "create", "--title-ar", " ", "--title-en", "E", "--start",
          "2099-01-01 10:00", "--stream", "https://x.com/a"], "cannot be empty"),
    ]  # fmt: skip
    for args, expected in cases:
        code, out, err = await run(tmp_path, *args, **env)
        assert code == 1, args
        assert out == ""
        assert expected in err
        assert len(err.strip().splitlines()) == 1
        assert "<code>" not in err
    code, out, _ = await run(tmp_path, "session", "list", "--json", **env)
    assert json.loads(out) == []  # nothing half-written
    code, _, err = await run(tmp_path, "session", "golive", "42", **env)
    assert (code, err.strip()) == (1, "There is no session number 42.")
    code, _, err = await run(tmp_path, "session", "golive", "x", **env)
    assert code == 2
