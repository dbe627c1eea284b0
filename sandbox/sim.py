"""Simulated users and chats: they produce updates and read what the bot sent."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import CallbackNotAnswered
from .methods_polls import apply_vote, snapshot
from .objects import chat_member_json
from .sim_chat import SimChat
from .state import CallbackAnswer, ChatState, SentMessage
from .tg_html import utf16_len
from .views import ChatView

if TYPE_CHECKING:
    from .driver import Driver

JSON = dict[str, Any]

COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?=\s|$)")
#: A 1x1 transparent PNG, the bytes of simulated photos.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class SimUser(ChatView):
    """A Telegram user; reading methods look at the private chat with the bot."""

    def __init__(self, driver: Driver, user: JSON, chat: ChatState) -> None:
        super().__init__(chat)
        self.driver = driver
        self.json = user
        self.id: int = user["id"]
        self.first_name: str = user["first_name"]
        self.username: str | None = user.get("username")
        self.last_message_id: int | None = None

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.first_name!r}>"

    def _where(self, chat: SimChat | None) -> ChatState:
        if chat is None:
            return self.chat
        chat.chat.members.setdefault(self.id, "member")
        return chat.chat

    async def _send_message(self, where: ChatState, content: JSON) -> int:
        message_id = where.take_message_id()
        data: JSON = {
            "message_id": message_id,
            "from": self.json,
            "chat": where.json,
            "date": int(time.time()),
            **content,
        }
        where.user_messages[message_id] = data
        self.last_message_id = message_id
        return await self.driver.send_raw_update({"message": data})

    async def send(
        self,
        text: str,
        *,
        chat: SimChat | None = None,
        reply_to: int | None = None,
        forward_from: SimUser | None = None,
    ) -> int:
        """Send ``text`` (to the bot, or into ``chat``); returns the update_id."""
        where = self._where(chat)
        content: JSON = {"text": text}
        command = COMMAND_RE.match(text)
        if command:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            ]
        if reply_to is not None:
            replied = self.driver.emulator.find_message_json(where, reply_to)
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {where.id} to reply to")
            content["reply_to_message"] = replied
        if forward_from is not None:
            content["forward_origin"] = {
                "type": "user",
                "sender_user": forward_from.json,
                "date": int(time.time()) - 60,
            }
        return await self._send_message(where, content)

    async def edit(self, message_id: int, new_text: str, *, chat: SimChat | None = None) -> int:
        """Edit one of this user's messages (edited_message update)."""
        where = self._where(chat)
        original = where.user_messages.get(message_id)
        if original is None or original.get("from", {}).get("id") != self.id:
            raise LookupError(f"user {self.id} has no message {message_id} in chat {where.id}")
        original["text"] = new_text
        original.pop("entities", None)
        original["edit_date"] = int(time.time())
        return await self.driver.send_raw_update({"edited_message": dict(original)})

    async def send_sticker(self, *, chat: SimChat | None = None, emoji: str = "👍") -> int:
        stored = self.driver.emulator.files.add(
            b"RIFF\0\0\0\0WEBP", "stickers", mime_type="image/webp"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._send_message(self._where(chat), {"sticker": sticker})

    async def send_photo(self, caption: str | None = None, *, chat: SimChat | None = None) -> int:
        stored = self.driver.emulator.files.add(
            TINY_PNG, "photos", mime_type="image/png", width=1, height=1
        )
        content: JSON = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": 1,
                    "height": 1,
                }
            ]
        }
        if caption is not None:
            content["caption"] = caption
        return await self._send_message(self._where(chat), content)

    async def send_voice(self, *, chat: SimChat | None = None, duration: int = 1) -> int:
        stored = self.driver.emulator.files.add(b"OggS\0voice", "voice", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return await self._send_message(self._where(chat), {"voice": voice})

    async def send_raw(self, update: JSON) -> int:
        """Queue any update as is (update_id assigned if missing)."""
        return await self.driver.send_raw_update(update)

    # -- buttons -----------------------------------------------------------------------------
    async def press(
        self,
        message: SentMessage,
        button: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  (the driver's API takes timeouts)
    ) -> CallbackAnswer:
        """Press the inline button with this text (or callback_data); awaits the bot's answer."""
        if message.deleted:
            raise LookupError(f"message {message.message_id} was deleted")
        buttons = [b for row in message.buttons for b in row]
        found = next((b for b in buttons if b.get("text") == button), None)
        if found is None:
            found = next((b for b in buttons if b.get("callback_data") == button), None)
        if found is None:
            raise LookupError(f"no button {button!r}; buttons: {message.button_texts()}")
        data = found.get("callback_data")
        if not isinstance(data, str):
            raise ValueError(f"button {button!r} has no callback_data: {found}")
        chat = self.driver.emulator.chats[message.chat_id]
        return await self._callback(chat, message.message_id, data, timeout)

    async def press_data(
        self,
        message_id: int,
        data: str,
        *,
        chat: SimChat | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109  (the driver's API takes timeouts)
    ) -> CallbackAnswer:
        """A callback query with any ``data`` (possibly forged) on any message id."""
        return await self._callback(self._where(chat), message_id, data, timeout)

    async def _callback(
        self, chat: ChatState, message_id: int, data: str, wait_seconds: float
    ) -> CallbackAnswer:
        emulator = self.driver.emulator
        sent = chat.by_id.get(message_id)
        if sent is not None and not sent.deleted:
            message = emulator.message_json(chat, sent)
        else:  # an InaccessibleMessage
            message = {"chat": chat.json, "message_id": message_id, "date": 0}
        query_id, answer = emulator.callbacks.open(self.id)
        query = {
            "id": query_id,
            "from": self.json,
            "message": message,
            "chat_instance": str(abs(chat.id) * 7 + 1),
            "data": data,
        }
        await self.driver.send_raw_update({"callback_query": query})
        try:
            return await asyncio.wait_for(answer, wait_seconds)
        except TimeoutError:
            raise CallbackNotAnswered(
                f"the bot did not answer callback query {query_id} (data {data!r}) "
                f"within {wait_seconds}s"
            ) from None

    # -- polls and membership ----------------------------------------------------------------
    async def answer_poll(self, poll_id: str, option_ids: Sequence[int]) -> int:
        """Vote (an empty list retracts); returns the update_id of poll_answer (or poll)."""
        emulator = self.driver.emulator
        where = emulator.polls.get(poll_id)
        if where is None:
            raise LookupError(f"no poll {poll_id}")
        chat = emulator.chats[where[0]]
        message = chat.by_id[where[1]]
        chosen = apply_vote(message, self.id, option_ids)
        poll = message.poll
        assert poll is not None
        options = poll["options"]
        chat.changed.notify()
        if poll["is_anonymous"]:
            return await self.driver.send_raw_update({"poll": snapshot(poll)})
        answer = {
            "poll_id": poll_id,
            "user": self.json,
            "option_ids": chosen,
            "option_persistent_ids": [options[i]["persistent_id"] for i in chosen],
        }
        update_id = await self.driver.send_raw_update({"poll_answer": answer})
        if self.driver.poll_updates:
            await self.driver.send_raw_update({"poll": snapshot(poll)})
        return update_id

    async def _membership(self, old: str, new: str) -> int:
        bot = self.driver.emulator.bot
        self.chat.blocked = new == "kicked"
        return await self.driver.send_raw_update(
            {
                "my_chat_member": {
                    "chat": self.chat.json,
                    "from": self.json,
                    "date": int(time.time()),
                    "old_chat_member": chat_member_json(bot, old),
                    "new_chat_member": chat_member_json(bot, new),
                }
            }
        )

    async def block(self) -> int:
        """Block the bot: my_chat_member "kicked"; sending to this user then answers 403."""
        return await self._membership("member", "kicked")

    async def unblock(self) -> int:
        """Unblock (restart) the bot: my_chat_member "member"."""
        return await self._membership("kicked", "member")
