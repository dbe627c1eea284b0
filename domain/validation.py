"""Parsing and checking what moderators type: titles, start times, stream links."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from domain.errors import DomainError

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
START_FORMAT = "%Y-%m-%d %H:%M"
# Bidi controls and zero-width characters are not content; we never store them.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
PLATFORMS = {
    "youtube": ("youtube.com", "youtu.be"),
    "x": ("x.com", "twitter.com"),
    "instagram": ("instagram.com",),
    "facebook": ("facebook.com", "fb.watch", "fb.com"),
}
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def clean_text(text: str) -> str:
    """Strip invisible controls, normalise to NFC, collapse surrounding white space."""
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text)).strip()


def title(text: str) -> str:
    value = " ".join(clean_text(text).split())
    if not value:
        raise DomainError("session.title_empty")
    if len(value) > TITLE_MAX:
        raise DomainError("session.title_too_long", limit=TITLE_MAX)
    return value


def description(text: str) -> str | None:
    value = clean_text(text)
    if len(value) > DESCRIPTION_MAX:
        raise DomainError("session.description_too_long", limit=DESCRIPTION_MAX)
    return value or None


def start_time(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """`YYYY-MM-DD HH:MM` in the configured zone (Arabic-Indic digits accepted) → aware UTC."""
    value = " ".join(clean_text(text).translate(ARABIC_DIGITS).split())
    try:
        local = datetime.strptime(value, START_FORMAT)  # zone attached below
    except ValueError:
        raise DomainError("session.bad_start") from None
    start = local.replace(tzinfo=zone).astimezone(now.tzinfo)
    if start <= now:
        raise DomainError("session.start_in_past")
    return start


def platform_of(host: str) -> str:
    host = host.lower().removeprefix("www.").removeprefix("m.")
    for name, domains in PLATFORMS.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return name
    return "web"


def stream_link(text: str) -> tuple[str, str]:
    """An https URL with a host → (url, platform)."""
    value = clean_text(text)
    parts = urlsplit(value)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or any(c.isspace() for c in value)
        or len(value) > 2000
    ):
        raise DomainError("session.bad_link")
    return value, platform_of(parts.hostname)
