"""Each Telegram update is handled once, even when delivered to two processes or twice.

Every update claims its id before any handler runs. Claims arriving together (the updates of
one getUpdates batch start together, bot/ordering.py) are written together: one
`INSERT … ON CONFLICT DO NOTHING RETURNING` for all ids waiting when the previous write
ended, a group commit (domain/batching.py). Nothing is handled before its claim is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from domain.batching import GroupCommit
from storage import queries
from storage.database import Database
from storage.types import utcnow

KEEP = timedelta(days=2)  # Telegram gives up redelivering an update long before this


class UpdateLog:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock
        self._claims = GroupCommit(self._claim, "update-claims")

    async def first_time(self, update_id: int) -> bool:
        """Claim the update id; False if some process (or an earlier delivery) has it."""
        return await self._claims(update_id)

    async def _claim(self, update_ids: list[int]) -> list[bool]:
        """One statement for the batch; a second copy of an id in it never wins."""
        async with self._db.statement() as connection:
            won = await queries.claim_updates(connection, sorted(set(update_ids)), self._clock())
        seen: set[int] = set()
        first = []
        for update_id in update_ids:
            first.append(update_id in won and update_id not in seen)
            seen.add(update_id)
        return first

    async def prune(self) -> None:
        async with self._db.transaction() as session:
            await queries.prune_updates(session, self._clock() - KEEP)
