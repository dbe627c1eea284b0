"""What changed, for the live pages: the domain publishes an `Event` after each committed
change of a question or a poll; the web console and the presenter screen subscribe.

`EventBus` is the interface; the composition root picks the implementation: `LocalBus` (one
process, SQLite) or `NotifyBus` (PostgreSQL LISTEN/NOTIFY, so that a change made by one
process reaches the pages served by every process). Events carry ids only; subscribers read
the current state themselves, so an event lost or repeated is harmless, and `resync` (sent
after a reconnection) tells them to reload everything.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from storage.database import Database
from storage.notify import PgChannel

QUESTION, POLL, RESYNC = "question", "poll", "resync"
CHANNEL = "shurakum_events"


@dataclass(frozen=True)
class Event:
    kind: str  # question | poll | resync
    id: int = 0  # the question's or the poll's
    session_id: int | None = None  # when the publisher knows it
    action: str = ""  # the use case that changed it (submit, act, vote, launch, …)

    def encode(self) -> str:
        return json.dumps([self.kind, self.id, self.session_id, self.action])

    @classmethod
    def decode(cls, text: str) -> Event | None:
        try:
            kind, id_, session_id, action = json.loads(text)
        except (ValueError, TypeError):
            return None
        if not isinstance(kind, str) or not isinstance(id_, int):
            return None
        return cls(kind, id_, session_id if isinstance(session_id, int) else None, str(action))


class Subscription:
    """A subscriber's queue of events (unbounded: subscribers drain it at once)."""

    def __init__(self, bus: Fanout) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def get(self) -> Event:
        return await self.queue.get()

    def drain(self) -> list[Event]:
        """Whatever else is waiting, without waiting."""
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus(Protocol):
    async def publish(self, events: Sequence[Event]) -> None: ...

    def subscribe(self) -> Subscription: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Fanout:
    """Hands every received event to the subscriptions of this process."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        subscription = Subscription(self)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def deliver(self, event: Event) -> None:
        for subscription in self._subscriptions:
            subscription.queue.put_nowait(event)


class LocalBus(Fanout):
    """One process: an event goes straight to this process's subscribers."""

    async def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            self.deliver(event)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class NotifyBus(Fanout):
    """PostgreSQL: `publish` sends NOTIFY (after the use case committed); every process that
    called `start` LISTENs and hands what arrives, its own events included, to its
    subscribers. A process that never starts (the command line) only publishes."""

    def __init__(self, db: Database, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self._channel = PgChannel(db, channel)

    async def publish(self, events: Sequence[Event]) -> None:
        """Queued, not awaited: an update's reply does not wait for the NOTIFY round trips
        (`close` sends what is queued)."""
        self._channel.post([event.encode() for event in events])

    async def start(self) -> None:
        await self._channel.listen(self._received, on_reconnect=self._resync)

    def _received(self, payload: str) -> None:
        event = Event.decode(payload)
        if event is not None:
            self.deliver(event)

    def _resync(self) -> None:
        self.deliver(Event(RESYNC))

    async def close(self) -> None:
        await self._channel.close()


class Emitter(Protocol):
    events: EventBus


S = TypeVar("S", bound=Emitter)
P = ParamSpec("P")
R = TypeVar("R")
Method = Callable[Concatenate[S, P], Awaitable[R]]


def emits(
    kind: str, derive: Callable[[R], Iterable[tuple[int, int | None]]]
) -> Callable[[Method[S, P, R]], Method[S, P, R]]:
    """After the use case returned (its transaction committed), publish one `kind` event per
    (id, session id) that `derive` finds in its result, with the method's name as action."""

    def decorate(method: Method[S, P, R]) -> Method[S, P, R]:
        @functools.wraps(method)
        async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            result = await method(self, *args, **kwargs)
            events = [Event(kind, id_, session, method.__name__) for id_, session in derive(result)]
            if events:
                await self.events.publish(events)
            return result

        return wrapper

    return decorate


class NoEvents:
    """For services built without a bus (unit tests, tools): events go nowhere."""

    async def publish(self, events: Sequence[Event]) -> None:
        return None

    def subscribe(self) -> Subscription:
        return Fanout().subscribe()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


NO_EVENTS = NoEvents()
