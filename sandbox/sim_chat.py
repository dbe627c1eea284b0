"""Simulated groups, supergroups and channels."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .objects import chat_member_json
from .state import ChatState
from .views import ChatView

if TYPE_CHECKING:
    from .driver import Driver
    from .sim import SimUser

JSON = dict[str, Any]


class SimChat(ChatView):
    """A group, supergroup or channel the bot is in."""

    def __init__(self, driver: Driver, chat: ChatState) -> None:
        super().__init__(chat)
        self.driver = driver
        self.id = chat.id
        self.title = str(chat.json.get("title", ""))

    def set_member(self, user: SimUser, status: str) -> None:
        """The user's status for getChatMember ("member", "administrator", "left", ...)."""
        self.chat.members[user.id] = status

    async def _bot_status(self, by: SimUser, status: str) -> int:
        old = self.chat.bot_status
        self.chat.bot_status = status
        bot = self.driver.emulator.bot
        return await self.driver.send_raw_update(
            {
                "my_chat_member": {
                    "chat": self.chat.json,
                    "from": by.json,
                    "date": int(time.time()),
                    "old_chat_member": chat_member_json(bot, old),
                    "new_chat_member": chat_member_json(bot, status),
                }
            }
        )

    async def add_bot(self, by: SimUser, *, admin: bool = False) -> int:
        """``by`` adds the bot (my_chat_member update)."""
        return await self._bot_status(by, "administrator" if admin else "member")

    async def remove_bot(self, by: SimUser) -> int:
        """``by`` removes the bot; sending here then answers 403."""
        return await self._bot_status(by, "left")

    async def post(self, text: str) -> int:
        """A channel post (channel_post update) with ``text``."""
        chat = self.chat
        message_id = chat.take_message_id()
        data: JSON = {
            "message_id": message_id,
            "sender_chat": chat.json,
            "chat": chat.json,
            "date": int(time.time()),
            "text": text,
        }
        chat.user_messages[message_id] = data
        return await self.driver.send_raw_update({"channel_post": data})
