"""The sandbox page: a Telegram-like chat for simulated people, served by aiohttp.

``make_app(page)`` is an aiohttp application to mount at ``/sandbox`` (``add_subapp``):

- ``GET /sandbox``: the page (vanilla JS and CSS from ``sandbox/static``; no CDN);
- ``GET /sandbox/api/chats?since=VERSION``: every column as JSON; waits up to 25 s for a
  change when ``since`` is the current version (long polling);
- ``POST /sandbox/api/send|press|vote``: what a person does, as real Telegram updates through
  the driver. JSON bodies only, with the page's token in ``X-Sandbox-Token`` and, when the
  browser sends one, an ``Origin`` of this server;
- ``GET /sandbox/files/{path}``: documents and photos the bot sent, as downloads;
- ``/sandbox/telegram/bot{token}/{method}``: the Bot API emulation itself, for the bot.

The page never receives the bot's HTML: texts come with Telegram's entities and the browser
builds the formatting from them with DOM nodes, so nothing a user typed is interpreted.
"""

from __future__ import annotations

import hmac
import json
import math
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .composer import outgoing_texts
from .errors import ApiError, CallbackNotAnswered, bad_request
from .page_state import SandboxPage

JSON = dict[str, Any]
LONG_POLL = 25.0
PRESS_TIMEOUT = 10.0
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


PAGE = web.AppKey("sandbox_page", SandboxPage)


def _json(body: JSON, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


def _error(description: str, status: int = 400) -> web.Response:
    return _json({"ok": False, "description": description}, status)


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _host_allowed(page: SandboxPage, request: web.Request) -> bool:
    if page.allowed_hosts is None:
        return True
    host = request.host.lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in page.allowed_hosts


@web.middleware
async def _guard(request: web.Request, handler: Any) -> web.StreamResponse:
    page = request.app[PAGE]
    if not _host_allowed(page, request):
        return _error("Forbidden: unknown host", 403)
    response: web.StreamResponse = await handler(request)
    return response


async def _index(request: web.Request) -> web.Response:
    page = request.app[PAGE]
    html = _static("index.html").decode("utf-8").replace("{{TOKEN}}", page.token)
    return web.Response(text=html, content_type="text/html", headers=SECURITY_HEADERS)


async def _asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    types = {
        "sandbox.js": "text/javascript",
        "render.js": "text/javascript",
        "sandbox.css": "text/css",
    }
    if name not in types:
        raise web.HTTPNotFound()
    return web.Response(
        body=_static(name),
        content_type=types[name],
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


async def _chats(request: web.Request) -> web.Response:
    page = request.app[PAGE]
    since = request.query.get("since")
    if since:
        try:
            wait = float(request.query.get("wait", LONG_POLL))
        except ValueError:
            wait = LONG_POLL
        wait = min(max(wait, 0.0), LONG_POLL) if math.isfinite(wait) else LONG_POLL
        await page.wait_for_change(since, wait)
    return _json(page.snapshot())


async def _action(request: web.Request) -> tuple[SandboxPage, JSON]:
    """The checks of every state change: same origin, the page's token, a JSON object."""
    page = request.app[PAGE]
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise web.HTTPForbidden(text="cross-origin request refused")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise web.HTTPForbidden(text="cross-site request refused")
    token = request.headers.get("X-Sandbox-Token", "")
    if not hmac.compare_digest(token.encode(), page.token.encode()):
        raise web.HTTPForbidden(text="missing or wrong X-Sandbox-Token")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("can't parse JSON request body") from None
    if not isinstance(body, dict):
        raise bad_request("JSON request body must be an object")
    return page, body


def _int(body: JSON, key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(f'field "{key}" must be of type Integer')
    return value


async def _send(request: web.Request) -> web.Response:
    page, body = await _action(request)
    person, user = page.person(body.get("person"))
    texts = outgoing_texts(body.get("text"))
    for text in texts:
        await user.send(text)
    page.touch(person)
    return _json({"ok": True, "parts": len(texts)})


async def _press(request: web.Request) -> web.Response:
    page, body = await _action(request)
    _, user = page.person(body.get("person"))
    message = user.chat.by_id.get(_int(body, "message"))
    if message is None or message.deleted:
        raise bad_request("message not found")
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    row, col = _int(body, "row"), _int(body, "col")
    if not (0 <= row < len(rows) and 0 <= col < len(rows[row])):
        raise bad_request("button not found")
    data = rows[row][col].get("callback_data")
    if not isinstance(data, str):
        raise bad_request("this button is not a callback button")
    try:
        answer = await user.press_data(message.message_id, data, timeout=PRESS_TIMEOUT)
    except CallbackNotAnswered:
        return _json({"ok": True, "answer": None})
    reply = {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url}
    return _json({"ok": True, "answer": reply})


async def _vote(request: web.Request) -> web.Response:
    page, body = await _action(request)
    person, user = page.person(body.get("person"))
    message = user.chat.by_id.get(_int(body, "message"))
    if message is None or message.deleted or message.poll is None:
        raise bad_request("poll not found")
    options = body.get("options")
    if not isinstance(options, list) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in options
    ):
        raise bad_request('field "options" must be an Array of Integer')
    try:
        await user.answer_poll(message.poll_id, options)
    except ValueError as error:
        raise bad_request(str(error)) from None
    page.touch(person)
    return _json({"ok": True})


async def _file(request: web.Request) -> web.Response:
    page = request.app[PAGE]
    stored = page.emulator.files.by_path.get(request.match_info["path"])
    if stored is None:
        raise web.HTTPNotFound()
    name = (stored.file_name or stored.file_path.rsplit("/", 1)[-1]).replace('"', "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type or "application/octet-stream",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


@web.middleware
async def _api_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Bot API errors raised by a page action come back as Telegram's JSON."""
    try:
        response: web.StreamResponse = await handler(request)
    except ApiError as error:
        return _error(error.description, error.code)
    return response


async def _on_shutdown(app: web.Application) -> None:
    page = app[PAGE]
    page.closing = True
    for person in page.people:
        page.touch(person)


PREFIX = "/sandbox"
EMULATOR_PREFIX = "/telegram"  # the Bot API emulation: PREFIX + EMULATOR_PREFIX + "/bot…"


def make_app(page: SandboxPage) -> web.Application:
    """The page, its API and the Bot API emulation; mount with ``add_subapp(PREFIX, …)``."""
    app = web.Application(middlewares=[_guard, _api_errors], client_max_size=1024 * 1024)
    app[PAGE] = page
    app.on_shutdown.append(_on_shutdown)
    router = app.router
    router.add_get("", _index)
    router.add_get("/", _index)
    router.add_get("/static/{name}", _asset)
    router.add_get("/api/chats", _chats)
    router.add_post("/api/send", _send)
    router.add_post("/api/press", _press)
    router.add_post("/api/vote", _vote)
    router.add_get("/files/{path:.+}", _file)
    app.add_subapp(EMULATOR_PREFIX, page.emulator.make_app())
    return app
