"""Each Telegram update is handled once, even when delivered to two processes or twice."""

from __future__ import annotations

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

    async def first_time(self, update_id: int) -> bool:
        """Claim the update id; False if some process (or an earlier delivery) has it."""
        async with self._db.statement() as connection:
            return await queries.claim_update(connection, update_id, self._clock())

    async def prune(self) -> None:
        async with self._db.transaction() as session:
            await queries.prune_updates(session, self._clock() - KEEP)
