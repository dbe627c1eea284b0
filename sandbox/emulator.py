"""A local emulation of the Telegram Bot API served over real HTTP by aiohttp."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from . import (  # noqa: F401  (importing registers the methods)
    methods_copy,
    methods_core,
    methods_polls,
    methods_send,
)
from .errors import ApiError, bad_request, too_many_requests
from .files import FileStore
from .limits import RateLimiter, RateLimits
from .objects import bot_user_json, message_json
from .params import Params
from .registry import METHODS
from .state import CallbackRegistry, ChatState, SentMessage, Stats, chat_json
from .update_queue import UpdateQueue
from .webhook import WebhookSender

JSON = dict[str, Any]
log = logging.getLogger(__name__)

MAX_UPLOAD = 50 * 1024 * 1024


def _json_response(body: JSON, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json",
    )


class BotApiEmulator:
    """State and HTTP front of one emulated bot.

    Routes: ``POST|GET /bot{token}/{method}`` and ``GET /file/bot{token}/{file_path}``.
    """

    def __init__(
        self,
        token: str = "123:abc",  # noqa: S107  (a fake token for tests)
        bot_id: int = 123,
        bot_username: str = "shurakum_test_bot",
        bot_first_name: str = "Shurakum",
        limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.bot: JSON = bot_user_json(bot_id, bot_first_name, bot_username)
        self.limits = limits if limits is not None else RateLimits()
        self.limiter = RateLimiter(self.limits)
        self.stats = Stats()
        self.queue = UpdateQueue()
        self.callbacks = CallbackRegistry()
        self.chats: dict[int, ChatState] = {}
        self.usernames: dict[str, int] = {}
        self.users: dict[int, JSON] = {}
        self.files = FileStore(bot_id)
        self.polls: dict[str, tuple[int, int]] = {}  # poll id -> (chat id, message id)
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope JSON, language) -> list
        self.default_menu_button: JSON = {"type": "commands"}
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, language) -> text
        self.reactions: dict[tuple[int, int], list[JSON]] = {}
        self.webhook: WebhookSender | None = None
        self.errors: list[BaseException] = []
        self.poll_generation = 0
        self.closing = False
        self.inflight = 0
        self.last_activity = 0.0
        self._poll_seq = 0
        self._runner: web.AppRunner | None = None
        self.root_url: str | None = None  # where make_app() is served; set by start()

    # -- HTTP ------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        """An aiohttp application serving this emulator (mountable as a sub-application)."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on a real TCP port (0 picks a free one)."""
        self.closing = False
        runner = web.AppRunner(
            self.make_app(), access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        addresses = runner.addresses
        bound = int(addresses[0][1]) if addresses else port
        self.root_url = f"http://{host}:{bound}"
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving; wakes long polls so they return at once."""
        self.closing = True
        self.queue.changed.notify()
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_shutdown(self, app: web.Application) -> None:
        self.closing = True
        self.queue.changed.notify()
        if self.webhook is not None:
            await self.webhook.stop()

    def _root(self) -> str:
        if self.root_url is None:
            raise RuntimeError("not served yet: call start(), or set root_url when mounting")
        return self.root_url.rstrip("/")

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url()``: the token and method get appended."""
        return f"{self._root()}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url()``."""
        return f"{self._root()}/file/bot"

    async def _read_params(self, request: web.Request) -> Mapping[str, Any]:
        if request.method == "GET" or not request.body_exists:
            return request.query
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(data, dict):
                raise bad_request("JSON request body must be an object")
            return {**request.query, **data} if request.query else data
        form = await request.post()
        return {**request.query, **form} if request.query else form

    async def _handle_api(self, request: web.Request) -> web.Response:
        info = request.match_info
        if info["token"] != self.token:
            return _json_response(ApiError(401, "Unauthorized").to_json(), 401)
        entry = METHODS.get(info["method"].lower())
        if entry is None:
            return _json_response(ApiError(404, "Not Found: method not found").to_json(), 404)
        name, handler = entry
        self.stats.requests[name] += 1
        polling = name == "getUpdates"
        if not polling:
            self.inflight += 1
        try:
            result = await handler(self, Params(await self._read_params(request)))
        except ApiError as exc:
            return _json_response(exc.to_json(), exc.code)
        except Exception as exc:  # a bug in the emulator: report it as 500 and keep it
            log.exception("emulator failed in %s", name)
            self.errors.append(exc)
            error = ApiError(500, f"Internal Server Error: {exc!r}")
            return _json_response(error.to_json(), 500)
        finally:
            if not polling:
                self.inflight -= 1
                self.last_activity = time.monotonic()
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        info = request.match_info
        stored = self.files.by_path.get(info["file_path"])
        if info["token"] != self.token or stored is None:
            return _json_response(ApiError(404, "Not Found").to_json(), 404)
        mime = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=mime)

    # -- helpers for the methods and the driver ---------------------------------------------
    def reset_stats(self) -> None:
        """Clear the counters and the rate-limit windows."""
        self.stats.reset()
        self.limiter.reset()

    def enqueue(self, update: JSON) -> int:
        """Queue an update for the bot; returns its update_id."""
        update_id, accepted = self.queue.put(update)
        if accepted:
            self.stats.updates_enqueued += 1
        return update_id

    def register_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        user: JSON | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> ChatState:
        """The chat with this id, created if new (known chats are returned as they are)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            data = chat_json(
                chat_id, chat_type, title=title, user=user, username=username, is_forum=is_forum
            )
            chat = ChatState(id=chat_id, type=chat_type, json=data, user=user)
            self.chats[chat_id] = chat
            if data.get("username"):
                self.usernames[str(data["username"]).lower()] = chat_id
        return chat

    def resolve_chat(self, params: Params, key: str = "chat_id") -> ChatState:
        """The chat named by ``chat_id`` (an id or "@username"), else 400 chat not found."""
        raw = params.data.get(key)
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat: ChatState | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat_id = self.usernames.get(raw[1:].lower())
            chat = self.chats.get(chat_id) if chat_id is not None else None
        else:
            try:
                chat = self.chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def throttle(self, chat: ChatState, paid: bool) -> None:
        """Count one sent message against the flood limits; raises 429 when exceeded."""
        now = time.monotonic()
        retry_after = self.limiter.acquire(chat.id, chat.private, paid, now)
        if retry_after:
            self.stats.rate_limited += 1
            self.stats.rate_limited_at.append(now)
            raise too_many_requests(retry_after)

    def deliver(self, chat: ChatState, message: SentMessage) -> None:
        chat.add(message)
        self.stats.delivered[chat.id] += 1

    def message_json(self, chat: ChatState, message: SentMessage) -> JSON:
        reply_to = None
        if message.reply_to_message_id is not None:
            reply_to = self.find_message_json(chat, message.reply_to_message_id)
        return message_json(message, chat, self.bot, reply_to)

    def find_message_json(self, chat: ChatState, message_id: int) -> JSON | None:
        """JSON of a message in the chat (from the bot or a user), without nested replies."""
        sent = chat.by_id.get(message_id)
        if sent is not None and not sent.deleted:
            return message_json(sent, chat, self.bot)
        found = chat.user_messages.get(message_id)
        if found is None:
            return None
        return {k: v for k, v in found.items() if k != "reply_to_message"}

    def next_poll_id(self) -> str:
        self._poll_seq += 1
        return str(5_000_000_000_000_000_000 + self.bot["id"] * 1_000_000 + self._poll_seq)

    def idle_now(self, quiet: float) -> bool:
        """True if every update was handed out and the bot made no request for ``quiet`` s."""
        if self.queue.undelivered or self.inflight:
            return False
        if self.webhook is not None and self.webhook.inflight:
            return False
        last = max(self.last_activity, self.queue.last_delivery)
        return time.monotonic() - last >= quiet
