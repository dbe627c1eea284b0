"""ChatOrderedProcessor: concurrent across chats, in Telegram's order within a chat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Chat, Message, Update, User

from bot.ordering import ChatOrderedProcessor, order_key


def message_update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "Viewer", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, None, chat, from_user=user, text=f"m{update_id}")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def run_updates(
    updates: list[Update],
    handle: Callable[[Update], Awaitable[None]],
    admit: Callable[[object], Awaitable[bool]] | None = None,
) -> None:
    """As python-telegram-bot's update fetcher does: one task per update, created in order."""
    processor = ChatOrderedProcessor(limit=64, admit=admit)
    await processor.initialize()
    tasks = [
        asyncio.create_task(processor.process_update(update, handle(update))) for update in updates
    ]
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
    await processor.shutdown()
    assert processor.chats_in_progress == 0  # no lock left behind


async def test_one_chat_in_order_and_chats_overlap() -> None:
    updates = [message_update(i, chat_id=1 + i % 3) for i in range(30)]
    seen: dict[int, list[int]] = {}
    running: set[int] = set()
    overlap = 0

    async def handle(update: Update) -> None:
        nonlocal overlap
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        assert chat not in running, "two updates of one chat at once"
        running.add(chat)
        overlap = max(overlap, len(running))
        # later updates finish sooner: only the lock keeps a chat's updates in order
        await asyncio.sleep(0.001 * (30 - update.update_id) / 10)
        seen.setdefault(chat, []).append(update.update_id)
        running.discard(chat)

    await run_updates(updates, handle)
    assert seen == {c: [i for i in range(30) if 1 + i % 3 == c] for c in (1, 2, 3)}
    assert overlap == 3  # the three chats ran side by side


async def test_a_failing_update_releases_its_chat() -> None:
    updates = [message_update(i, chat_id=7) for i in range(3)]
    seen: list[int] = []

    async def handle(update: Update) -> None:
        seen.append(update.update_id)
        if update.update_id == 0:
            raise RuntimeError("handler bug")

    await run_updates(updates, handle)
    assert seen == [0, 1, 2]


def test_order_key() -> None:
    assert order_key(message_update(1, chat_id=42)) == 42
    assert order_key(Update(2)) is None
    assert order_key("not an update") is None


async def test_updates_are_admitted_before_their_turn_and_refused_ones_dropped() -> None:
    """The claims of a chat's updates do not wait for the chat's turn; a refused update (a
    redelivery) is never handled, and the others keep their order."""
    updates = [message_update(i, chat_id=5) for i in range(4)]
    admitted: list[int] = []
    first_may_finish = asyncio.Event()
    seen: list[int] = []

    async def admit(update: object) -> bool:
        assert isinstance(update, Update)
        admitted.append(update.update_id)
        if len(admitted) == len(updates):
            first_may_finish.set()  # all four claimed while the first was still running
        return update.update_id != 2

    async def handle(update: Update) -> None:
        if update.update_id == 0:
            await asyncio.wait_for(first_may_finish.wait(), 5)
        seen.append(update.update_id)

    await run_updates(updates, handle, admit)
    assert sorted(admitted) == [0, 1, 2, 3]
    assert seen == [0, 1, 3]
