"""Settings in, services out: the one place that wires the domain for every entry point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.settings import Settings
from domain.services import Services
from storage.database import Database
from storage.types import utcnow


def build_services(
    settings: Settings, db: Database, clock: Callable[[], datetime] = utcnow
) -> Services:
    return Services.build(
        db,
        admin_ids=settings.admin_ids,
        default_language=settings.default_language,
        zone=settings.zone,
        channel=settings.channel_id is not None,
        clock=clock,
    )
