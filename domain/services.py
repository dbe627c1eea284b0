"""The bundle of services handed to handlers and the web layer (`context.services`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.broadcasts import BroadcastService
from domain.roles import RoleService
from domain.sessions import SessionService
from domain.steps import StepService
from domain.users import UserService
from domain.wizard import SessionWizard
from storage.database import Database
from storage.types import utcnow


@dataclass(frozen=True)
class Services:
    db: Database
    users: UserService
    roles: RoleService
    sessions: SessionService
    broadcasts: BroadcastService
    steps: StepService
    wizard: SessionWizard
    zone: ZoneInfo

    @classmethod
    def build(
        cls,
        db: Database,
        *,
        admin_ids: frozenset[int],
        default_language: str,
        zone: ZoneInfo | None = None,
        channel: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> Services:
        zone = zone or ZoneInfo("Asia/Muscat")
        roles = RoleService(db, admin_ids)
        sessions = SessionService(db, roles, channel=channel, clock=clock)
        steps = StepService(db)
        return cls(
            db=db,
            users=UserService(db, default_language),
            roles=roles,
            sessions=sessions,
            broadcasts=BroadcastService(db, roles, channel=channel, clock=clock),
            steps=steps,
            wizard=SessionWizard(steps, sessions, roles, zone, clock),
            zone=zone,
        )
