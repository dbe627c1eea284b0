"""The aiohttp application of SPEC §6 (routes grow with the web issue)."""

from __future__ import annotations

import ipaddress

from aiohttp import web

import metrics
from domain.services import Services

SERVICES = web.AppKey("services", Services)
MODE = web.AppKey("mode", str)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    database = await services.db.ping()
    body = {
        "status": "ok" if database else "degraded",
        "mode": request.app[MODE],
        "database": database,
    }
    return web.json_response(body, status=200 if database else 503)


async def prometheus(request: web.Request) -> web.Response:
    """Prometheus text format, for scrapers on this host only (not through the proxy)."""
    if request.headers.get("X-Forwarded-For") or not _loopback(request.remote):
        return web.Response(status=403, text="metrics are served to this host only")
    body, content_type = metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


def _loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


def make_web_app(services: Services, *, mode: str) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[MODE] = mode
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    return app
