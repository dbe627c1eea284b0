"""Pending conversation steps, kept in the database so a restart does not lose them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.database import Database
from storage.models import PendingStep


@dataclass(frozen=True)
class Step:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class StepService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Step | None:
        async with self._db.transaction() as session:
            row = await session.get(PendingStep, user_id)
            return None if row is None else Step(row.kind, dict(row.data))

    async def set(self, user_id: int, step: Step) -> None:
        async with self._db.transaction() as session:
            row = await session.get(PendingStep, user_id, with_for_update=True)
            if row is None:
                session.add(PendingStep(user_id=user_id, kind=step.kind, data=step.data))
            else:
                row.kind, row.data = step.kind, dict(step.data)

    async def clear(self, user_id: int) -> None:
        async with self._db.transaction() as session:
            row = await session.get(PendingStep, user_id)
            if row is not None:
                await session.delete(row)
