"""`POST /telegram/webhook` (SPEC §6): only with the right secret header, else 403.

The route knows no Telegram types: it checks the secret in constant time, limits the body,
parses JSON, and hands the dict to `deliver` (the bot's update queue, set by bot/)."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  # a header name
MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is not one

Deliver = Callable[[dict[str, Any]], Awaitable[None]]


def webhook_route(
    secret: str, deliver: Deliver
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = secret.encode()

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return web.Response(status=400, text="malformed JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        await deliver(data)
        return web.Response(text="ok")

    return telegram_webhook
