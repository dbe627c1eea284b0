"""Admin commands: /addmod, /addstaff, /removerole, /roles (SPEC §2)."""

from __future__ import annotations

from telegram import MessageOriginUser, Update
from telegram.ext import CommandHandler

from domain.errors import DomainError
from domain.roles import Capability, Role
from handlers import commands
from handlers.common import PRIVATE, reply, translated_errors
from handlers.context import BotApp, BotContext


def _target(update: Update, context: BotContext) -> int:
    """The user id given as argument, or the sender of the forwarded message replied to."""
    if context.args:
        text = context.args[0]
        if text.isdigit() and 0 < int(text) < 2**52:
            return int(text)
        raise DomainError("roles.bad_id")
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is not None:
        origin = replied.forward_origin
        if isinstance(origin, MessageOriginUser):
            return origin.sender_user.id
        if origin is not None:
            raise DomainError("roles.hidden_sender")
    raise DomainError("roles.usage")


async def _set(update: Update, context: BotContext, role: Role) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    await services.roles.authorize(user.id, Capability.MANAGE_ROLES, f"role.{role.value}")
    tr = await context.translator_for(update)
    target = _target(update, context)
    change = await services.roles.set_role(user.id, target, role)
    if not change.changed:
        key = "roles.unchanged"
    else:
        key = "roles.removed" if role is Role.VIEWER else "roles.granted"
    shown = change.before if role is Role.VIEWER else role
    await reply(update, tr.t(key, user_id=str(target), role=tr.t(f"role.{shown.value}")))
    if change.changed:
        language = await services.users.language_of(target, None)
        await commands.publish_for(context.bot, target, role, language)


@translated_errors
async def cmd_addmod(update: Update, context: BotContext) -> None:
    await _set(update, context, Role.MODERATOR)


@translated_errors
async def cmd_addstaff(update: Update, context: BotContext) -> None:
    await _set(update, context, Role.STAFF)


@translated_errors
async def cmd_removerole(update: Update, context: BotContext) -> None:
    await _set(update, context, Role.VIEWER)


@translated_errors
async def cmd_roles(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    holders = await context.services.roles.holders(user.id)
    tr = await context.translator_for(update)
    lines = [tr.tn("roles.header", len(holders))]
    for holder in holders:
        lines.append(
            tr.t(
                "roles.line",
                user_id=str(holder.user_id),
                name=holder.name or "—",
                role=tr.t(f"role.{holder.role.value}"),
            )
        )
    await reply(update, "\n".join(lines))


def register(app: BotApp) -> None:
    app.add_handlers(
        [
            CommandHandler("addmod", cmd_addmod, filters=PRIVATE),
            CommandHandler("addstaff", cmd_addstaff, filters=PRIVATE),
            CommandHandler("removerole", cmd_removerole, filters=PRIVATE),
            CommandHandler("roles", cmd_roles, filters=PRIVATE),
        ]
    )
