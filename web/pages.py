"""HTML pages from the template files in web/templates, and the app's own assets.

A template names values as `{{ name }}`; every value is HTML-escaped when it is inserted, so
nothing a user typed can become markup. `{{ t.KEY }}` inserts the translation of `web.KEY`
in the page's language. Pages carry a strict Content-Security-Policy: scripts and styles
come from this server only (web/static), never inline and never from a CDN.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

from aiohttp import web

from locales import Translator

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form POSTs send Origin: null
    "Cache-Control": "no-store",
}
ASSETS = {
    "console.js": "text/javascript",
    "screen.js": "text/javascript",
    "live.js": "text/javascript",
    "web.css": "text/css",
}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}")


@cache
def _file(folder: str, name: str) -> str:
    return resources.files(__package__).joinpath(folder, name).read_text(encoding="utf-8")


def render(name: str, tr: Translator, values: Mapping[str, object]) -> str:
    """The template `name` with `values` and translations, everything escaped."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        found = tr.t(f"web.{key[2:]}") if key.startswith("t.") else values[key]
        return html.escape(str(found), quote=True)

    return PLACEHOLDER.sub(value, _file("templates", name))


def ui_json(tr: Translator, keys: tuple[str, ...]) -> str:
    """Translations a page's script needs, as JSON (for a data- attribute, then escaped)."""
    return json.dumps({key: tr.t(f"web.{key}") for key in keys}, ensure_ascii=False)


def page(
    name: str, tr: Translator, values: Mapping[str, object] | None = None, *, status: int = 200
) -> web.Response:
    base = {"lang": tr.language, "dir": tr.direction}
    text = render(name, tr, {**base, **(values or {})})
    return web.Response(
        text=text, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )


def message(tr: Translator, status: int, title_key: str, body_key: str) -> web.Response:
    """A page that says one thing (signed out, link expired, wrong key, …)."""
    return page(
        "message.html",
        tr,
        {"title": tr.t(f"web.{title_key}"), "body": tr.t(f"web.{body_key}")},
        status=status,
    )


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.Response(
        text=_file("static", name),
        content_type=ASSETS[name],
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )
