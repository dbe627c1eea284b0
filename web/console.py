"""The moderator console's pages: sign in with the one-time link from `/console` in
Telegram, the console itself, sign out.

`GET /console/login?token=…` only looks at the link (a link preview or a prefetch must not
use it up) and shows a button; its POST uses the link once and sets the session cookie. A
link that is unknown gets 403, one that expired or was used already 410, each with a page
that says what to do.
"""

from __future__ import annotations

from aiohttp import web

from domain.console import LoginRefused, Staffer
from domain.errors import PermissionDenied
from locales import Translator, pick_language, translator
from web import pages
from web.app import SERVICES
from web.security import (
    CONFIG,
    COOKIE,
    check_csrf,
    check_origin,
    clear_cookie,
    form_body,
    set_cookie,
    signed_in,
)

UI_KEYS = (
    "all", "approve", "reject", "answered", "on_screen", "merge", "reply", "mute", "next",
    "cancel", "send", "merge_into", "reply_placeholder", "reason", "votes", "anonymous",
    "held", "empty", "launch", "close", "publish", "voters", "average", "answers",
    "no_polls", "reconnecting", "failed", "done", "no_session", "screen_link", "rotate",
    "rotated", "search", "shown", "reason.duplicate", "reason.off_topic", "reason.personal",
    "reason.abusive", "reason.already_answered", "status.pending", "status.approved",
    "status.answered", "status.rejected", "status.merged", "status.withdrawn",
    "poll.draft", "poll.open", "poll.closed", "staff_only", "exports", "merged_into",
    "session.live", "session.scheduled", "session.ended",
)  # fmt: skip


def visitor_language(request: web.Request) -> str:
    """Before sign-in: the browser's first language if it is Arabic, else the default."""
    first = request.headers.get("Accept-Language", "").split(",")[0].strip()
    return pick_language(first or None, request.app[CONFIG].default_language)


def _refused(tr: Translator, error: LoginRefused) -> web.Response:
    status = 403 if error.reason == "unknown" else 410
    return pages.message(tr, status, f"link_{error.reason}_title", "link_again")


async def console_page(request: web.Request) -> web.Response:
    staffer = await signed_in(request)
    if staffer is None:
        tr = translator(visitor_language(request))
        return pages.message(tr, 401, "signin_title", "signin_how")
    return render_console(staffer)


def render_console(staffer: Staffer) -> web.Response:
    tr = translator(staffer.language)
    values = {
        "csrf": staffer.csrf_token,
        "ui": pages.ui_json(tr, UI_KEYS),
        "can_act": "1" if staffer.can_act else "0",
        "role": tr.t(f"web.role.{staffer.role.value}"),
        "other_language": "en" if tr.language == "ar" else "ar",
    }
    return pages.page("console.html", tr, values)


async def login_page(request: web.Request) -> web.Response:
    tr = translator(visitor_language(request))
    token = request.query.get("token", "")
    try:
        await request.app[SERVICES].console.check_link(token)
    except LoginRefused as error:
        return _refused(tr, error)
    return pages.page("signin.html", tr, {"token": token})


async def login(request: web.Request) -> web.Response:
    check_origin(request)
    tr = translator(visitor_language(request))
    fields = await form_body(request)
    try:
        done = await request.app[SERVICES].console.redeem(fields.get("token", ""))
    except LoginRefused as error:
        return _refused(tr, error)
    except PermissionDenied:  # the role was removed after the link was sent
        return pages.message(tr, 403, "no_role_title", "no_role_body")
    response = web.HTTPSeeOther("/console")
    set_cookie(response, request.app[CONFIG], done.session_id)
    raise response


async def logout(request: web.Request) -> web.Response:
    staffer = await signed_in(request)
    fields = await form_body(request)
    if staffer is not None:
        check_csrf(request, staffer, fields.get("csrf", ""))
        await request.app[SERVICES].console.sign_out(request.cookies.get(COOKIE, ""))
    response = web.HTTPSeeOther("/console/signed-out")
    clear_cookie(response, request.app[CONFIG])
    raise response


async def signed_out(request: web.Request) -> web.Response:
    tr = translator(visitor_language(request))
    return pages.message(tr, 200, "signed_out_title", "signin_how")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console", console_page)
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_get("/console/signed-out", signed_out)
    app.router.add_get("/assets/{name}", pages.asset)
