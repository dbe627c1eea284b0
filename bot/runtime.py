"""One process: migrate, then run the bot, the broadcast sender, the scheduler and the web
server on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.application import ALLOWED_UPDATES, build_application
from bot.compose import build_services
from bot.http import BoundedRequest
from bot.settings import Settings
from bot.web_bridge import RuntimeBridge
from domain.services import Services
from handlers.broadcaster import Broadcaster
from handlers.context import POLL_CARDS_KEY, WAKE_SENDER_KEY, BotApp, handling_updates
from handlers.poll_cards import Coalescer, PollCards
from storage.database import Database
from storage.migrate import upgrade
from storage.types import utcnow
from web.app import make_web_app
from web.routes import mount_console
from web.security import WebConfig
from web.webhook import webhook_route

log = logging.getLogger(__name__)
# Between getUpdates calls: during a rush a call then brings a few updates, not one or two,
# at a cost of 20 ms at most (python -m bench.polls: a quarter less CPU per vote at 300/s).
POLL_INTERVAL = 0.02
WEBHOOK_PATH = "/telegram/webhook"
# The sender's Bot (broadcasts, ballot edits): a paid broadcast sends up to 1,000 messages a
# second, 50 in flight at Telegram's ~50 ms round trip; bot/http.py keeps the pool cheap.
SENDER_IN_FLIGHT = 64
GC_YOUNG = 10_000  # allocations between collections of the youngest generation (Python: 700)


@dataclass
class Runtime:
    """The running parts; `start()` and `stop()` are used by `shurakum run` and the tests."""

    settings: Settings
    web_enabled: bool = True
    poll_timeout: int = 10
    schedule_every: float = 15.0
    lease: timedelta = timedelta(seconds=10)
    progress_every: float = 3.0
    clock: Callable[[], datetime] = utcnow
    mode_name: str | None = None  # "sandbox" (bot/sandbox_mode.py); None: "polling"
    web_routes: Callable[[web.Application], None] | None = None  # more routes on the web app
    db: Database = field(init=False)
    services: Services = field(init=False)
    app: BotApp = field(init=False)
    broadcaster: Broadcaster = field(init=False)
    poll_cards: PollCards = field(init=False)
    _sender_bot: Bot = field(init=False)
    tasks: list[asyncio.Task[None]] = field(init=False, default_factory=list)
    _ready: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _web: web.AppRunner | None = field(init=False, default=None)

    @property
    def mode(self) -> str:
        if self.mode_name:
            return self.mode_name
        return "webhook" if self.settings.use_webhook else "polling"

    async def start(self) -> None:
        settings = self.settings
        await upgrade(settings.database_url)
        self.db = Database(settings.database_url)
        self.services = build_services(settings, self.db, self.clock)
        if self.web_enabled:
            await self._start_web()  # first: in the sandbox it serves the Bot API as well
        webhook = self.mode == "webhook"
        self.app = build_application(settings, self.services, updater=not webhook)
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self._start_sender()
        await self.app.start()
        if webhook:
            await self._set_webhook()
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=POLL_INTERVAL,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        self._ready.set()
        log.info("bot @%s running (%s)", self.app.bot.username, self.mode)

    async def _start_web(self) -> None:
        settings = self.settings
        app = make_web_app(self.services, mode=self.mode)
        await self.services.events.start()  # the console's live updates (LISTEN on PostgreSQL)
        config = WebConfig(settings.public_url, settings.default_language)
        mount_console(app, config, self._bridge())
        if self.web_routes is not None:
            self.web_routes(app)
        if self.mode == "webhook":
            assert settings.webhook_secret is not None  # use_webhook checked it
            route = webhook_route(settings.webhook_secret.get_secret_value(), self._deliver)
            app.router.add_post(WEBHOOK_PATH, route)
        # Keep-alive connections (Telegram's webhook client) must not hold a shutdown for long.
        self._web = web.AppRunner(app, shutdown_timeout=3.0)
        await self._web.setup()
        site = web.TCPSite(self._web, settings.web_host, settings.web_port)
        await site.start()
        log.info("web server on http://%s:%s", settings.web_host, settings.web_port)

    def _bridge(self) -> RuntimeBridge:
        def wake() -> None:
            if hasattr(self, "broadcaster"):
                self.broadcaster.wake()

        return RuntimeBridge(
            lambda: getattr(self, "app", None), lambda: getattr(self, "poll_cards", None), wake
        )

    async def _set_webhook(self) -> None:
        settings = self.settings
        assert settings.public_url is not None
        assert settings.webhook_secret is not None
        await self.app.bot.set_webhook(
            url=settings.public_url + WEBHOOK_PATH,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )

    async def _deliver(self, data: dict[str, Any]) -> None:
        """An update the webhook received: into python-telegram-bot's queue."""
        await self._ready.wait()
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))

    async def _start_sender(self) -> None:
        settings = self.settings
        assert settings.telegram_bot_token is not None
        self._sender_bot = Bot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_api_file_url,
            request=BoundedRequest(SENDER_IN_FLIGHT),
        )
        await self._sender_bot.initialize()
        if settings.is_sqlite:
            # One process per SQLite database: a claim left by a killed process is ours.
            released = await self.services.broadcasts.release_all_claims()
            if released:
                log.info("resuming %s deliveries claimed before a restart", released)
        self.broadcaster = Broadcaster(
            self._sender_bot,
            self.services,
            rate=settings.broadcast_rate,
            paid=settings.paid_broadcast,
            channel_id=settings.channel_id,
            lease=self.lease,
            progress_every=self.progress_every,
        )
        self.app.bot_data[WAKE_SENDER_KEY] = self.broadcaster.wake
        coalescer = Coalescer(self._sender_bot, busy=functools.partial(handling_updates, self.app))
        self.poll_cards = PollCards(
            self._sender_bot, self.services, coalescer, every=self.progress_every
        )
        self.app.bot_data[POLL_CARDS_KEY] = self.poll_cards
        self.tasks = [
            asyncio.create_task(self.broadcaster.run(), name="broadcaster"),
            asyncio.create_task(self._schedule(), name="scheduler"),
            asyncio.create_task(self.poll_cards.run(), name="poll-cards"),
        ]

    async def _schedule(self) -> None:
        """Reminders and automatic go-live, from the database (nothing kept in memory)."""
        while True:
            try:
                await self.services.updates.prune()
                created = await self.services.broadcasts.fire_reminders()
                started = await self.services.sessions.go_live_due()
                if created or started:
                    self.broadcaster.wake()
            except Exception:  # keep scheduling; the error is logged
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.schedule_every)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.poll_cards.coalescer.close()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self._sender_bot.shutdown()
        if self._web is not None:  # after the bot: in the sandbox it serves the Bot API
            await self._web.cleanup()
        await self.services.events.close()
        await self.db.dispose()


def settle_heap(young: int = GC_YOUNG) -> None:
    """Once the process has started: what start-up built (modules, mappers, compiled
    statements, translations: ~150,000 objects) lives as long as the process, so it is moved
    out of the cycle collector's sight (`gc.freeze`), and the youngest generation is
    collected after `young` allocations instead of 700, so the objects of an update
    (python-telegram-bot's, SQLAlchemy's) mostly die before a collection looks at them.
    Measured in one `python -m bench.ingest` run (SQLite, 20,000 updates): the collector
    took 5.0 s of the bot's 45 s of CPU, its full collections 144 ms each, and those pauses
    were the tail of the reply times; with both, 0.65 s, and a full collection ~60 ms."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, oldest)


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    runtime = Runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    settle_heap()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await runtime.stop()
