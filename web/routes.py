"""Mount the console, the presenter screen and the export downloads on the web app."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from web import console, console_api, exports, screen
from web.app import SERVICES
from web.bridge import BotBridge
from web.console_api import BRIDGE, HUB
from web.live import LiveHub
from web.security import CONFIG, WebConfig


def mount_console(app: web.Application, config: WebConfig, bridge: BotBridge) -> None:
    """Routes of SPEC §6 beyond health and metrics; the live hub lives as long as the app
    (it follows the services' event bus, which the composition root starts and closes)."""
    app[CONFIG] = config
    app[BRIDGE] = bridge
    app[HUB] = LiveHub(app[SERVICES])
    console.add_routes(app)
    console_api.add_routes(app)
    screen.add_routes(app)
    exports.add_routes(app)
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_end_streams)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    await app[HUB].start()
    yield
    await app[HUB].stop()


async def _end_streams(app: web.Application) -> None:
    """Before the server waits for open requests: event streams end now."""
    app[HUB].close_all()
