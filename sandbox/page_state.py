"""What the sandbox page shows: each person's chat as plain JSON, and a version that changes
whenever any of it does (long polls wait on it)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .driver import Driver
from .emulator import BotApiEmulator
from .errors import bad_request
from .sim import SimUser
from .state import ChatState, SentMessage, StoredFile

JSON = dict[str, Any]

#: Messages per chat the page receives (the newest).
SHOWN = 200
LINK_SCHEMES = ("http://", "https://", "tg://")
FILES_PATH = "/sandbox/files/"


@dataclass(frozen=True)
class Person:
    """A simulated Telegram user shown as a column: ``language`` is the language code their
    Telegram app sends (``ar`` writes right to left); ``role`` is a label for the header."""

    user_id: int
    name: str
    language: str
    role: str

    @property
    def direction(self) -> str:
        return "rtl" if self.language == "ar" else "ltr"


def safe_url(url: object) -> str | None:
    """The URL if a browser may open it from the page (http, https, tg), else None."""
    if isinstance(url, str) and url.lower().startswith(LINK_SCHEMES) and " " not in url:
        return url
    return None


def _entities(entities: list[JSON]) -> list[JSON]:
    shown = []
    for entity in entities:
        item: JSON = {k: entity[k] for k in ("type", "offset", "length") if k in entity}
        if entity.get("type") == "text_link":
            url = safe_url(entity.get("url"))
            if url is None:
                continue  # shown as its text
            item["url"] = url
        shown.append(item)
    return shown


def _button(button: JSON) -> JSON:
    text = str(button.get("text", ""))
    if "callback_data" in button:
        return {"text": text, "type": "callback"}
    if "url" in button:
        url = safe_url(button["url"])
        return {"text": text, "type": "url", "url": url} if url else {"text": text, "type": "other"}
    return {"text": text, "type": "other"}  # web apps, logins, games: not in the sandbox


def _file(stored: StoredFile) -> JSON:
    return {
        "name": stored.file_name or stored.file_path.rsplit("/", 1)[-1],
        "size": stored.size,
        "mime": stored.mime_type or "application/octet-stream",
        "url": FILES_PATH + quote(stored.file_path),
    }


def _poll(message: SentMessage, user_id: int) -> JSON:
    poll = message.poll or {}
    return {
        "question": str(poll.get("question", "")),
        "options": [
            {"text": str(o.get("text", "")), "votes": int(o.get("voter_count", 0))}
            for o in poll.get("options", [])
        ],
        "total": int(poll.get("total_voter_count", 0)),
        "closed": bool(poll.get("is_closed")),
        "anonymous": bool(poll.get("is_anonymous")),
        "multiple": bool(poll.get("allows_multiple_answers")),
        "revoting": bool(poll.get("allows_revoting", True)),
        "quiz": poll.get("type") == "quiz",
        "mine": message.poll_votes.get(user_id, []),
    }


def bot_message(message: SentMessage, user_id: int) -> JSON:
    """A message the bot sent, as the page draws it (text with entities, never HTML)."""
    markup = message.reply_markup or {}
    data: JSON = {
        "id": message.message_id,
        "from": "bot",
        "kind": message.kind,
        "text": message.plain_text,
        "entities": _entities(message.entities),
        "edited": message.edit_date is not None,
        "date": message.date,
        "buttons": [[_button(b) for b in row] for row in markup.get("inline_keyboard") or []],
        "keyboard": [
            [str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in row]
            for row in markup.get("keyboard") or []
        ],
    }
    if message.kind == "poll":
        data["poll"] = _poll(message, user_id)
    stored = message.document or message.photo
    if stored is not None:
        data["file"] = _file(stored)
    return data


def user_message(data: JSON) -> JSON:
    """A message the person sent (text, or a placeholder for media)."""
    text = data.get("text")
    if not isinstance(text, str):
        kinds = [k for k in ("photo", "sticker", "voice", "document") if k in data]
        text = f"[{kinds[0] if kinds else 'message'}]"
    return {
        "id": data["message_id"],
        "from": "user",
        "kind": "text",
        "text": text,
        "entities": [],
        "edited": "edit_date" in data,
        "date": data.get("date", 0),
        "buttons": [],
        "keyboard": [],
    }


def chat_messages(chat: ChatState, user_id: int) -> list[JSON]:
    """Both sides of a private chat in order (message ids are shared), deleted ones left out."""
    items = [(m.message_id, bot_message(m, user_id)) for m in chat.messages if not m.deleted]
    items += [
        (message_id, user_message(data))
        for message_id, data in chat.user_messages.items()
        if (data.get("from") or {}).get("id") == user_id
    ]
    items.sort(key=lambda item: item[0])
    return [data for _, data in items[-SHOWN:]]


def commands_for(emulator: BotApiEmulator, person: Person) -> list[JSON]:
    """The command menu Telegram shows this person: the narrowest scope that has a list."""
    scopes: list[JSON] = [
        {"type": "chat", "chat_id": person.user_id},
        {"type": "all_private_chats"},
        {"type": "default"},
    ]
    for scope in scopes:
        key = json.dumps(scope, sort_keys=True, separators=(",", ":"))
        for language in (person.language, ""):
            found = emulator.commands.get((key, language))
            if found:
                return [dict(c) for c in found]
    return []


def version(emulator: BotApiEmulator, people: list[Person], extra: object = None) -> str:
    """Changes whenever anything the page shows changes (sends, edits, deletes, votes, menus)."""
    parts: list[object] = [extra, sorted((k, len(v)) for k, v in emulator.commands.items())]
    for person in people:
        chat = emulator.chats.get(person.user_id)
        if chat is None:
            continue
        parts.append((chat.next_message_id, len(chat.user_messages)))
        for m in chat.messages:
            if m.edits or m.deleted or m.poll is not None:
                total = (m.poll or {}).get("total_voter_count")
                parts.append(
                    (m.message_id, m.edits, m.deleted, total, (m.poll or {}).get("is_closed"))
                )
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=8)
    return digest.hexdigest()


@dataclass
class SandboxPage:
    """State behind the page. ``links`` are (label, path) pairs shown in the header;
    ``status`` returns extra facts shown above the chats (a running rehearsal, say);
    ``allowed_hosts`` (host names without port), when given, refuse other Host headers so a
    rebound DNS name cannot read the page."""

    emulator: BotApiEmulator
    driver: Driver
    people: list[Person]
    links: list[tuple[str, str]] = field(default_factory=list)
    status: Callable[[], Mapping[str, object]] | None = None
    allowed_hosts: frozenset[str] | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    closing: bool = False

    def person(self, raw: object) -> tuple[Person, SimUser]:
        for person in self.people:
            if raw == person.user_id:
                user = self.driver.user(person.user_id, person.name, language_code=person.language)
                return person, user
        raise bad_request("unknown person")

    def current_status(self) -> dict[str, object]:
        return dict(self.status()) if self.status is not None else {}

    def version(self) -> str:
        return version(self.emulator, self.people, self.current_status())

    def snapshot(self) -> JSON:
        bot = self.emulator.bot
        people = []
        for person in self.people:
            chat = self.emulator.chats.get(person.user_id)
            people.append(
                {
                    "id": person.user_id,
                    "name": person.name,
                    "language": person.language,
                    "dir": person.direction,
                    "role": person.role,
                    "commands": commands_for(self.emulator, person),
                    "messages": chat_messages(chat, person.user_id) if chat else [],
                }
            )
        return {
            "version": self.version(),
            "bot": {"username": bot.get("username"), "name": bot.get("first_name")},
            "people": people,
            "links": [{"label": label, "href": href} for label, href in self.links],
            "status": self.current_status(),
        }

    async def wait_for_change(self, since: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.closing and self.version() == since:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            await self._any_chat_changed(min(remaining, 0.5))

    async def _any_chat_changed(self, seconds: float) -> None:
        chats = [
            self.emulator.chats[p.user_id] for p in self.people if p.user_id in self.emulator.chats
        ]
        waiters = [asyncio.ensure_future(chat.changed.wait(seconds)) for chat in chats]
        if not waiters:
            await asyncio.sleep(seconds)
            return
        _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        for waiter in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await waiter

    def touch(self, person: Person) -> None:
        """Wake long polls: a person's own message does not notify the chat by itself."""
        chat = self.emulator.chats.get(person.user_id)
        if chat is not None:
            chat.changed.notify()
