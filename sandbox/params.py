"""Request parameters (form, multipart, JSON or query) and Telegram-like validation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp.web import FileField

from .errors import bad_request
from .tg_html import parse_html, utf16_len

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
URL_SCHEMES = ("http://", "https://", "tg://")
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class Params:
    """Typed access to one request's parameters; raises 400 like Telegram on bad values."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def get_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, FileField):
            return None
        return value if isinstance(value, str) else str(value)

    def get_int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{key}" must be of type Integer') from None

    def require_int(self, key: str) -> int:
        value = self.get_int(key)
        if value is None:
            raise bad_request(f"{key} is empty")
        return value

    def get_bool(self, key: str) -> bool:
        value = self.data.get(key)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, key: str) -> Any:
        value = self.data.get(key)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        return value

    def get_file(self, key: str) -> FileField | str | None:
        value = self.data.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.data.get(value[len("attach://") :])
        if value is None or isinstance(value, FileField):
            return value
        return str(value)


def render_text(
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    limit: int = MAX_TEXT,
    caption: bool = False,
) -> tuple[str, list[JSON]]:
    """Parse ``text`` per ``parse_mode``; returns (plain text, entities) or raises 400."""
    if text is None or text == "":
        if caption:
            return "", []
        raise bad_request("message text is empty")
    if parse_mode is None or parse_mode == "":
        plain, found = text, (entities if isinstance(entities, list) else [])
    elif parse_mode.lower() == "html":
        plain, found = parse_html(text)
    elif parse_mode.lower() in ("markdown", "markdownv2"):
        plain, found = text, []
    else:
        raise bad_request("unsupported parse_mode")
    if not plain.strip() and not caption:
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, found


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(URL_SCHEMES) or " " in url:
            raise bad_request("BUTTON_URL_INVALID")
    elif not any(key in button for key in BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def check_reply_markup(markup: Any) -> JSON | None:
    """Validate ``reply_markup``; returns it as a dict (or None)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "inline_keyboard" must be an Array of Array')
        for row in rows:
            for button in row:
                _check_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not rows:
            raise bad_request("keyboard must be non-empty")
    return markup
