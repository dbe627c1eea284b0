"""One process: migrate, then run the bot (polling) and the web server on one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field

from aiohttp import web

from bot.application import ALLOWED_UPDATES, build_application
from bot.settings import Settings
from domain.services import Services
from handlers.context import BotApp
from storage.database import Database
from storage.migrate import upgrade
from web.app import make_web_app

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The running parts; `start()` and `stop()` are used by `shurakum run` and the tests."""

    settings: Settings
    web_enabled: bool = True
    poll_timeout: int = 10
    db: Database = field(init=False)
    services: Services = field(init=False)
    app: BotApp = field(init=False)
    _web: web.AppRunner | None = field(init=False, default=None)

    @property
    def mode(self) -> str:
        return "polling"

    async def start(self) -> None:
        await upgrade(self.settings.database_url)
        self.db = Database(self.settings.database_url)
        self.services = Services.build(
            self.db,
            admin_ids=self.settings.admin_ids,
            default_language=self.settings.default_language,
        )
        self.app = build_application(self.settings, self.services)
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0,
            timeout=self.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        if self.web_enabled:
            self._web = web.AppRunner(make_web_app(self.services, mode=self.mode))
            await self._web.setup()
            site = web.TCPSite(self._web, self.settings.web_host, self.settings.web_port)
            await site.start()
            log.info("web server on http://%s:%s", self.settings.web_host, self.settings.web_port)
        log.info("bot @%s running (%s)", self.app.bot.username, self.mode)

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.db.dispose()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    runtime = Runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await runtime.stop()
