"""`shurakum` as operators run it: real processes, real settings, one-line errors."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from locales import translator
from sandbox import BotApiEmulator, Driver, RateLimits

SHURAKUM = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), **extra}


async def run(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *SHURAKUM,
        *args,
        cwd=tmp_path,
        env=clean_env(tmp_path, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_run_without_token_starts_the_sandbox(tmp_path: Path) -> None:
    """No token: `shurakum run` brings up the sandbox, says so, and how to go live."""
    process = await asyncio.create_subprocess_exec(
        *SHURAKUM,
        "run",
        cwd=tmp_path,
        env=clean_env(tmp_path, WEB_PORT="0"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    banner: list[str] = []
    try:
        while not any("Open http" in line for line in banner):
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, "the sandbox exited before printing its URL"
            banner.append(line.decode())
        text = "".join(banner)
        urls = re.findall(r"https?://\S+", text)
        assert len(urls) == 1  # one URL: the page
        assert urls[0].endswith("/sandbox")
        assert "SANDBOX" in text
        assert "@BotFather" in text
        assert "TELEGRAM_BOT_TOKEN" in text
        root = urls[0].removesuffix("/sandbox")
        async with ClientSession() as http, http.get(f"{root}/healthz") as response:
            health = await response.json()
        assert health == {"status": "ok", "mode": "sandbox", "database": True}
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "sandbox.db").exists()  # not the production default, shurakum.db
    assert not (tmp_path / "shurakum.db").exists()


async def test_malformed_setting_is_one_line_naming_the_key(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "db", "upgrade", ADMIN_IDS="12,abc")
    assert code == 2
    assert err.strip().splitlines() == [err.strip()]
    assert "ADMIN_IDS" in err


async def test_env_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=klingon\n", encoding="utf-8")
    code, _, err = await run(tmp_path, "db", "upgrade")
    assert code == 2
    assert "DEFAULT_LANGUAGE" in err


async def test_db_upgrade_and_roles(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    for _ in range(2):
        code, out, _ = await run(tmp_path, "db", "upgrade", "--json", DATABASE_URL=url)
        assert code == 0
        assert json.loads(out) == {"status": "ok"}
    code, out, _ = await run(tmp_path, "role", "add", "42", "moderator", "--json", DATABASE_URL=url)
    assert code == 0
    assert json.loads(out) == {"user_id": 42, "before": "viewer", "after": "moderator"}
    code, out, _ = await run(tmp_path, "role", "remove", "42", "moderator", DATABASE_URL=url)
    assert (code, out.strip()) == (0, "user 42: moderator -> viewer")
    code, _, err = await run(
        tmp_path, "role", "add", "7", "moderator", DATABASE_URL=url, ADMIN_IDS="7"
    )
    assert code == 1
    assert err.strip() == translator("en").t("roles.is_admin")
    code, _, err = await run(tmp_path, "role", "add", "x", "moderator", DATABASE_URL=url)
    assert code == 2
    assert "not a Telegram user id" in err


async def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody:pw@127.0.0.1:1/none"
    code, _, err = await run(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "pw" not in err


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_shurakum_run_answers_start(tmp_path: Path, language: str) -> None:
    """Issue 2 acceptance: `shurakum run` with a token and the emulation as Bot API."""
    emulator = BotApiEmulator(token="123:abc", limits=RateLimits(enabled=False))
    await emulator.start()
    process = await asyncio.create_subprocess_exec(
        *SHURAKUM,
        "run",
        cwd=tmp_path,
        env=clean_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123:abc",
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TELEGRAM_API_FILE_URL=emulator.base_file_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/run.db",
            WEB_PORT="0",
            LOG_LEVEL="DEBUG",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = Driver(emulator).user(
            77, "سارة" if language == "ar" else "Sara", language_code=language
        )
        await user.send("/start")
        reply = await user.next_message(timeout=30)
        name = "سارة" if language == "ar" else "Sara"
        assert reply.text == translator(language).t("start.welcome_new", name=name)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
        await emulator.stop()
    assert process.returncode == 0
    log = err.decode()
    assert "running" in log
    assert "123:abc" not in log  # the token never reaches a log line, even at DEBUG
