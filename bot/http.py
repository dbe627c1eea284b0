"""The bot's HTTP client for the Bot API, cheap per request when many are in flight.

python-telegram-bot's `HTTPXRequest` keeps up to 256 connections, and before every request
httpcore asks each idle connection whether the server closed it. Through anyio that question
builds the socket's whole attribute table, with a `getpeername` system call, every time.
With updates handled concurrently (bot/ordering.py), hundreds of answers and edits are in
flight during a live poll, so the pool holds dozens of connections and those checks took
38 % of the bot's CPU in the poll benchmark (docs/benchmarks.md). So:

- each connection's stream answers "is it readable?" from its socket, looked up once
  (`_Stream`; the same `poll` test httpcore makes);
- at most `IN_FLIGHT` requests use the pool at once; the others wait their turn on an
  asyncio semaphore, which costs nothing per waiting request (httpcore scans its own queue
  on every request). Timeouts count from the turn, so a wait here never turns into a
  `TimedOut`. The check above still runs once per pooled connection on every request, so
  a small pool is cheaper: on the poll benchmark, 16 answered the most votes a second
  (docs/benchmarks.md, "HTTP pool"). At Telegram's ~50 ms round trip 16 in flight are
  about 320 requests a second, the answers to 300 votes a second, while ballot edits take
  at most four of them (handlers/poll_cards.py).

Messages (the sending methods of bot/flood.py) never wait for a turn: the flood limiter
counts a message when it lets it go, and a wait between that moment and the wire would let
messages released over more than a second reach Telegram within one (a 429). They are few
(30 a second at most, or the paid rate for the sender), so the pool has room for them
beside the `IN_FLIGHT` others.

The rest is python-telegram-bot's and httpx's own behaviour (timeouts, TLS, HTTP/1.1).
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

from bot.flood import SENDS

IN_FLIGHT = 16
MESSAGES_IN_FLIGHT = 16  # room in the pool for messages, which skip the turns


def readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once: for an idle connection, that the server closed
    it (or sent something unasked). A socket that is gone counts as readable."""
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream, with its raw socket looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109  # httpcore's interface
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AnyIOBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  # httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await super().connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(inner)


def transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's transport over a connection pool that uses `_Backend` (httpx builds the
    pool itself, with no way to pass a network backend: it is replaced, same settings)."""
    made = httpx.AsyncHTTPTransport(limits=limits)
    made._pool = httpcore.AsyncConnectionPool(  # httpx has no hook for the backend
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend(),
    )
    return made


class BoundedRequest(HTTPXRequest):
    __slots__ = ("_turns",)

    def __init__(self, in_flight: int = IN_FLIGHT, messages: int = MESSAGES_IN_FLIGHT) -> None:
        limits = httpx.Limits(max_connections=in_flight + messages)
        super().__init__(
            connection_pool_size=in_flight + messages,
            httpx_kwargs={"transport": transport(limits)},
        )
        self._turns = asyncio.Semaphore(in_flight)

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.rpartition("/")[2] in SENDS:  # already paced: straight to the pool
            return await super().do_request(url, *args, **kwargs)
        async with self._turns:
            return await super().do_request(url, *args, **kwargs)
