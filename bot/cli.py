"""`shurakum`: the command line of SPEC §5. Errors are one line on stderr and exit non-zero."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.compose import build_services
from bot.settings import Settings, SettingsError, load_settings
from domain import validation
from domain.errors import DomainError
from domain.roles import Role
from domain.services import Services
from domain.sessions import SessionDraft, SessionView
from domain.validation import START_FORMAT
from locales import plain, translator
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


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[Services]:
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        yield build_services(settings, db)
    finally:
        await db.dispose()


async def cmd_role(settings: Settings, args: argparse.Namespace) -> int:
    role = Role(args.role) if args.action == "add" else Role.VIEWER
    async with _services(settings) as services:
        change = await services.roles.set_role(None, args.user_id, role)
    data = {"user_id": change.user_id, "before": change.before, "after": change.after}
    _print(args, data, f"user {change.user_id}: {change.before} -> {change.after}")
    return 0


def _session_data(view: SessionView, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": view.id,
        "status": view.status,
        "title_ar": view.title_ar,
        "title_en": view.title_en,
        "starts_at": view.starts_at.isoformat(),
        "starts_at_local": view.starts_at.astimezone(zone).strftime(START_FORMAT),
        "streams": [s.url for s in view.streams],
    }


async def cmd_session_create(settings: Settings, args: argparse.Namespace) -> int:
    async with _services(settings) as services:
        draft = SessionDraft(
            title_ar=validation.title(args.title_ar),
            title_en=validation.title(args.title_en),
            starts_at=validation.start_time(args.start, settings.zone, services.sessions.clock()),
            streams=tuple(validation.stream_link(url) for url in args.stream),
            description_ar=args.description_ar,
            description_en=args.description_en,
            auto_golive=args.auto_golive,
        )
        view = await services.sessions.create(None, draft)
    _print(args, _session_data(view, settings.zone), str(view.id))
    return 0


async def cmd_session_list(settings: Settings, args: argparse.Namespace) -> int:
    async with _services(settings) as services:
        views = await services.sessions.all()
    rows = [_session_data(v, settings.zone) for v in views]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['id']}\t{row['status']}\t{row['starts_at_local']}\t{row['title_en']}")
    return 0


async def cmd_session_golive(settings: Settings, args: argparse.Namespace) -> int:
    async with _services(settings) as services:
        result = await services.sessions.go_live(None, args.session_id)
    data = {**_session_data(result.session, settings.zone), "broadcast_id": result.broadcast_id}
    data["recipients"] = result.recipients
    text = f"session {args.session_id} is live; broadcast {result.broadcast_id} to "
    _print(args, data, text + f"{result.recipients} subscribers queued for the running bot")
    return 0


async def cmd_session_end(settings: Settings, args: argparse.Namespace) -> int:
    async with _services(settings) as services:
        view = await services.sessions.end(None, args.session_id)
    _print(args, _session_data(view, settings.zone), f"session {view.id} ended")
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

    session = sub.add_parser("session", help="sessions").add_subparsers(dest="s", required=True)
    create = session.add_parser("create", parents=[common], help="create and publish a session")
    create.add_argument("--title-ar", required=True)
    create.add_argument("--title-en", required=True)
    create.add_argument("--start", required=True, help='"YYYY-MM-DD HH:MM" in TIMEZONE')
    create.add_argument("--stream", action="append", required=True, help="https URL (repeatable)")
    create.add_argument("--description-ar")
    create.add_argument("--description-en")
    create.add_argument("--auto-golive", action="store_true", help="go live at the start time")
    create.set_defaults(handler=cmd_session_create)
    listing = session.add_parser("list", parents=[common], help="all sessions")
    listing.set_defaults(handler=cmd_session_list)
    for name, handler in (("golive", cmd_session_golive), ("end", cmd_session_end)):
        action = session.add_parser(name, parents=[common], help=f"{name} a session")
        action.add_argument("session_id", type=_positive_id)
        action.set_defaults(handler=handler)

    role = sub.add_parser("role", parents=[common], help="grant or remove a role")
    role.add_argument("action", choices=["add", "remove"])
    role.add_argument("user_id", type=_user_id)
    role.add_argument("role", choices=["moderator", "staff"])
    role.set_defaults(handler=cmd_role)
    return parser


def _positive_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id")
    return int(text)


def _user_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**52:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    # python-telegram-bot: RetryAfter.retry_after as a timedelta (the future default).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
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
        print(plain(translator("en").t(error.key, **error.params)), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except SQLAlchemyError as error:
        # The driver's message without SQLAlchemy's statement dump (and never the URL).
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"database error: {reason}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
