"""The presenter screen, `/screen/{session}?key=…` (an OBS browser source or a projector):
the question on screen and the live poll results in large type, and a QR code of the
session's deep link ("ask on Telegram"). `&transparent=1` drops the background for OBS;
`&lang=ar|en` picks the language of our own words (default: DEFAULT_LANGUAGE).

The key is the session's screen key; a wrong or replaced key gets 403, and a stream opened
with a key that was replaced ends at its next heartbeat (at once in this process).
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from aiohttp import web

from domain.errors import NotFound
from locales import LANGUAGES, translator
from web import pages, serialize
from web.app import SERVICES
from web.console_api import BRIDGE, HUB
from web.live import SCREEN, sse, stream
from web.security import CONFIG


async def _session_with_key(request: web.Request) -> int:
    value = request.match_info["session"]
    if not value.isdigit() or len(value) > 9:
        raise web.HTTPNotFound()
    session_id = int(value)
    key = request.query.get("key", "")
    if not await request.app[SERVICES].console.screen_allowed(session_id, key):
        raise web.HTTPForbidden(text="wrong or replaced screen key")
    return session_id


def deep_link(username: str, session_id: int) -> str:
    return f"https://t.me/{username}?start=s{session_id}"


@lru_cache(maxsize=64)
def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


async def screen_page(request: web.Request) -> web.Response:
    chosen = request.query.get("lang", request.app[CONFIG].default_language)
    tr = translator(chosen if chosen in LANGUAGES else request.app[CONFIG].default_language)
    try:
        session_id = await _session_with_key(request)
    except web.HTTPForbidden:
        return pages.message(tr, 403, "screen_key_title", "screen_key_body")
    try:
        session = await request.app[SERVICES].console_desk.session(session_id)
    except NotFound:
        raise web.HTTPNotFound() from None
    username = request.app[BRIDGE].bot_username
    key = request.query["key"]
    values = {
        "title": session.title(tr.language),
        "session": session_id,
        "key": key,
        "theme": "transparent" if request.query.get("transparent") == "1" else "solid",
        "qr": f"/screen/{session_id}/qr.png?key={key}" if username else "",
        "link": deep_link(username, session_id) if username else "",
        "ui": pages.ui_json(tr, ("voters", "average", "answers", "waiting", "votes")),
    }
    return pages.page("screen.html", tr, values)


async def screen_events(request: web.Request) -> web.StreamResponse:
    session_id = await _session_with_key(request)
    services = request.app[SERVICES]
    key = request.query["key"]

    async def still_allowed() -> bool:
        return await services.console.screen_allowed(session_id, key)

    # Listen first, then read the state: a change in between is sent after it, not lost.
    listener = request.app[HUB].listen(session_id, SCREEN)
    try:
        state = await services.console_desk.screen(session_id)
    except BaseException:
        listener.close()
        raise
    first = sse(SCREEN, serialize.dumps(serialize.screen(state)))
    return await stream(request, listener, first, still_allowed=still_allowed)


async def screen_qr(request: web.Request) -> web.Response:
    session_id = await _session_with_key(request)
    username = request.app[BRIDGE].bot_username
    if not username:
        raise web.HTTPNotFound()
    return web.Response(
        body=qr_png(deep_link(username, session_id)),
        content_type="image/png",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/screen/{session}", screen_page)
    app.router.add_get("/screen/{session}/events", screen_events)
    app.router.add_get("/screen/{session}/qr.png", screen_qr)
