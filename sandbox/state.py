"""In-memory state of the emulated Bot API: chats, messages the bot sent, files."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .tg_html import strip_tags

JSON = dict[str, Any]


@dataclass(eq=False)
class StoredFile:
    """A file known to the emulator (uploaded by the bot or sent by a simulated user)."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent, in its current state (edits applied).

    ``kind`` is "text", "poll", "document" or "photo"; for documents and photos ``text`` is the
    caption. ``history`` holds the previous texts, oldest first.
    """

    message_id: int
    chat_id: int
    date: int
    kind: str = "text"
    text: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    plain: str | None = None
    reply_markup: JSON | None = None
    poll: JSON | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    edit_date: int | None = None
    edits: int = 0
    history: list[str | None] = field(default_factory=list)
    deleted: bool = False
    pinned: bool = False
    extra: JSON = field(default_factory=dict)  # more Message fields, e.g. forward_origin
    poll_votes: dict[int, list[int]] = field(default_factory=dict)

    @property
    def plain_text(self) -> str:
        """The text as a user sees it: HTML tags removed and entities decoded."""
        if self.plain is not None:
            return self.plain
        if self.text is None:
            return ""
        return strip_tags(self.text) if self.parse_mode == "HTML" else self.text

    @property
    def buttons(self) -> list[list[JSON]]:
        """Rows of the inline keyboard, or else of the reply keyboard (buttons as dicts)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows]

    def button_texts(self) -> list[str]:
        """Texts of all buttons, row by row."""
        return [str(b.get("text", "")) for row in self.buttons for b in row]

    @property
    def poll_id(self) -> str:
        if self.poll is None:
            raise LookupError(f"message {self.message_id} has no poll")
        return str(self.poll["id"])

    def __repr__(self) -> str:
        shown = self.plain_text if self.kind != "poll" else (self.poll or {}).get("question")
        flags = " deleted" if self.deleted else ""
        return f"<SentMessage {self.chat_id}/{self.message_id} {self.kind}{flags} {shown!r}>"


class Notifier:
    """Wakes waiters on change; allocates nothing while nobody waits."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        event = self._event
        if event is not None:
            self._event = None
            event.set()

    async def wait(self, seconds: float) -> bool:
        """Wait for the next ``notify`` at most ``seconds``; False on timeout."""
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives just as the event is set, and the waiter then sleeps on (an hour).
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return False
        return True


@dataclass(eq=False)
class ChatState:
    """A chat the bot can talk to: its messages and, for private chats, the user."""

    id: int
    type: str
    json: JSON
    user: JSON | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: list[SentMessage] = field(default_factory=list)
    by_id: dict[int, SentMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    menu_button: JSON | None = None
    changed: Notifier = field(default_factory=Notifier)

    @property
    def private(self) -> bool:
        return self.type == "private"

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def add(self, message: SentMessage) -> None:
        self.messages.append(message)
        self.by_id[message.message_id] = message
        self.changed.notify()


def chat_json(
    chat_id: int,
    chat_type: str,
    *,
    title: str | None = None,
    user: JSON | None = None,
    username: str | None = None,
    is_forum: bool = False,
) -> JSON:
    """The ``Chat`` object of a chat."""
    data: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private" and user is not None:
        for key in ("first_name", "last_name", "username"):
            if user.get(key) is not None:
                data[key] = user[key]
    else:
        data["title"] = title or str(chat_id)
        if username:
            data["username"] = username
        if is_forum:
            data["is_forum"] = True
    return data


@dataclass
class Stats:
    """Counters for tests and benchmarks; ``reset()`` clears them."""

    requests: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    rate_limited_at: list[float] = field(default_factory=list)
    delivered: Counter[int] = field(default_factory=Counter)
    updates_enqueued: int = 0

    def reset(self) -> None:
        self.requests.clear()
        self.rate_limited = 0
        self.rate_limited_at.clear()
        self.delivered.clear()
        self.updates_enqueued = 0

    @property
    def messages_sent(self) -> int:
        return sum(self.delivered.values())


@dataclass
class CallbackAnswer:
    """What the bot answered to a callback query (answerCallbackQuery)."""

    query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


class CallbackRegistry:
    """Open callback queries by id, each with a future for the bot's answer."""

    def __init__(self) -> None:
        self._open: dict[str, asyncio.Future[CallbackAnswer]] = {}
        self._counter = 0
        self.answered = 0

    def open(self, user_id: int) -> tuple[str, asyncio.Future[CallbackAnswer]]:
        self._counter += 1
        query_id = f"{user_id % 100000:05d}{self._counter:012d}"
        future: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
        self._open[query_id] = future
        return query_id, future

    def answer(self, answer: CallbackAnswer) -> bool:
        """Resolve an open query; False if unknown or answered already."""
        future = self._open.pop(answer.query_id, None)
        if future is None:
            return False
        if not future.done():
            future.set_result(answer)
        self.answered += 1
        return True
