"""Roles (SPEC §2): admins from settings, grants audited, refusals audited and harmless."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.errors import DomainError, PermissionDenied
from domain.roles import GRANTS, Capability, Role
from domain.services import Services
from storage import queries
from storage.database import Database

ADMIN, MOD, VIEWER = 1, 2, 3


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    db = Database(database_url)
    yield Services.build(db, admin_ids=frozenset({ADMIN}), default_language="ar")
    await db.dispose()


async def audit(services: Services) -> list[tuple[int | None, str, str]]:
    async with services.db.transaction() as session:
        rows = await queries.audit_entries(session)
    return [(row.actor_id, row.action, row.outcome) for row in reversed(rows)]


def test_capabilities_by_role() -> None:
    assert Capability.MANAGE_ROLES in GRANTS[Role.ADMIN]
    assert Capability.MANAGE_ROLES not in GRANTS[Role.MODERATOR]
    assert Capability.MODERATE in GRANTS[Role.MODERATOR]
    assert Capability.MODERATE not in GRANTS[Role.STAFF]
    assert Capability.EXPORT in GRANTS[Role.STAFF]
    assert GRANTS[Role.VIEWER] == frozenset()


async def test_admin_grants_and_removes(services: Services) -> None:
    roles = services.roles
    assert await roles.role_of(ADMIN) is Role.ADMIN
    change = await roles.set_role(ADMIN, MOD, Role.MODERATOR)
    assert (change.before, change.after, change.changed) == (Role.VIEWER, Role.MODERATOR, True)
    assert await roles.role_of(MOD) is Role.MODERATOR
    assert (await roles.set_role(ADMIN, MOD, Role.MODERATOR)).changed is False
    await roles.set_role(ADMIN, MOD, Role.STAFF)
    assert await roles.role_of(MOD) is Role.STAFF
    await roles.set_role(ADMIN, MOD, Role.VIEWER)
    assert await roles.role_of(MOD) is Role.VIEWER
    assert [a for a in await audit(services) if a[1].startswith("role.")] == [
        (ADMIN, "role.set", "ok"),
        (ADMIN, "role.set", "ok"),
        (ADMIN, "role.set", "ok"),
        (ADMIN, "role.remove", "ok"),
    ]


async def test_non_admin_is_refused_audited_and_nothing_changes(services: Services) -> None:
    roles = services.roles
    await roles.set_role(ADMIN, MOD, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        await roles.set_role(MOD, VIEWER, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        await roles.set_role(VIEWER, VIEWER, Role.STAFF)
    with pytest.raises(PermissionDenied):
        await roles.holders(VIEWER)
    assert await roles.role_of(VIEWER) is Role.VIEWER
    denied = [a for a in await audit(services) if a[2] == "denied"]
    assert denied == [
        (MOD, "role.moderator", "denied"),
        (VIEWER, "role.staff", "denied"),
        (VIEWER, "role.list", "denied"),
    ]


async def test_admins_cannot_be_changed(services: Services) -> None:
    with pytest.raises(DomainError) as caught:
        await services.roles.set_role(ADMIN, ADMIN, Role.VIEWER)
    assert caught.value.key == "roles.is_admin"


async def test_operator_at_the_cli_needs_no_role(services: Services) -> None:
    await services.roles.set_role(None, VIEWER, Role.STAFF)
    assert await services.roles.role_of(VIEWER) is Role.STAFF
    holders = await services.roles.holders(None)
    assert [(h.user_id, h.role, h.from_config) for h in holders] == [
        (ADMIN, Role.ADMIN, True),
        (VIEWER, Role.STAFF, False),
    ]
