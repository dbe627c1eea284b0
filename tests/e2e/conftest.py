"""The running bot (the same Runtime as `shurakum run`) against the Bot API emulation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime import Runtime
from bot.settings import Settings, load_settings
from domain.services import Services
from sandbox import BotApiEmulator, Driver, RateLimits

ADMIN_ID = 1000


class FakeClock:
    """The domain's clock, moved by the test (Telegram and the emulation keep real time)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    emulator: BotApiEmulator
    driver: Driver
    runtime: Runtime
    settings: Settings
    clock: FakeClock

    @property
    def services(self) -> Services:
        return self.runtime.services


def harness_settings(emulator: BotApiEmulator, database_url: str, **extra: str) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TELEGRAM_API_FILE_URL": emulator.base_file_url,
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(ADMIN_ID),
        "DEFAULT_LANGUAGE": "ar",
        **extra,
    }
    return load_settings(env)


@pytest.fixture
async def harness(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    marker = request.node.get_closest_marker("settings")
    extra: dict[str, str] = dict(marker.kwargs) if marker else {}
    limits_marker = request.node.get_closest_marker("limits")
    limits = RateLimits(**limits_marker.kwargs) if limits_marker else RateLimits(enabled=False)
    # The bot holds to Telegram's flood limits only where the emulation enforces them.
    extra.setdefault("TELEGRAM_RATE_LIMITS", str(limits.enabled).lower())
    emulator = BotApiEmulator(limits=limits)
    await emulator.start()
    clock = FakeClock()
    runtime = Runtime(
        harness_settings(emulator, database_url, **extra),
        web_enabled=False,
        poll_timeout=1,
        schedule_every=0.2,
        progress_every=0.2,
        clock=clock,
    )
    await runtime.start()
    try:
        yield Harness(emulator, Driver(emulator), runtime, runtime.settings, clock)
    finally:
        await runtime.stop()
        await emulator.stop()
    assert not emulator.errors, emulator.errors
