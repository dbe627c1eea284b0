"""`shurakum`: the command line of SPEC §5. Errors are one line on stderr and exit non-zero."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.compose import build_services
from bot.settings import Settings, SettingsError, load_settings
from domain.errors import DomainError
from domain.roles import Role
from locales import translator
from storage.database import Database
from storage.migrate import upgrade

EXIT_ERROR = 1
EXIT_CONFIG = 2
MISSING_TOKEN_HELP = (
    "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather (https://t.me/BotFather) "  # noqa: S105  # help text, not a password
    "and put its token in .env (see .env.example)"
)

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.telegram_bot_token is None:
        print(MISSING_TOKEN_HELP, file=sys.stderr)
        return EXIT_CONFIG
    from bot.logs import setup_logging
    from bot.runtime import serve

    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(settings.log_level, settings.log_format, secrets)
    await serve(settings)
    return 0


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.database_url)
    _print(args, {"status": "ok"}, "database is up to date")
    return 0


async def cmd_role(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    services = build_services(settings, db)
    role = Role(args.role) if args.action == "add" else Role.VIEWER
    try:
        change = await services.roles.set_role(None, args.user_id, role)
    finally:
        await db.dispose()
    data = {"user_id": change.user_id, "before": change.before, "after": change.after}
    _print(args, data, f"user {change.user_id}: {change.before} -> {change.after}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shurakum", description="Shurakum Live bot")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="migrate, then run the bot and web server")
    run.set_defaults(handler=cmd_run)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", parents=[common], help="apply migrations").set_defaults(
        handler=cmd_db_upgrade
    )

    role = sub.add_parser("role", parents=[common], help="grant or remove a role")
    role.add_argument("action", choices=["add", "remove"])
    role.add_argument("user_id", type=_user_id)
    role.add_argument("role", choices=["moderator", "staff"])
    role.set_defaults(handler=cmd_role)
    return parser


def _user_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**52:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    handler: Command = args.handler
    try:
        return asyncio.run(handler(settings, args))
    except DomainError as error:
        print(translator("en").t(error.key, **error.params), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
