"""The bot's HTTP client for the Bot API: aiohttp, bounded, cheap per request.

python-telegram-bot's default `HTTPXRequest` goes through httpx, httpcore and h11, all pure
Python. During a live poll or a rush of questions the bot makes hundreds of Bot API calls a
second (answers, edits, confirmations), and that stack was the largest single cost of the
bot: about 1.2 ms of CPU per call, against 0.3 ms through aiohttp, whose HTTP parser is
written in C and which already serves our web pages (`python -m bench.http`,
docs/benchmarks.md). `BoundedRequest` is python-telegram-bot's documented extension point
(`BaseRequest.do_request`) over one aiohttp session:

- at most `IN_FLIGHT` requests at once; the others wait their turn on an asyncio semaphore.
  At Telegram's ~50 ms round trip 16 in flight are about 320 requests a second, the answers
  to 300 votes a second, while ballot edits take at most four of them
  (handlers/poll_cards.py), and a burst never opens hundreds of connections. Timeouts count
  from the turn, so a wait here never turns into a `TimedOut`.
- Messages (the sending methods of bot/flood.py) never wait for a turn: the flood limiter
  counts a message when it lets it go, and a wait between that moment and the wire would let
  messages released over more than a second reach Telegram within one (a 429). They are few
  (30 a second at most, or the paid rate for the sender), so the pool has room for them
  beside the `IN_FLIGHT` others.
- Parameters go as one JSON object (the Bot API takes `application/json`), uploads as
  multipart: url-encoding each parameter, as `HTTPXRequest` does, cost ~15 % of a call
  (`python -m bench.bot_api`: 0.64 → 0.53 ms).
- python-telegram-bot's timeouts as `HTTPXRequest` has them (connect 5 s, read 5 s, write
  5 s, pool 1 s, 20 s to write an upload); aiohttp has no write timeout of its own, so the
  sum of the three bounds the whole request. A timeout is `TimedOut`, any other failure of
  the connection `NetworkError`, as python-telegram-bot expects.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # how a BaseRequest tells "not given"
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.flood import SENDS

IN_FLIGHT = 16
JSON = {"Content-Type": "application/json"}  # parameters without files: one JSON object
MESSAGES_IN_FLIGHT = 16  # room in the pool for messages, which skip the turns


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _limits(
    connect: float | None, read: float | None, write: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """python-telegram-bot's four timeouts as aiohttp's (None: no limit)."""
    total = None if connect is None or read is None or write is None else connect + read + write
    return aiohttp.ClientTimeout(
        total=total,
        connect=None if connect is None or pool is None else connect + pool,  # pool wait too
        sock_connect=connect,
        sock_read=read,
    )


class BoundedRequest(BaseRequest):
    __slots__ = ("_limit", "_media_write_timeout", "_session", "_timeouts", "_turns")

    def __init__(
        self,
        in_flight: int = IN_FLIGHT,
        messages: int = MESSAGES_IN_FLIGHT,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        pool_timeout: float = 1.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._limit = in_flight + messages
        self._turns = asyncio.Semaphore(in_flight)
        self._timeouts = (connect_timeout, read_timeout, write_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts[1]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
                raise_for_status=False,  # python-telegram-bot reads the Bot API's error codes
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("BoundedRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        connect, read, write, pool = self._timeouts
        limits = _limits(
            _given(connect_timeout, connect),
            _given(read_timeout, read),
            _given(write_timeout, self._media_write_timeout if files else write),
            _given(pool_timeout, pool),
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files and request_data is not None:
            form = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        elif request_data is not None:
            body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
            data, headers = body.encode(), JSON
        if url.rpartition("/")[2] in SENDS:  # already paced: straight to the pool
            return await self._send(self._session, url, method, data, headers, limits)
        async with self._turns:
            return await self._send(self._session, url, method, data, headers, limits)

    @staticmethod
    async def _send(
        session: aiohttp.ClientSession,
        url: str,
        method: str,
        data: aiohttp.FormData | bytes | None,
        headers: dict[str, str] | None,
        limits: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        try:
            request = session.request(method, url, data=data, headers=headers, timeout=limits)
            async with request as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
