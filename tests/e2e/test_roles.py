"""Admin commands and role checks through the running bot (SPEC §2)."""

from __future__ import annotations

from domain.roles import Role
from locales import translator
from storage import queries
from tests.e2e.conftest import ADMIN_ID, Harness

AR = translator("ar")
EN = translator("en")


async def denied_actions(harness: Harness) -> list[tuple[int | None, str]]:
    async with harness.services.db.transaction() as session:
        rows = await queries.audit_entries(session)
    return [(r.actor_id, r.action) for r in rows if r.outcome == "denied"]


async def test_admin_adds_and_removes_a_moderator(harness: Harness) -> None:
    admin = harness.driver.user(ADMIN_ID, "Admin", language_code="en")
    mod = harness.driver.user(2001, "Mod", language_code="ar")
    await mod.send("/start")
    await mod.next_message()
    await admin.send("/addmod 2001")
    reply = await admin.next_message()
    assert reply.text == EN.t("roles.granted", user_id="2001", role=EN.t("role.moderator"))
    assert await harness.services.roles.role_of(2001) is Role.MODERATOR
    await admin.send("/addmod 2001")
    assert (await admin.next_message()).text.startswith("Nothing changed")
    await admin.send("/roles")
    listing = await admin.next_message()
    assert "2001" in listing.text
    assert EN.tn("roles.header", 2) in listing.text
    await admin.send("/removerole 2001")
    assert (await admin.next_message()).text == EN.t(
        "roles.removed", user_id="2001", role=EN.t("role.moderator")
    )
    assert await harness.services.roles.role_of(2001) is Role.VIEWER


async def test_add_staff_by_replying_to_a_forward(harness: Harness) -> None:
    admin = harness.driver.user(ADMIN_ID, "Admin", language_code="ar")
    staff = harness.driver.user(2002, "Staff", language_code="ar")
    await staff.send("/start")
    await staff.next_message()
    await admin.send("hello", forward_from=staff)
    await admin.next_message()  # the plain-text hint
    await admin.send("/addstaff", reply_to=admin.last_message_id)
    reply = await admin.next_message()
    assert reply.text == AR.t("roles.granted", user_id="2002", role=AR.t("role.staff"))
    assert await harness.services.roles.role_of(2002) is Role.STAFF


async def test_bad_arguments_get_translated_usage(harness: Harness) -> None:
    admin = harness.driver.user(ADMIN_ID, "Admin", language_code="ar")
    await admin.send("/addmod")
    assert (await admin.next_message()).text == AR.t("roles.usage")
    await admin.send("/addmod abc")
    assert (await admin.next_message()).text == AR.t("roles.bad_id")
    await admin.send("/addmod -5")
    assert (await admin.next_message()).text == AR.t("roles.bad_id")
    await admin.send(f"/removerole {ADMIN_ID}")
    assert (await admin.next_message()).text == AR.t("roles.is_admin")


async def test_viewer_and_moderator_are_refused_and_audited(harness: Harness) -> None:
    viewer = harness.driver.user(2003, "V", language_code="ar")
    await viewer.send("/addmod 2003")
    assert (await viewer.next_message()).text == AR.t("error.not_allowed")
    await viewer.send("/roles")
    assert (await viewer.next_message()).text == AR.t("error.not_allowed")
    await harness.services.roles.set_role(None, 2004, Role.MODERATOR)
    mod = harness.driver.user(2004, "M", language_code="en")
    await mod.send("/addstaff 2003")
    assert (await mod.next_message()).text == EN.t("error.not_allowed")
    assert await harness.services.roles.role_of(2003) is Role.VIEWER
    assert sorted(await denied_actions(harness)) == [
        (2003, "role.list"),
        (2003, "role.moderator"),
        (2004, "role.staff"),
    ]
