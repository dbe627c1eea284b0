"""The test driver: creates simulated users and chats and feeds updates to the emulator."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .emulator import BotApiEmulator
from .objects import user_json
from .sim import SimUser
from .sim_chat import SimChat
from .update_queue import update_type

JSON = dict[str, Any]
MESSAGE_TYPES = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "business_message"}
)


class Driver:
    """Acts as Telegram's users, in-process on the emulator's state (same event loop).

    ``poll_updates=True`` also emits a ``poll`` update after each non-anonymous vote, as
    Telegram does; it is off by default so benchmarks count one update per vote.
    """

    def __init__(self, emulator: BotApiEmulator, *, poll_updates: bool = False) -> None:
        self.emulator = emulator
        self.poll_updates = poll_updates
        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, SimChat] = {}

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> SimUser:
        """A user with a private chat the bot may write to (the same object for the same id)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        data = user_json(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.emulator.users[user_id] = data
        chat = self.emulator.register_chat(user_id, "private", user=data)
        user = SimUser(self, data, chat)
        self._users[user_id] = user
        return user

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "supergroup",
        is_forum: bool = False,
        username: str | None = None,
        bot_admin: bool = False,
    ) -> SimChat:
        """A group or supergroup the bot is a member (or administrator) of."""
        return self._chat(chat_id, type, title, username, is_forum, bot_admin)

    def channel(self, chat_id: int, title: str, *, username: str | None = None) -> SimChat:
        """A channel where the bot is an administrator."""
        return self._chat(chat_id, "channel", title, username, False, True)

    def _chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str,
        username: str | None,
        is_forum: bool,
        bot_admin: bool,
    ) -> SimChat:
        existing = self._chats.get(chat_id)
        if existing is not None:
            return existing
        chat = self.emulator.register_chat(
            chat_id, chat_type, title=title, username=username, is_forum=is_forum
        )
        chat.bot_status = "administrator" if bot_admin else "member"
        sim = SimChat(self, chat)
        self._chats[chat_id] = sim
        return sim

    async def send_raw_update(self, update: JSON) -> int:
        """Queue any update; returns its update_id (assigned if missing or not increasing).

        A bare Message is wrapped as ``{"message": ...}``, a sample file's envelope
        (``{"kind": ..., "data": ...}``) is unwrapped. Chats and users it names become known,
        so the bot can answer them; a my_chat_member update applies its status.
        """
        if "data" in update and update.get("kind") in ("Update", "Message"):
            update = update["data"]
        if "update_id" not in update and "message_id" in update and "chat" in update:
            update = {"message": update}
        self._learn(update)
        return self.emulator.enqueue(update)

    def _learn(self, update: JSON) -> None:
        kind = update_type(update)
        payload = update.get(kind)
        if not isinstance(payload, dict):
            return
        emulator = self.emulator
        chat_data = payload.get("chat")
        if chat_data is None and isinstance(payload.get("message"), dict):
            chat_data = payload["message"].get("chat")
        for key in ("from", "user"):
            user = payload.get(key)
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                emulator.users.setdefault(user["id"], user)
        if not isinstance(chat_data, dict) or not isinstance(chat_data.get("id"), int):
            return
        chat_type = str(chat_data.get("type", "private"))
        chat = emulator.register_chat(
            chat_data["id"],
            chat_type,
            title=chat_data.get("title"),
            user=chat_data if chat_type == "private" else None,
            username=chat_data.get("username"),
            is_forum=bool(chat_data.get("is_forum")),
        )
        message_id = payload.get("message_id")
        if kind in MESSAGE_TYPES and isinstance(message_id, int):
            chat.user_messages.setdefault(message_id, payload)
            chat.next_message_id = max(chat.next_message_id, message_id + 1)
        if kind == "my_chat_member":
            status = str((payload.get("new_chat_member") or {}).get("status", "member"))
            if chat.private:
                chat.blocked = status == "kicked"
            else:
                chat.bot_status = status

    async def idle(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109  (the driver's API takes timeouts)
        *,
        quiet: float = 0.1,
    ) -> None:
        """Wait until the bot fetched every queued update and made no request for ``quiet`` s.

        Raises TimeoutError if that does not happen within ``timeout`` seconds.
        """
        emulator = self.emulator
        deadline = time.monotonic() + timeout
        step = min(0.01, quiet / 4)
        while not emulator.idle_now(quiet):
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: {len(emulator.queue.pending)} pending "
                    f"updates (undelivered: {emulator.queue.undelivered}), "
                    f"{emulator.inflight} requests in flight"
                )
            await asyncio.sleep(step)
