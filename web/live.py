"""Live pages: one hub per process turns the domain's events into server-sent events.

The hub subscribes to the event bus (in-process on SQLite, LISTEN/NOTIFY on PostgreSQL, so
a change made through either process arrives here). It gathers what arrives within
`GATHER` seconds, reads the changed questions and polls once, encodes each message once per
session, and hands it to every page following that session; it never waits for a slow
browser (each has a bounded queue; one that falls behind is told to reload instead).

Messages: `question` ({"items": [...], "counts": {...}}) and `poll` for consoles, `screen`
for presenter screens (only when what it shows changed), and `resync` (reload everything).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable

from aiohttp import web

from domain.events import POLL, QUESTION, RESYNC, Event, Subscription
from domain.services import Services
from web import serialize

log = logging.getLogger(__name__)

GATHER = 0.02  # seconds: events arriving together go out together
HEARTBEAT = 15.0  # seconds between comments that keep proxies from closing an idle stream
QUEUE = 500  # messages a browser may be behind before it is told to reload
CONSOLE, SCREEN = "console", "screen"
_CLOSE = b""


def sse(name: str, data: str) -> bytes:
    return f"event: {name}\ndata: {data}\n\n".encode()


RESYNC_MESSAGE = sse(RESYNC, "{}")


class Listener:
    """One open page: what it follows and its queue of encoded messages."""

    def __init__(self, hub: LiveHub, session_id: int, kind: str) -> None:
        self.hub = hub
        self.session_id = session_id
        self.kind = kind
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE)
        self.behind = False

    def put(self, message: bytes) -> None:
        if self.behind:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.behind = True  # the stream sends `resync` and drops what is queued

    async def get(self, wait: float) -> bytes | None:
        if self.behind:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.behind = False
            return RESYNC_MESSAGE
        try:
            return await asyncio.wait_for(self.queue.get(), wait)
        except TimeoutError:
            return None

    def close(self) -> None:
        self.hub.remove(self)


class LiveHub:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._listeners: dict[int, set[Listener]] = defaultdict(set)
        self._screens: dict[int, str] = {}  # session → the screen JSON sent last
        self._task: asyncio.Task[None] | None = None
        self.dispatched = 0  # batches handled (for tests and the benchmark)

    # -- listeners ---------------------------------------------------------------------------
    def listen(self, session_id: int, kind: str) -> Listener:
        listener = Listener(self, session_id, kind)
        self._listeners[session_id].add(listener)
        return listener

    def remove(self, listener: Listener) -> None:
        followers = self._listeners.get(listener.session_id)
        if followers is not None:
            followers.discard(listener)
            if not followers:
                del self._listeners[listener.session_id]
                self._screens.pop(listener.session_id, None)

    def _of(self, session_id: int, kind: str) -> list[Listener]:
        return [item for item in self._listeners.get(session_id, ()) if item.kind == kind]

    def close_all(self) -> None:
        """Server shutdown: every stream ends now."""
        for followers in self._listeners.values():
            for listener in followers:
                listener.behind = False
                with contextlib.suppress(asyncio.QueueFull):
                    listener.queue.put_nowait(_CLOSE)

    # -- running -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Follow the event bus (started and closed by the composition root)."""
        subscription = self._services.events.subscribe()
        self._task = asyncio.create_task(self._run(subscription), name="live-hub")

    async def stop(self) -> None:
        self.close_all()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, subscription: Subscription) -> None:
        try:
            while True:
                first = await subscription.get()
                await asyncio.sleep(GATHER)
                events = [first, *subscription.drain()]
                if not self._listeners:
                    continue
                try:
                    await self.dispatch(events)
                except Exception:  # the next events may succeed; the pages reload on resync
                    log.exception("live update failed")
                self.dispatched += 1
        finally:
            subscription.close()

    async def dispatch(self, events: list[Event]) -> None:
        if any(event.kind == RESYNC for event in events):
            for followers in list(self._listeners.values()):
                for listener in followers:
                    listener.put(RESYNC_MESSAGE)
            self._screens.clear()
        desk = self._services.console_desk
        touched: set[int] = set()
        question_ids = sorted({e.id for e in events if e.kind == QUESTION})
        by_session = defaultdict(list)
        for item in await desk.items(question_ids):
            by_session[item.session_id].append(item)
        for session_id, items in by_session.items():
            touched.add(session_id)
            consoles = self._of(session_id, CONSOLE)
            if consoles:
                counts = await desk.counts(session_id)
                data = {"items": [serialize.question(i) for i in items], "counts": counts}
                message = sse(QUESTION, serialize.dumps(data))
                for listener in consoles:
                    listener.put(message)
        for poll_id in sorted({e.id for e in events if e.kind == POLL}):
            results = await self._services.polls.results(poll_id)
            session_id = results.poll.session_id
            touched.add(session_id)
            message = sse(POLL, serialize.dumps(serialize.poll(results)))
            for listener in self._of(session_id, CONSOLE):
                listener.put(message)
        for session_id in touched:
            await self.refresh_screen(session_id)

    def drop_screens(self, session_id: int) -> None:
        """The screen key was replaced: this process's screens of the session stop now."""
        for listener in self._of(session_id, SCREEN):
            listener.behind = False
            with contextlib.suppress(asyncio.QueueFull):
                listener.queue.put_nowait(_CLOSE)

    async def refresh_screen(self, session_id: int) -> None:
        screens = self._of(session_id, SCREEN)
        if not screens:
            return
        data = serialize.dumps(
            serialize.screen(await self._services.console_desk.screen(session_id))
        )
        if self._screens.get(session_id) == data:
            return
        self._screens[session_id] = data
        message = sse(SCREEN, data)
        for listener in screens:
            listener.put(message)


async def stream(
    request: web.Request,
    listener: Listener,
    first: bytes | None = None,
    *,
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> web.StreamResponse:
    """Serve `listener` as text/event-stream until the browser leaves (or, checked at each
    heartbeat, `still_allowed` says no: signed out, key rotated)."""
    if request.method == "HEAD":  # the page asks whether it may still follow
        listener.close()
        return web.Response(headers={"Content-Type": "text/event-stream"})
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
            "X-Content-Type-Options": "nosniff",
        }
    )
    try:
        await response.prepare(request)
        await response.write(b"retry: 2000\n\n" + (first or b""))
        checked = time.monotonic()
        while True:
            message = await listener.get(HEARTBEAT)
            if message == _CLOSE:
                break
            if message is None:
                message = b": ping\n\n"
            if still_allowed is not None and time.monotonic() - checked >= HEARTBEAT:
                checked = time.monotonic()
                if not await still_allowed():
                    break
            await response.write(message)
    except ConnectionError:
        pass  # the browser left
    finally:
        listener.close()
    return response
