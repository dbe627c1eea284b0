"""The console's JSON API and its event stream (`/console/api/…`, `/console/events`).

Reads need a signed-in console (staff or moderator); every POST also needs our Origin and
the session's CSRF token, and a bounded JSON object. Actions go through the same use cases
as the Telegram cards, which check the role again (a staff member gets 403, audited) and the
question's revision (a stale action gets 409); afterwards the bot refreshes the Telegram
cards and tells the askers, so both show one state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from domain.console import Staffer
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.moderation import REASONS
from domain.question_views import AlreadyHandled, Forged, Outcome
from locales import LANGUAGES, plain, translator
from web import serialize
from web.app import SERVICES
from web.bridge import BotBridge
from web.live import CONSOLE, LiveHub, stream
from web.security import COOKIE, check_csrf, json_body, require

HUB = web.AppKey("live_hub", LiveHub)
BRIDGE = web.AppKey("bot_bridge", BotBridge)
ACTIONS = ("approve", "reject", "answered", "on_screen", "merge", "reply", "mute")
POLL_ACTIONS = ("launch", "close", "publish")


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(
        text=serialize.dumps(data),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


def refusal(staffer: Staffer, error: DomainError) -> web.Response:
    """A refusal of the domain, translated, with the status that says why."""
    if isinstance(error, PermissionDenied):
        status = 403
    elif isinstance(error, AlreadyHandled):
        status = 409
    elif isinstance(error, NotFound | Forged):
        status = 404
    else:
        status = 400
    try:
        text = plain(translator(staffer.language).t(error.key, **error.params))
    except (KeyError, IndexError):
        text = error.key
    return _json({"ok": False, "error": text, "key": error.key}, status)


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise web.HTTPBadRequest(text=f"{name} must be a whole number")
    return value


def _query_int(request: web.Request, name: str) -> int:
    value = request.query.get(name, "")
    if not value.isdigit() or len(value) > 9:
        raise web.HTTPBadRequest(text=f"{name} must be a whole number")
    return int(value)


def _path_int(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 9:
        raise web.HTTPNotFound()
    return int(value)


Handler = Callable[[web.Request, Staffer], Awaitable[web.Response]]


def reading(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def route(request: web.Request) -> web.Response:
        staffer = await require(request)
        try:
            return await handler(request, staffer)
        except DomainError as error:
            return refusal(staffer, error)

    return route


def acting(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A state change: signed in, our Origin, the CSRF token; then the handler."""

    async def route(request: web.Request) -> web.Response:
        staffer = await require(request)
        check_csrf(request, staffer)
        try:
            return await handler(request, staffer)
        except DomainError as error:
            return refusal(staffer, error)

    return route


# -- reading ---------------------------------------------------------------------------------
@reading
async def sessions(request: web.Request, staffer: Staffer) -> web.Response:
    found = await request.app[SERVICES].console_desk.sessions(staffer.user_id)
    return _json([serialize.session(item) for item in found])


@reading
async def questions(request: web.Request, staffer: Staffer) -> web.Response:
    desk = request.app[SERVICES].console_desk
    session_id = _query_int(request, "session")
    found = await desk.questions(
        staffer.user_id,
        session_id,
        request.query.get("status", ""),
        request.query.get("q", ""),
    )
    counts = await desk.counts(session_id)
    return _json({"items": [serialize.question(item) for item in found], "counts": counts})


@reading
async def polls(request: web.Request, staffer: Staffer) -> web.Response:
    desk = request.app[SERVICES].console_desk
    found = await desk.polls(staffer.user_id, _query_int(request, "session"))
    return _json([serialize.poll(item) for item in found])


@reading
async def screen_link(request: web.Request, staffer: Staffer) -> web.Response:
    session_id = _query_int(request, "session")
    key = await request.app[SERVICES].console.screen_key(staffer.user_id, session_id)
    return _json({"path": f"/screen/{session_id}?key={key}"})


async def events(request: web.Request) -> web.StreamResponse:
    await require(request)  # and again at every heartbeat (signed out, role removed)
    session_id = _query_int(request, "session")
    services = request.app[SERVICES]
    try:
        await services.console_desk.session(session_id)
    except NotFound:
        raise web.HTTPNotFound() from None
    cookie = request.cookies.get(COOKIE, "")

    async def still_allowed() -> bool:
        return await services.console.signed_in(cookie) is not None

    listener = request.app[HUB].listen(session_id, CONSOLE)
    return await stream(request, listener, still_allowed=still_allowed)


