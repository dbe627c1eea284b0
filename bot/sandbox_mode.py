"""`shurakum sandbox` (and `shurakum run` without a token): the real bot against a local
emulation of Telegram, with a chat page for simulated people (SPEC §7).

One aiohttp server on WEB_HOST:WEB_PORT serves the usual web routes (`/healthz` says
`"mode": "sandbox"`), the page at `/sandbox` and the emulated Bot API under
`/sandbox/telegram`. The bot's token and Bot API URLs are replaced by the emulation's, so
nothing reaches Telegram; the database is `sandbox.db` unless DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import SecretStr

from bot.compose import build_services
from bot.rehearsal import Rehearsal
from bot.runtime import Runtime
from bot.settings import Settings
from domain.roles import Role
from sandbox import BotApiEmulator, Driver, RateLimits
from sandbox.page import EMULATOR_PREFIX, PREFIX, make_app
from sandbox.page_state import Person, SandboxPage
from storage.database import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)

SANDBOX_DATABASE = "sqlite+aiosqlite:///sandbox.db"
SANDBOX_TOKEN = "100000001:sandbox-not-a-real-token"  # noqa: S105  # the emulation's own
BOT_USERNAME = "shurakum_sandbox_bot"
PEOPLE = [
    Person(7001, "سارة", "ar", "viewer"),
    Person(7002, "Tom", "en", "viewer"),
    Person(7003, "منى", "ar", "moderator"),
    Person(7004, "Daniel", "en", "staff"),
]
ROLES = {"viewer": Role.VIEWER, "moderator": Role.MODERATOR, "staff": Role.STAFF}
#: Other pages linked from the sandbox's header when the web app serves them.
PAGE_LINKS = (("/console", "Console · لوحة المتابعة"), ("/healthz", "Health"))


@dataclass
class SandboxOptions:
    rehearse: bool = False
    viewers: int = 50
    pace: float = 3.0
    limits: RateLimits = field(default_factory=RateLimits)


def _client_host(host: str) -> str:
    """How the bot and the browser reach a server bound to ``host``."""
    if host in ("", "0.0.0.0"):  # noqa: S104  # a wildcard bind is reached on loopback
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port(host: str) -> int:
    family = socket.getaddrinfo(host or None, 0, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def sandbox_settings(settings: Settings, emulator: BotApiEmulator, port: int) -> Settings:
    """The settings with Telegram replaced by the emulation (and no webhook, channel or
    moderator group, which do not exist there)."""
    update: dict[str, object] = {
        "telegram_bot_token": SecretStr(emulator.token),
        "telegram_api_base_url": emulator.base_url,
        "telegram_api_file_url": emulator.base_file_url,
        "web_port": port,
        "public_url": None,
        "webhook_secret": None,
        "channel_id": None,
        "moderator_chat_id": None,
    }
    if "database_url" not in settings.model_fields_set:
        update["database_url"] = SANDBOX_DATABASE
    return settings.model_copy(update=update)


async def grant_roles(settings: Settings, people: list[Person]) -> None:
    """Give each simulated person the role the page shows (admins from ADMIN_IDS stay)."""
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        roles = build_services(settings, db).roles
        for person in people:
            role = ROLES[person.role]
            if person.user_id in settings.admin_ids or await roles.role_of(person.user_id) == role:
                continue
            await roles.set_role(None, person.user_id, role)
    finally:
        await db.dispose()


class Sandbox:
    """The emulation, the bot pointed at it, the web server with the page; and, with
    ``rehearse``, simulated viewers playing a live session."""

    def __init__(self, settings: Settings, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        host = settings.web_host
        port = settings.web_port or _free_port(host)
        self.emulator = BotApiEmulator(
            token=SANDBOX_TOKEN,
            bot_id=int(SANDBOX_TOKEN.split(":")[0]),
            bot_username=BOT_USERNAME,
            bot_first_name="Shurakum Live",
            limits=self.options.limits,
        )
        root = f"http://{_client_host(host)}:{port}"
        self.emulator.root_url = root + PREFIX + EMULATOR_PREFIX
        self.url = root + PREFIX
        self.settings = sandbox_settings(settings, self.emulator, port)
        self.driver = Driver(self.emulator, poll_updates=True)
        for person in PEOPLE:
            self.driver.user(person.user_id, person.name, language_code=person.language)
        loopback = {"127.0.0.1", "localhost", "[::1]", _client_host(host).lower()}
        self.page = SandboxPage(
            self.emulator,
            self.driver,
            PEOPLE,
            allowed_hosts=frozenset(loopback) if _is_loopback(host) else None,
        )
        self.runtime = Runtime(self.settings, mode_name="sandbox", web_routes=self._mount)
        self.rehearsal: Rehearsal | None = None
        self._task: asyncio.Task[None] | None = None

    def _mount(self, app: web.Application) -> None:
        paths = {resource.canonical for resource in app.router.resources()}
        self.page.links = [(label, path) for path, label in PAGE_LINKS if path in paths]
        app.add_subapp(PREFIX, make_app(self.page))
        if "/" not in paths:
            app.router.add_get("/", _to_page)

    async def start(self) -> str:
        """Start everything; returns the page's URL."""
        await grant_roles(self.settings, PEOPLE)
        await self.runtime.start()
        if self.options.rehearse:
            for person in PEOPLE:  # the bot can write only to people who started it
                if person.role != "viewer":
                    await self.driver.user(person.user_id).send("/start")
            self.rehearsal = Rehearsal(
                self.runtime.services,
                self.driver,
                self.runtime.broadcaster.wake,
                viewers=self.options.viewers,
                pace=self.options.pace,
            )
            self.page.status = self.rehearsal.stats.as_status
            self._task = asyncio.create_task(self.rehearsal.run(), name="rehearsal")
        return self.url

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.runtime.stop()


async def _to_page(request: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX)


def banner(sandbox: Sandbox, *, no_token: bool) -> str:
    why = "TELEGRAM_BOT_TOKEN is not set, so this is" if no_token else "This is"
    database = (
        "sandbox.db (separate from your real data)"
        if sandbox.settings.database_url == SANDBOX_DATABASE
        else "the one in DATABASE_URL"
    )
    lines = [
        f"Shurakum Live: {why} the SANDBOX. The bot talks to a local emulation of Telegram;",
        "nothing reaches Telegram. Simulated people: a viewer writing Arabic, a viewer writing",
        f"English, a moderator and a staff member. Database: {database}.",
        "To go live: create a bot with @BotFather, put TELEGRAM_BOT_TOKEN=<token> in .env and",
        "run `make run` (or `shurakum run`) again.",
    ]
    if sandbox.options.rehearse:
        lines.append(
            f"Rehearsal: a demo session goes live and {sandbox.options.viewers} simulated "
            f"viewers act every ~{sandbox.options.pace:g}s; the moderator and staff have "
            "started the bot, so questions reach the moderator's chat."
        )
    return "\n".join([*lines, "", f"    Open {sandbox.url}", ""])


async def serve_sandbox(settings: Settings, options: SandboxOptions, *, no_token: bool) -> None:
    """Run until SIGINT or SIGTERM; the banner with the page's URL goes to stdout."""
    sandbox = Sandbox(settings, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sandbox.start()
    print(banner(sandbox, no_token=no_token), flush=True)
    try:
        await stop.wait()
    finally:
        log.info("stopping the sandbox")
        await sandbox.stop()
