"""Moderators and staff: `/export SESSION FORMAT [names]` and `/report SESSION` send the file.

The export runs in a worker thread with its own event loop and database connection
(`ReportService.export_detached`), and the handler does not block the update queue
(`block=False`): polling and other updates go on meanwhile. An export that takes longer
than a moment gets a progress message, edited as it goes and removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from domain.errors import DomainError
from domain.report_data import check_format
from domain.reports import Progress, file_name
from domain.roles import Capability
from handlers.common import PRIVATE, reply, translated_errors
from handlers.context import BotApp, BotContext
from locales import Translator

TELEGRAM_LIMIT = 50 * 1024 * 1024  # bytes a bot may upload
QUIET = 1.5  # seconds before a progress message is shown
EVERY = 2.0  # seconds between its edits


class _Latest:
    """The newest progress, written by the export's thread, read by the handler."""

    def __init__(self) -> None:
        self.percent = 0

    def __call__(self, progress: Progress) -> None:
        self.percent = progress.percent


def _session_id(text: str) -> int:
    value = text.removeprefix("#")
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise DomainError("export.usage")
    return int(value)


async def _watch(
    task: asyncio.Task[object], message: Message, tr: Translator, latest: _Latest
) -> Message | None:
    """Show and update a progress message while the export runs (if it takes a while)."""
    done, _ = await asyncio.wait({task}, timeout=QUIET)
    if done:
        return None
    shown = await message.reply_text(tr.t("export.working"))
    percent = -1
    while not task.done():
        await asyncio.wait({task}, timeout=EVERY)
        if not task.done() and latest.percent != percent:
            percent = latest.percent
            with contextlib.suppress(TelegramError):  # an edit may be refused (same text, …)
                await shown.edit_text(tr.t("export.progress", percent=percent))
    return shown


async def _send(
    update: Update, context: BotContext, session_id: int, fmt: str, names: bool
) -> None:
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    tr = await context.translator_for(update)
    latest = _Latest()
    with tempfile.TemporaryDirectory(prefix="shurakum-export-") as folder:
        path = Path(folder) / file_name(session_id, fmt)
        task = asyncio.create_task(
            context.services.reports.export_detached(
                session_id, fmt, path, include_names=names, progress=latest, actor=user.id
            )
        )
        shown = await _watch(task, message, tr, latest)
        try:
            await task
        finally:
            if shown is not None:
                with contextlib.suppress(TelegramError):
                    await shown.delete()
        if path.stat().st_size > TELEGRAM_LIMIT:
            await reply(update, tr.t("export.too_large", session_id=session_id, format=fmt))
            return
        with path.open("rb") as document:
            await message.reply_document(
                document,
                filename=path.name,
                caption=tr.t("export.ready", session_id=session_id, format=fmt.upper()),
            )


@translated_errors
async def cmd_export(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    await context.services.roles.authorize(user.id, Capability.EXPORT, "export")
    args = context.args or []
    if len(args) not in (2, 3) or (len(args) == 3 and args[2].lower() != "names"):
        raise DomainError("export.usage")
    await _send(update, context, _session_id(args[0]), check_format(args[1]), len(args) == 3)


@translated_errors
async def cmd_report(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    await context.services.roles.authorize(user.id, Capability.EXPORT, "export.pdf")
    args = context.args or []
    if len(args) != 1:
        raise DomainError("export.report_usage")
    await _send(update, context, _session_id(args[0]), "pdf", False)


def register(app: BotApp) -> None:
    # block=False: an export runs beside other updates instead of holding up the queue.
    app.add_handler(CommandHandler("export", cmd_export, filters=PRIVATE, block=False))
    app.add_handler(CommandHandler("report", cmd_report, filters=PRIVATE, block=False))
