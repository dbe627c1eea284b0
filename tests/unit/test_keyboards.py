"""Keyboards sent as plain JSON (`keyboard_json`, for `quietly`) are the ones
python-telegram-bot would send for the same rows, Arabic labels and all."""

from __future__ import annotations

from handlers.common import Rows, keyboard, keyboard_json


def test_keyboard_json_is_what_python_telegram_bot_sends() -> None:
    rows: Rows = [
        [("👍 ٣ · #12", "qv:1:12:0"), ("تعديل", "qe:12")],
        [("<b>next</b> ›", "ql:1:1")],
    ]
    assert keyboard_json(rows) == keyboard(rows).to_dict()
    # no buttons (a board of only the viewer's own questions): the Bot API's empty keyboard,
    # where python-telegram-bot would send `{}`
    assert keyboard_json([]) == {"inline_keyboard": []}
