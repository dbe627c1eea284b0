"""`shurakum poll …` (SPEC §5)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import run


async def test_poll_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db"}
    code, out, _ = await run(
        tmp_path, "session", "create", "--title-ar", "ج", "--title-en", "S",
        "--start", "2099-01-01 10:00", "--stream", "https://youtube.com/live/x", **env,
    )  # fmt: skip
    session_id = out.strip()
    args = ["poll", "create", session_id, "--type", "single", "--question-ar", "س؟"]
    code, out, err = await run(tmp_path, *args, "--option", "نعم|Yes", "--option", "لا|No", **env)
    assert (code, err) == (0, "")
    poll_id = out.strip()
    code, _, err = await run(tmp_path, "poll", "launch", poll_id, **env)
    assert (code, err.strip()) == (1, "A poll can be launched once its session is live.")
    await run(tmp_path, "session", "golive", session_id, **env)
    code, out, _ = await run(
        tmp_path, "poll", "launch", poll_id, "--close-after", "5", "--json", **env
    )
    assert (code, json.loads(out)["status"]) == (0, "open")
    code, out, _ = await run(tmp_path, "poll", "close", poll_id, "--json", **env)
    assert json.loads(out) == {
        "id": int(poll_id), "status": "closed", "changed": True, "counts": [0, 0], "voters": 0,
    }  # fmt: skip
    code, out, _ = await run(tmp_path, "poll", "close", poll_id, "--json", **env)
    assert json.loads(out)["changed"] is False  # closing twice is harmless


async def test_poll_create_refuses_bad_options(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db"}
    code, out, _ = await run(
        tmp_path, "session", "create", "--title-ar", "ج", "--title-en", "S",
        "--start", "2099-01-01 10:00", "--stream", "https://youtube.com/live/x", **env,
    )  # fmt: skip
    base = ["poll", "create", out.strip(), "--type", "single", "--question-en", "Q"]
    code, _, err = await run(tmp_path, *base, "--option", "only|one", **env)
    assert (code, err.strip()) == (1, "A poll needs 2 to 12 options.")
    code, _, err = await run(tmp_path, *base, "--option", "no pipe", "--option", "x|y", **env)
    assert code == 1
    assert "Arabic|English" in err
    code, _, err = await run(
        tmp_path, "poll", "create", "999", "--type", "text", "--question-en", "Q", **env
    )
    assert (code, err.strip()) == (1, "There is no session number 999.")
