"""The aiohttp application of SPEC §6 (routes grow with the web issue)."""

from __future__ import annotations

from aiohttp import web

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


def make_web_app(services: Services, *, mode: str) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[MODE] = mode
    app.router.add_get("/healthz", healthz)
    return app
