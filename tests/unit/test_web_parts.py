"""Small parts of the web layer: link bases, cookies, origins, escaping, the event codec."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.compose import web_url
from bot.settings import load_settings
from domain.events import Event, LocalBus
from locales import translator
from web import pages
from web.security import WebConfig, set_cookie


def test_links_use_public_url_or_the_reachable_address() -> None:
    assert web_url(load_settings({"PUBLIC_URL": "https://live.example.org/"})) == (
        "https://live.example.org"
    )
    wildcard = "0.0.0.0"  # noqa: S104  # a bind address in a setting, not a bind
    assert web_url(load_settings({"WEB_HOST": wildcard, "WEB_PORT": "9000"})) == (
        "http://127.0.0.1:9000"
    )
    assert web_url(load_settings({"WEB_HOST": "::1", "WEB_PORT": "9000"})) == "http://[::1]:9000"


def test_cookie_is_secure_behind_https_only() -> None:
    for public, secure in (("https://live.example.org", True), (None, False)):
        response = web.Response()
        set_cookie(response, WebConfig(public), "abc")
        header = response.cookies.output()
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert ("Secure" in header) is secure


def test_template_values_are_escaped() -> None:
    tr = translator("ar")
    html = pages.render("message.html", tr, {
        "lang": "ar", "dir": "rtl", "title": '<script>alert("x")</script>', "body": "a & b",
    })  # fmt: skip
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    assert '<html lang="ar" dir="rtl">' in html


def test_event_codec_refuses_garbage() -> None:
    event = Event("question", 12, 3, "act")
    assert Event.decode(event.encode()) == event
    for bad in ("", "not json", "[1, 2]", '["question", "12", 3, "x"]', "{}"):
        assert Event.decode(bad) is None


async def test_local_bus_fans_out_to_each_subscriber() -> None:
    bus = LocalBus()
    first, second = bus.subscribe(), bus.subscribe()
    await bus.publish([Event("poll", 1), Event("question", 2)])
    assert [e.id for e in first.drain()] == [1, 2]
    assert [e.id for e in second.drain()] == [1, 2]
    second.close()
    await bus.publish([Event("poll", 3)])
    got: list[Any] = second.drain()
    assert [e.id for e in first.drain()] == [3]
    assert got == []
