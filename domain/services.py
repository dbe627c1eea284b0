"""The bundle of services handed to handlers and the web layer (`context.services`)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.roles import RoleService
from domain.users import UserService
from storage.database import Database


@dataclass(frozen=True)
class Services:
    db: Database
    users: UserService
    roles: RoleService

    @classmethod
    def build(cls, db: Database, *, admin_ids: frozenset[int], default_language: str) -> Services:
        return cls(
            db=db,
            users=UserService(db, default_language),
            roles=RoleService(db, admin_ids),
        )