# -- acting ----------------------------------------------------------------------------------
@acting
async def act(request: web.Request, staffer: Staffer) -> web.Response:
    question_id = _path_int(request, "question")
    body = await json_body(request)
    action = body.get("action")
    if action not in ACTIONS:
        raise web.HTTPBadRequest(text=f"action must be one of {', '.join(ACTIONS)}")
    services = request.app[SERVICES]
    moderation = services.moderation
    actor = staffer.user_id
    outcome: Outcome | None = None
    if action == "mute":
        _, newly = await moderation.mute(actor, question_id)
        return _json({"ok": True, "newly": newly})
    revision = _int(body.get("revision"), "revision")
    if action == "merge":
        target = _int(body.get("target"), "target")
        outcome = await moderation.merge(actor, question_id, revision, target)
    elif action == "reply":
        text = body.get("text")
        if not isinstance(text, str):
            raise web.HTTPBadRequest(text="text must be a string")
        outcome = await moderation.reply(actor, question_id, revision, text)
    else:
        reason = body.get("reason")
        if action == "reject" and reason not in REASONS:
            raise web.HTTPBadRequest(text=f"reason must be one of {', '.join(REASONS)}")
        outcome = await moderation.act(
            actor, question_id, revision, str(action), reason=reason if action == "reject" else None
        )
    await request.app[BRIDGE].moderated(outcome)
    return _json({"ok": True, "question": outcome.question.id, "status": outcome.question.status})


@acting
async def pull_next(request: web.Request, staffer: Staffer) -> web.Response:
    await json_body(request)
    outcome = await request.app[SERVICES].moderation.next(staffer.user_id)
    if outcome is None:
        return _json({"ok": True, "question": None})
    await request.app[BRIDGE].moderated(outcome)
    return _json({"ok": True, "question": outcome.question.id})


@acting
async def poll_action(request: web.Request, staffer: Staffer) -> web.Response:
    poll_id = _path_int(request, "poll")
    body = await json_body(request)
    action = body.get("action")
    if action not in POLL_ACTIONS:
        raise web.HTTPBadRequest(text=f"action must be one of {', '.join(POLL_ACTIONS)}")
    polls_service = request.app[SERVICES].polls
    actor = staffer.user_id
    result: dict[str, Any] = {"ok": True}
    if action == "launch":
        _, result["recipients"] = await polls_service.launch(actor, poll_id)
    elif action == "close":
        _, result["changed"] = await polls_service.close(actor, poll_id)
    else:
        result["recipients"] = await polls_service.publish(actor, poll_id)
    await request.app[BRIDGE].poll_changed(poll_id, send=action != "close")
    return _json(result)


@acting
async def rotate_screen(request: web.Request, staffer: Staffer) -> web.Response:
    session_id = _path_int(request, "session")
    await json_body(request)
    key = await request.app[SERVICES].console.rotate_screen_key(staffer.user_id, session_id)
    request.app[HUB].drop_screens(session_id)
    return _json({"ok": True, "path": f"/screen/{session_id}?key={key}"})


@acting
async def language(request: web.Request, staffer: Staffer) -> web.Response:
    body = await json_body(request)
    chosen = body.get("language")
    if chosen not in LANGUAGES:
        raise web.HTTPBadRequest(text=f"language must be one of {', '.join(LANGUAGES)}")
    await request.app[SERVICES].console.set_language(request.cookies.get(COOKIE, ""), chosen)
    return _json({"ok": True})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/api/sessions", sessions)
    app.router.add_get("/console/api/questions", questions)
    app.router.add_get("/console/api/polls", polls)
    app.router.add_get("/console/api/screen", screen_link)
    app.router.add_get("/console/events", events)
    app.router.add_post("/console/api/questions/{question}", act)
    app.router.add_post("/console/api/next", pull_next)
    app.router.add_post("/console/api/polls/{poll}", poll_action)
    app.router.add_post("/console/api/screen/{session}/rotate", rotate_screen)
    app.router.add_post("/console/api/language", language)
