"""Roles and what each may do (SPEC §2); every check and every change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError, PermissionDenied
from storage import queries
from storage.database import Database
from storage.models import RoleGrant


class Role(StrEnum):
    VIEWER = "viewer"
    STAFF = "staff"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Capability(StrEnum):
    MODERATE = "moderate"  # sessions, questions, polls, announcements
    EXPORT = "export"  # transcripts and reports
    CONSOLE = "console"  # read the web console
    MANAGE_ROLES = "manage_roles"


GRANTS: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: frozenset(),
    Role.STAFF: frozenset({Capability.EXPORT, Capability.CONSOLE}),
    Role.MODERATOR: frozenset({Capability.MODERATE, Capability.EXPORT, Capability.CONSOLE}),
    Role.ADMIN: frozenset(Capability),
}
ASSIGNABLE = (Role.MODERATOR, Role.STAFF)


@dataclass(frozen=True)
class RoleHolder:
    user_id: int
    role: Role
    name: str | None
    from_config: bool


@dataclass(frozen=True)
class RoleChange:
    user_id: int
    before: Role
    after: Role

    @property
    def changed(self) -> bool:
        return self.before != self.after


class RoleService:
    def __init__(self, db: Database, admin_ids: Iterable[int]) -> None:
        self._db = db
        self.admin_ids = frozenset(admin_ids)

    def _role(self, user_id: int, grant: RoleGrant | None) -> Role:
        if user_id in self.admin_ids:
            return Role.ADMIN
        return Role(grant.role) if grant else Role.VIEWER

    async def role_of(self, user_id: int) -> Role:
        if user_id in self.admin_ids:
            return Role.ADMIN
        async with self._db.transaction() as session:
            return self._role(user_id, await queries.get_role(session, user_id))

    async def authorize(self, user_id: int, capability: Capability, action: str) -> Role:
        """Return the user's role if it grants `capability`; else audit and raise."""
        role = await self.role_of(user_id)
        if capability in GRANTS[role]:
            return role
        async with self._db.transaction() as session:
            queries.add_audit(
                session, actor_id=user_id, action=action, outcome="denied", detail=role.value
            )
        raise PermissionDenied

    async def set_role(self, actor_id: int | None, target_id: int, role: Role) -> RoleChange:
        """Grant moderator or staff, or (`Role.VIEWER`) remove the role.

        `actor_id=None` is the operator at the command line, who needs no role.
        """
        if actor_id is not None:
            await self.authorize(actor_id, Capability.MANAGE_ROLES, f"role.{role.value}")
        if role not in (*ASSIGNABLE, Role.VIEWER):
            raise DomainError("roles.not_assignable")
        if target_id in self.admin_ids:
            raise DomainError("roles.is_admin")
        async with self._db.transaction() as session:
            grant = await queries.get_role(session, target_id)
            before = self._role(target_id, grant)
            if role is Role.VIEWER and grant is not None:
                await session.delete(grant)
            elif role is not Role.VIEWER and grant is None:
                session.add(RoleGrant(user_id=target_id, role=role.value, granted_by=actor_id))
            elif grant is not None and role is not Role.VIEWER:
                grant.role = role.value
                grant.granted_by = actor_id
            change = RoleChange(target_id, before, role)
            queries.add_audit(
                session,
                actor_id=actor_id,
                action="role.set" if role is not Role.VIEWER else "role.remove",
                target=f"user:{target_id}",
                before={"role": before.value},
                after={"role": role.value},
                detail=None if actor_id is not None else "cli",
            )
        return change

    async def holders(self, actor_id: int | None) -> list[RoleHolder]:
        if actor_id is not None:
            await self.authorize(actor_id, Capability.MANAGE_ROLES, "role.list")
        async with self._db.transaction() as session:
            rows = await queries.list_roles(session)
        holders = [RoleHolder(admin, Role.ADMIN, None, True) for admin in sorted(self.admin_ids)]
        for grant, user in rows:
            if grant.user_id in self.admin_ids:
                continue
            name = " ".join(filter(None, (user.first_name, user.last_name))) if user else None
            holders.append(RoleHolder(grant.user_id, Role(grant.role), name or None, False))
        return holders

    async def staff_ids(self) -> dict[int, Role]:
        """Everyone whose command list differs from a viewer's."""
        async with self._db.transaction() as session:
            rows = await queries.list_roles(session)
        result = {grant.user_id: Role(grant.role) for grant, _ in rows}
        result.update(dict.fromkeys(self.admin_ids, Role.ADMIN))
        return result
