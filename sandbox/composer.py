"""What Telegram's apps send when a person types: the text trimmed, an empty one refused,
a long one sent as several messages of at most 4096 characters."""

from __future__ import annotations

from collections.abc import Iterator

from .errors import bad_request
from .params import MAX_TEXT
from .tg_html import utf16_len

#: Telegram's apps send a longer text as several messages; the page stops at this many.
MAX_PARTS = 10


def _code_points_split(text: str, limit: int) -> Iterator[str]:
    """Pieces of at most ``limit`` UTF-16 units, cut at a line break or space when one is in
    the second half of a piece (never inside a character)."""
    while utf16_len(text) > limit:
        units = 0
        cut = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > limit:
                cut = index
                break
        space = max(text.rfind("\n", 0, cut), text.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def outgoing_texts(raw: object) -> list[str]:
    """What Telegram's apps send for a typed text: trimmed; empty is refused; a text over
    4096 characters goes as several trimmed messages (at most ``MAX_PARTS``)."""
    if not isinstance(raw, str):
        raise bad_request("message text is empty")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT * MAX_PARTS:
        raise bad_request("message is too long")
    return [part.strip() for part in _code_points_split(text, MAX_TEXT) if part.strip()]
