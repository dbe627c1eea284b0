"""Each Telegram update is handled once, even when delivered to two processes or twice.

Every update claims its id before any handler runs. Claims arriving together (the updates of
one getUpdates batch start together, bot/ordering.py) are written together: one
`INSERT … ON CONFLICT DO NOTHING RETURNING` for all ids waiting when the previous write
ended, a group commit. Nothing is handled before its claim is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from storage import queries
from storage.database import Database
from storage.types import utcnow

KEEP = timedelta(days=2)  # Telegram gives up redelivering an update long before this


class UpdateLog:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock
        self._waiting: dict[int, list[asyncio.Future[bool]]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def first_time(self, update_id: int) -> bool:
        """Claim the update id; False if some process (or an earlier delivery) has it."""
        claim: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(update_id, []).append(claim)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="update-claims")
        return await claim

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    async with self._db.statement() as connection:
                        won = await queries.claim_updates(connection, list(batch), self._clock())
                except Exception as error:  # noqa: BLE001  # handed to every waiting update
                    for claims in batch.values():
                        _settle(claims, error=error)
                    continue
                for update_id, claims in batch.items():
                    _settle(claims, won=update_id in won)
        finally:
            self._writer = None

    async def prune(self) -> None:
        async with self._db.transaction() as session:
            await queries.prune_updates(session, self._clock() - KEEP)


def _settle(
    claims: list[asyncio.Future[bool]], *, won: bool = False, error: Exception | None = None
) -> None:
    """The first delivery of an id in a batch may win; a second copy in it never does."""
    for index, claim in enumerate(claims):
        if claim.done():  # its update was cancelled meanwhile
            continue
        if error is not None:
            claim.set_exception(error)
        else:
            claim.set_result(won and index == 0)
