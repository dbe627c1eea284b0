"""Rendering sessions and broadcasts as Telegram messages (text + inline keyboard)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.broadcasts import Progress
from domain.sessions import SessionView
from locales import Markup, Translator

PLATFORM_ICON = {"youtube": "▶️", "x": "𝕏", "instagram": "📸", "facebook": "📘", "web": "🔗"}
STATUS_ICON = {"draft": "📝", "scheduled": "🗓", "live": "🔴", "ended": "✅"}


def deep_link(bot_username: str, session_id: int) -> str:
    return f"https://t.me/{bot_username}?start=s{session_id}"


def watch_buttons(tr: Translator, view: SessionView) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                f"{PLATFORM_ICON.get(s.platform, '🔗')} {tr.t(f'platform.{s.platform}')}",
                url=s.url,
            )
            for s in view.streams[i : i + 2]
        ]
        for i in range(0, len(view.streams), 2)
    ]


def card_text(tr: Translator, view: SessionView, zone: ZoneInfo, *, link: str | None = None) -> str:
    title = tr.t("session.title_line", title=view.title(tr.language))
    lines = [
        f"{STATUS_ICON[view.status]} <b>{title}</b>",
        tr.t(f"session.status.{view.status}"),
        tr.t("session.when", when=tr.when(view.starts_at, zone)),
    ]
    description = view.description(tr.language)
    if description:
        lines += ["", tr.t("session.description_line", text=description)]
    if link:
        lines += ["", tr.t("session.share", link=Markup(link))]
    return "\n".join(lines)


def viewer_card(
    tr: Translator, view: SessionView, zone: ZoneInfo, *, subscribed: bool, link: str
) -> tuple[str, InlineKeyboardMarkup]:
    rows = watch_buttons(tr, view)
    if view.status in ("scheduled", "live"):
        key = "session.reminder_on" if subscribed else "session.remind_me"
        rows.append([InlineKeyboardButton(tr.t(key), callback_data=f"sub:{view.id}")])
        rows.append([InlineKeyboardButton(tr.t("question.ask"), callback_data=f"ask:{view.id}")])
    return card_text(tr, view, zone, link=link), InlineKeyboardMarkup(rows)


def moderator_card(
    tr: Translator, view: SessionView, zone: ZoneInfo, *, link: str
) -> tuple[str, InlineKeyboardMarkup]:
    sid = view.id
    rows = watch_buttons(tr, view)
    actions: list[InlineKeyboardButton] = []
    if view.status == "draft":
        actions.append(InlineKeyboardButton(tr.t("session.publish"), callback_data=f"pub:{sid}"))
    if view.status in ("draft", "scheduled"):
        actions.append(InlineKeyboardButton(tr.t("session.golive"), callback_data=f"gl:{sid}"))
    if view.status == "live":
        actions.append(InlineKeyboardButton(tr.t("session.end"), callback_data=f"end:{sid}"))
    if actions:
        rows.append(actions)
    if view.status != "ended":
        auto = "session.auto_on" if view.auto_golive else "session.auto_off"
        rows += [
            [
                InlineKeyboardButton(tr.t("edit.title_ar"), callback_data=f"ed:title_ar:{sid}"),
                InlineKeyboardButton(tr.t("edit.title_en"), callback_data=f"ed:title_en:{sid}"),
            ],
            [
                InlineKeyboardButton(
                    tr.t("edit.description_ar"), callback_data=f"ed:description_ar:{sid}"
                ),
                InlineKeyboardButton(
                    tr.t("edit.description_en"), callback_data=f"ed:description_en:{sid}"
                ),
            ],
            [
                InlineKeyboardButton(tr.t("edit.starts_at"), callback_data=f"ed:starts_at:{sid}"),
                InlineKeyboardButton(tr.t("edit.streams"), callback_data=f"ed:streams:{sid}"),
            ],
            [InlineKeyboardButton(tr.t(auto), callback_data=f"auto:{sid}")],
        ]
    return card_text(tr, view, zone, link=link), InlineKeyboardMarkup(rows)


def progress_text(tr: Translator, progress: Progress, eta_seconds: float | None) -> str:
    lines = [
        tr.t(f"broadcast.kind.{progress.kind}", number=progress.broadcast_id),
        tr.tn("broadcast.sent", progress.sent),
        tr.tn("broadcast.failed", progress.failed),
        tr.tn("broadcast.left", progress.left),
    ]
    if progress.status == "running" and eta_seconds is not None and progress.left:
        lines.append(tr.tn("broadcast.eta", max(1, round(eta_seconds))))
    lines.append(tr.t(f"broadcast.status.{progress.status}"))
    return "\n".join(lines)


def progress_markup(tr: Translator, progress: Progress) -> InlineKeyboardMarkup | None:
    if progress.status != "running":
        return None
    button = InlineKeyboardButton(
        tr.t("broadcast.cancel"), callback_data=f"bcx:{progress.broadcast_id}"
    )
    return InlineKeyboardMarkup([[button]])
