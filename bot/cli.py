"""`shurakum`: the command line of SPEC §5. Errors are one line on stderr and exit non-zero."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.compose import build_services
from bot.settings import Settings, SettingsError, load_settings
from domain import validation
from domain.errors import DomainError
from domain.report_data import DateRange, check_format
from domain.reports import Progress, file_name
from domain.roles import Role
from domain.services import Services
from domain.sessions import SessionDraft, SessionView
from domain.validation import START_FORMAT
from locales import plain, translator
from storage.database import Database
from storage.migrate import upgrade

EXIT_ERROR = 1
EXIT_CONFIG = 2

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.telegram_bot_token is None:
        return await _sandbox(settings, args, no_token=True)  # SPEC §4: try it without a token
    from bot.logs import setup_logging
    from bot.runtime import serve

    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(settings.log_level, settings.log_format, secrets)
    await serve(settings)
    return 0


async def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    return await _sandbox(settings, args, no_token=False)


async def _sandbox(settings: Settings, args: argparse.Namespace, *, no_token: bool) -> int:
    from bot.logs import setup_logging
    from bot.sandbox_mode import SANDBOX_TOKEN, SandboxOptions, serve_sandbox

    setup_logging(settings.log_level, settings.log_format, [SANDBOX_TOKEN])
    if settings.log_level != "DEBUG":  # the page and the bot poll the same server all the time
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    options = SandboxOptions(
        rehearse=getattr(args, "rehearse", False),
        viewers=getattr(args, "viewers", 50),
        pace=getattr(args, "pace", 3.0),
    )
    await serve_sandbox(settings, options, no_token=no_token)
    return 0


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.database_url)
    _print(args, {"status": "ok"}, "database is up to date")
    return 0


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[Services]:
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    services = build_services(settings, db)
    try:
        yield services
    finally:
        await services.events.close()  # what the command published reaches the running bot
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
        survey, recipients = await services.polls.survey(None, view.id)
    data = {**_session_data(view, settings.zone), "survey_poll_id": survey.id}
    data["survey_recipients"] = recipients
    _print(args, data, f"session {view.id} ended; satisfaction survey {survey.id} queued")
    return 0


def _option(text: str) -> tuple[str | None, str | None]:
    ar, sep, en = text.partition("|")
    if not sep:
        raise DomainError("poll.option_format")
    return ar.strip() or None, en.strip() or None


async def cmd_poll_create(settings: Settings, args: argparse.Namespace) -> int:
    options = [_option(o) for o in args.option or []]
    async with _services(settings) as services:
        poll = await services.polls.create(
            None, args.session_id, args.type, args.question_ar, args.question_en, options,
            max_choices=args.max_choices,
        )  # fmt: skip
    _print(args, {"id": poll.id, "status": poll.status, "kind": poll.kind}, str(poll.id))
    return 0


async def cmd_poll_launch(settings: Settings, args: argparse.Namespace) -> int:
    close_after = timedelta(minutes=args.close_after) if args.close_after else None
    async with _services(settings) as services:
        poll, recipients = await services.polls.launch(None, args.poll_id, close_after=close_after)
    data = {"id": poll.id, "status": poll.status, "recipients": recipients}
    _print(args, data, f"poll {poll.id} open; queued for {recipients} viewers")
    return 0


async def cmd_poll_close(settings: Settings, args: argparse.Namespace) -> int:
    async with _services(settings) as services:
        poll, changed = await services.polls.close(None, args.poll_id)
        results = await services.polls.results(poll.id)
    data = {
        "id": poll.id,
        "status": poll.status,
        "changed": changed,
        "counts": list(results.counts),
    }
    data["voters"] = results.voters
    _print(args, data, f"poll {poll.id} closed ({results.voters} voters)")
    return 0


def _progress_bar(progress: Progress) -> None:
    """A bar on stderr, redrawn in place (only when stderr is a terminal)."""
    filled = progress.percent * 30 // 100
    bar = "#" * filled + "." * (30 - filled)
    sys.stderr.write(f"\rexport [{bar}] {progress.percent:3d}%")
    sys.stderr.flush()


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    ranged = args.date_from is not None or args.date_to is not None
    if (args.session_id is None) != ranged or (None in (args.date_from, args.date_to) and ranged):
        raise DomainError("export.scope")  # a session id, or both dates
    scope: int | DateRange = DateRange(args.date_from, args.date_to) if ranged else args.session_id
    fmt = check_format(args.format)
    out = Path(args.output) if args.output else Path(file_name(scope, fmt))
    bar = _progress_bar if sys.stderr.isatty() else None
    try:
        async with _services(settings) as services:
            result = await services.reports.export(
                scope, fmt, out, include_names=args.include_names, progress=bar
            )
    finally:
        if bar is not None:
            sys.stderr.write("\n")
    data = {"path": str(out), "format": fmt, "sessions": list(result.sessions), "rows": result.rows}
    _print(args, data, str(out))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shurakum", description="Shurakum Live bot")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="migrate, then run the bot and web server")
    run.set_defaults(handler=cmd_run)

    sandbox = sub.add_parser(
        "sandbox", help="try the bot in the browser against a local emulation of Telegram"
    )
    sandbox.add_argument(
        "--rehearse", action="store_true", help="a demo session goes live; simulated viewers act"
    )
    sandbox.add_argument("--viewers", type=_count, default=50, help="simulated viewers (50)")
    sandbox.add_argument(
        "--pace", type=_seconds, default=3.0, help="seconds between viewer actions (3)"
    )
    sandbox.set_defaults(handler=cmd_sandbox)

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

    poll = sub.add_parser("poll", help="polls").add_subparsers(dest="p", required=True)
    poll_create = poll.add_parser("create", parents=[common], help="prepare a poll")
    poll_create.add_argument("session_id", type=_positive_id)
    poll_create.add_argument(
        "--type", required=True, choices=["single", "multiple", "rating", "text"]
    )
    poll_create.add_argument("--question-ar")
    poll_create.add_argument("--question-en")
    poll_create.add_argument("--option", action="append", help='"AR|EN" (repeatable)')
    poll_create.add_argument("--max-choices", type=int)
    poll_create.set_defaults(handler=cmd_poll_create)
    poll_launch = poll.add_parser("launch", parents=[common], help="open it to the viewers")
    poll_launch.add_argument("poll_id", type=_positive_id)
    poll_launch.add_argument("--close-after", type=int, metavar="MINUTES")
    poll_launch.set_defaults(handler=cmd_poll_launch)
    poll_close = poll.add_parser("close", parents=[common], help="close it")
    poll_close.add_argument("poll_id", type=_positive_id)
    poll_close.set_defaults(handler=cmd_poll_close)

    export = sub.add_parser(
        "export", parents=[common], help="a session's data (xlsx, csv, json) or its report (pdf)"
    )
    export.add_argument("session_id", type=_positive_id, nargs="?")
    export.add_argument("--format", required=True, help="xlsx, csv (a .zip or a folder), json, pdf")
    export.add_argument("-o", "--output", help="file (or folder for csv) to write")
    export.add_argument("--from", dest="date_from", type=_day, help="YYYY-MM-DD, with --to")
    export.add_argument("--to", dest="date_to", type=_day, help="YYYY-MM-DD, included")
    export.add_argument(
        "--include-names", action="store_true", help="viewers by name instead of pseudonyms"
    )
    export.set_defaults(handler=cmd_export)

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


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 1000")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 to 3600)")
    return value


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
