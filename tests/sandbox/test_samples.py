"""Every real update sample reaches the bot and parses with python-telegram-bot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from sandbox import BotApiEmulator, Driver

from .conftest import eventually

SAMPLES = Path("/work/shared/telegram-samples")


def sample_updates() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(SAMPLES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "arabic-updates.json":
            found.extend((f"arabic:{name}", update) for name, update in data.items())
        else:
            found.append((path.stem, data))
    return found


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared samples are not available")
async def test_all_samples_parse_on_the_bot_side(
    emu: BotApiEmulator, drv: Driver, echo_app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    samples = sample_updates()
    assert len(samples) >= 26
    sent = {await drv.send_raw_update(update): name for name, update in samples}
    await eventually(lambda: len(echo_app.bot_data.get("updates", [])) >= len(sent), within=5)
    received: dict[int, Update] = {u.update_id: u for u in echo_app.bot_data["updates"]}
    assert set(received) == set(sent)
    for update_id, name in sent.items():
        update = received[update_id]
        assert update.effective_user or update.effective_chat or update.poll_answer, name
    kinds = {next(iter(u.to_dict().keys() - {"update_id"})) for u in received.values()}
    assert {"message", "edited_message", "callback_query", "poll_answer"} <= kinds
    assert {"my_chat_member", "channel_post", "message_reaction"} <= kinds
