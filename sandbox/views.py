"""Reading what the bot sent to one chat: list, last, next message, wait for a condition."""

from __future__ import annotations

import time
from collections.abc import Callable

from .state import ChatState, SentMessage


class ChatView:
    """The bot's messages in one chat, as a user of that chat sees them.

    ``next_message()`` keeps a cursor: each call returns the next message the bot sent after
    the one returned before (messages that arrived before the call are not missed).
    """

    def __init__(self, chat: ChatState) -> None:
        self.chat = chat
        self._cursor = 0

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def messages(self) -> list[SentMessage]:
        """Messages the bot sent here, in order, current state, deleted ones left out."""
        return [m for m in self.chat.messages if not m.deleted]

    @property
    def all_messages(self) -> list[SentMessage]:
        """Every message the bot sent here, deleted ones included."""
        return list(self.chat.messages)

    @property
    def last(self) -> SentMessage:
        """The newest message that is not deleted; LookupError if there is none."""
        for message in reversed(self.chat.messages):
            if not message.deleted:
                return message
        raise LookupError(f"the bot sent no message to chat {self.chat.id}")

    def message(self, message_id: int) -> SentMessage:
        """A message the bot sent here, by id (deleted or not)."""
        found = self.chat.by_id.get(message_id)
        if found is None:
            raise LookupError(f"no bot message {message_id} in chat {self.chat.id}")
        return found

    def skip_pending(self) -> None:
        """Move the ``next_message`` cursor past everything sent so far."""
        self._cursor = len(self.chat.messages)

    async def next_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109  (the driver's API takes timeouts)
    ) -> SentMessage:
        """The next message the bot sends here (TimeoutError after ``timeout`` seconds)."""
        chat = self.chat
        deadline = time.monotonic() + timeout
        while self._cursor >= len(chat.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = chat.messages[-3:]
                raise TimeoutError(
                    f"no new message from the bot in chat {chat.id} within {timeout}s "
                    f"(last ones: {recent!r})"
                )
            await chat.changed.wait(remaining)
        message = chat.messages[self._cursor]
        self._cursor += 1
        return message

    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109  (the driver's API takes timeouts)
    ) -> SentMessage:
        """The newest non-deleted message satisfying ``predicate``, waiting for sends/edits."""
        chat = self.chat
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(chat.messages):
                if not message.deleted and predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"no bot message in chat {chat.id} matched within {timeout}s "
                    f"(last ones: {chat.messages[-3:]!r})"
                )
            await chat.changed.wait(remaining)
