"""Command lists for Telegram's menu, per language and per scope (SPEC §3).

Viewers see the viewer list in every private chat; a moderator, staff member or admin gets
a list of their own in their chat, in the language they chose. Later features append their
commands to the tables below.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from domain.roles import Role
from locales import LANGUAGES, translator

log = logging.getLogger(__name__)

VIEWER = (
    "start",
    "sessions",
    "ask",
    "questions",
    "my",
    "language",
    "help",
    "privacy",
    "stop",
    "forget",
)
MODERATOR = (
    "newsession",
    "golive",
    "end",
    "queue",
    "next",
    "announce",
    "poll",
    "closepoll",
    "screen",
    "cancel",
)
STAFF = ("export", "report", "console")
BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: VIEWER,
    Role.STAFF: (*VIEWER, *STAFF),
    Role.MODERATOR: (*VIEWER, *MODERATOR, *STAFF),
    Role.ADMIN: (*VIEWER, *MODERATOR, *STAFF, "addmod", "addstaff", "removerole", "roles"),
}


def command_list(role: Role, language: str) -> list[BotCommand]:
    tr = translator(language)
    return [BotCommand(name, tr.t(f"cmd.{name}")) for name in BY_ROLE[role]]


async def publish_defaults(bot: Bot, default_language: str) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(command_list(Role.VIEWER, default_language), scope=scope)
    for language in LANGUAGES:
        await bot.set_my_commands(
            command_list(Role.VIEWER, language), scope=scope, language_code=language
        )


async def publish_for(bot: Bot, user_id: int, role: Role, language: str) -> None:
    """Give one person the list of their role (a viewer's list removes the override)."""
    scope = BotCommandScopeChat(user_id)
    try:
        if BY_ROLE[role] == VIEWER:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(command_list(role, language), scope=scope)
    except TelegramError as error:
        # The person has not started the bot yet: Telegram knows no such chat. Their list
        # is set again at the next start-up or role change.
        log.info("commands for user %s not set: %s", user_id, error)
