"""Settings in, services out: the one place that wires the domain for every entry point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.settings import Settings
from domain.abuse import STARTER, AbuseFilter
from domain.events import EventBus, LocalBus, NotifyBus
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
        question_rate=settings.question_rate_per_minute,
        abuse=abuse_filter(settings),
        moderator_chat_id=settings.moderator_chat_id,
        events=event_bus(db),
    )


def event_bus(db: Database) -> EventBus:
    """How the live pages hear of changes: LISTEN/NOTIFY on PostgreSQL (every process sharing
    the database), in memory on SQLite (one process per database)."""
    return NotifyBus(db) if db.dialect == "postgresql" else LocalBus()


def web_url(settings: Settings) -> str:
    """Where people reach the web server: PUBLIC_URL, else WEB_HOST:WEB_PORT (a wildcard
    bind is reached on loopback)."""
    if settings.public_url:
        return settings.public_url
    host = settings.web_host
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  # not a bind: the address to reach it at
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.web_port}"


def abuse_filter(settings: Settings) -> AbuseFilter:
    """ABUSE_WORDS_FILE replaces the starter list (read once, at start-up)."""
    if settings.abuse_words_file is None:
        return STARTER
    return AbuseFilter.from_file_text(settings.abuse_words_file.read_text(encoding="utf-8"))
