"""Who is asking, and may they change anything: the console's session cookie, CSRF and
Origin checks on every state change, and bounded, well-formed request bodies.

The cookie holds a random session id (the database keeps only its hash): HttpOnly,
SameSite=Lax (a link from Telegram opens the console already signed in; cross-site POSTs
carry no cookie), Secure when PUBLIC_URL is https. A POST must also come from one of our
origins and carry the session's CSRF token (header `X-CSRF-Token`, or form field `csrf`).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from domain.console import SESSION_TTL, Staffer
from web.app import SERVICES

COOKIE = "shurakum_console"
CSRF_HEADER = "X-CSRF-Token"
MAX_BODY = 16 * 1024  # a console action is a few hundred bytes; a reply at most 3000 characters


@dataclass(frozen=True)
class WebConfig:
    """What the pages need from the settings."""

    public_url: str | None = None  # PUBLIC_URL: our origin behind the proxy
    default_language: str = "ar"

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

    def origins(self, request: web.Request) -> set[str]:
        own = {f"{request.scheme}://{request.host}"}
        if self.public_url:
            parts = urlsplit(self.public_url)
            own.add(f"{parts.scheme}://{parts.netloc}")
        return own


CONFIG = web.AppKey("console_config", WebConfig)
STAFFER = web.RequestKey[Staffer | None]("staffer")  # set by `signed_in`, per request


def set_cookie(response: web.StreamResponse, config: WebConfig, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        secure=config.secure_cookies,
        samesite="Lax",
    )


def clear_cookie(response: web.StreamResponse, config: WebConfig) -> None:
    response.del_cookie(
        COOKIE, path="/", secure=config.secure_cookies, httponly=True, samesite="Lax"
    )


async def signed_in(request: web.Request) -> Staffer | None:
    """The console behind the request's cookie, if valid (cached on the request)."""
    if STAFFER in request:
        return request[STAFFER]
    cookie = request.cookies.get(COOKIE, "")
    staffer = await request.app[SERVICES].console.signed_in(cookie) if cookie else None
    request[STAFFER] = staffer
    return staffer


async def require(request: web.Request) -> Staffer:
    """For the JSON API, the event stream and downloads: 401 without a valid console."""
    staffer = await signed_in(request)
    if staffer is None:
        raise web.HTTPUnauthorized(
            text="sign in with /console in Telegram", headers={"Cache-Control": "no-store"}
        )
    return staffer


def check_origin(request: web.Request) -> None:
    """A state change from a page of ours only (browsers always send Origin on POST)."""
    origin = request.headers.get("Origin")
    if origin is None or origin not in request.app[CONFIG].origins(request):
        raise web.HTTPForbidden(text="cross-origin request refused")


def check_csrf(request: web.Request, staffer: Staffer, given: str | None = None) -> None:
    check_origin(request)
    token = given if given is not None else request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(token.encode(), staffer.csrf_token.encode()):
        raise web.HTTPForbidden(text="missing or wrong CSRF token")


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return body


async def json_body(request: web.Request) -> dict[str, Any]:
    """A JSON object of at most MAX_BODY bytes: 413, 415 or 400 otherwise."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    body = await read_body(request)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise web.HTTPBadRequest(text="malformed JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return data


async def form_body(request: web.Request) -> dict[str, str]:
    """An urlencoded form of at most MAX_BODY bytes."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise web.HTTPUnsupportedMediaType(text="send a form")
    body = await read_body(request)
    try:
        fields = parse_qs(body.decode(), max_num_fields=10, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="malformed form") from None
    return {key: values[0] for key, values in fields.items() if values}
