"""Group commit: requests that arrive while a batch is being written are written together.

Updates run concurrently (bot/ordering.py), so during a live poll many viewers' votes are in
flight at once. Writing each in a transaction of its own costs a BEGIN, a COMMIT and the
session's set-up per vote, and on SQLite the writers take turns anyway. `GroupCommit` hands
every request waiting when the previous write ended to one call of `write`, which returns
one outcome per request (a result, or the exception that request alone must raise). When
`write` itself fails, every request of the batch gets that error: nothing of it was kept.
No request waits for a timer: a lone request is written at once, as before. Reads that
come in bursts (the boards redrawn after many upvotes) are batched the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self, write: Callable[[list[T]], Awaitable[Sequence[R | Exception]]], name: str
    ) -> None:
        self._write = write
        self._name = name
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, request: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(), name=self._name)
        return await done

    async def _drain(self) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    outcomes = await self._write([request for request, _ in batch])
                except Exception as error:  # noqa: BLE001  # handed to every request of the batch
                    outcomes = [error] * len(batch)
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    if done.done():  # its caller was cancelled meanwhile
                        continue
                    if isinstance(outcome, Exception):
                        done.set_exception(outcome)
                    else:
                        done.set_result(outcome)
        except asyncio.CancelledError:  # the loop is closing: nobody waits forever
            for _, done in [*batch, *self._waiting]:
                done.cancel()
            raise
        finally:
            self._writer = None
