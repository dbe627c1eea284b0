"""Polls, blocking, files, commands, webhooks and the driver's waiting helpers."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatMemberBanned,
    MenuButtonCommands,
    Poll,
    PollAnswer,
    ReactionTypeEmoji,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden
from telegram.ext import Application

from sandbox import BotApiEmulator, Driver
from sandbox.sim import TINY_PNG

from .conftest import eventually

App = Application[Any, Any, Any, Any, Any, Any]


async def test_polls_roundtrip(emu: BotApiEmulator, drv: Driver, echo_app: App) -> None:
    user = drv.user(1010)
    group = drv.group(-100500, "Live session")
    message = await echo_app.bot.send_poll(
        group.id, "ما تقييمك؟", ["ممتازة", "جيدة", "ضعيفة"], is_anonymous=False
    )
    assert isinstance(message.poll, Poll)
    assert message.poll.is_anonymous is False
    assert message.poll.allows_revoting is True
    assert [o.persistent_id for o in message.poll.options] == ["opt0", "opt1", "opt2"]
    stored = await group.next_message()
    assert stored.poll_id == message.poll.id
    await user.answer_poll(message.poll.id, [1])
    await user.answer_poll(message.poll.id, [])  # retract
    await eventually(lambda: len(echo_app.bot_data.get("poll_answers", [])) == 2)
    vote, retract = echo_app.bot_data["poll_answers"]
    assert isinstance(vote, PollAnswer)
    assert vote.option_ids == (1,)
    assert vote.option_persistent_ids == ("opt1",)
    assert vote.user.id == user.id
    assert retract.option_ids == ()
    await user.answer_poll(message.poll.id, [2])
    stopped = await echo_app.bot.stop_poll(group.id, message.id)
    assert stopped.is_closed
    assert [o.voter_count for o in stopped.options] == [0, 0, 1]
    assert stopped.total_voter_count == 1
    with pytest.raises(ValueError, match="closed"):
        await user.answer_poll(message.poll.id, [0])
    with pytest.raises(BadRequest, match=r"(?i)already been closed"):
        await echo_app.bot.stop_poll(group.id, message.id)


async def test_block_gives_403_and_my_chat_member(
    emu: BotApiEmulator, drv: Driver, echo_app: App
) -> None:
    user = drv.user(1011)
    await echo_app.bot.send_message(user.id, "before")
    await user.block()
    await eventually(lambda: len(echo_app.bot_data.get("members", [])) == 1)
    update = echo_app.bot_data["members"][0]
    assert isinstance(update.new_chat_member, ChatMemberBanned)
    assert update.new_chat_member.status == "kicked"
    assert update.from_user.id == user.id
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await echo_app.bot.send_message(user.id, "after")
    await user.unblock()
    await echo_app.bot.send_message(user.id, "welcome back")
    assert [m.text for m in user.messages] == ["before", "welcome back"]


async def test_documents_upload_and_download(emu: BotApiEmulator, bot: Bot, drv: Driver) -> None:
    user = drv.user(1012)
    payload = "الاسم,الصوت\nسارة,نعم\n".encode("utf-8-sig")
    sent = await bot.send_document(
        user.id, io.BytesIO(payload), filename="votes.csv", caption="<b>CSV</b>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "votes.csv"
    assert sent.caption == "CSV"
    stored = user.last
    assert stored.document is not None
    assert stored.document.data == payload
    assert stored.document.mime_type == "text/csv"
    assert stored.plain_text == "CSV"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(emu.base_file_url)
    assert bytes(await file.download_as_bytearray()) == payload
    again = await bot.send_document(user.id, sent.document.file_id)  # by file_id
    assert again.document is not None
    assert again.document.file_id == sent.document.file_id
    photo = await bot.send_photo(user.id, io.BytesIO(TINY_PNG))
    assert photo.photo[-1].width == 1
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_commands_per_scope_and_language(bot: Bot) -> None:
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    arabic = [BotCommand("start", "ابدأ")]
    private = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(english)
    assert await bot.set_my_commands(arabic, scope=private, language_code="ar")
    assert await bot.get_my_commands() == tuple(english)
    assert await bot.get_my_commands(scope=private, language_code="ar") == tuple(arabic)
    assert await bot.get_my_commands(scope=private) == ()
    assert await bot.get_my_commands(scope=BotCommandScopeChat(5)) == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "bad")])
    assert await bot.delete_my_commands(scope=private, language_code="ar")
    assert await bot.get_my_commands(scope=private, language_code="ar") == ()


async def test_misc_methods(emu: BotApiEmulator, bot: Bot, drv: Driver) -> None:
    user = drv.user(1013, "Sara", username="sara")
    group = drv.group(-100777, "Group", bot_admin=True)
    assert await bot.set_chat_menu_button(user.id, MenuButtonCommands())
    assert (await bot.get_chat_menu_button(user.id)).type == "commands"
    await user.send("hi")
    assert user.last_message_id is not None
    assert await bot.set_message_reaction(user.id, user.last_message_id, ReactionTypeEmoji("👍"))
    assert await bot.send_chat_action(user.id, "typing")
    chat = await bot.get_chat(group.id)
    assert chat.title == "Group"
    member = await bot.get_chat_member(group.id, user.id)
    assert member.status == "member"
    me = await bot.get_chat_member(group.id, emu.bot["id"])
    assert me.status == "administrator"
    assert await bot.set_my_description("وصف", language_code="ar")
    assert (await bot.get_my_description(language_code="ar")).description == "وصف"
    assert await bot.set_my_short_description("short")
    assert await bot.set_my_name("Shurakum")


async def test_webhook_delivers_with_secret(emu: BotApiEmulator, bot: Bot, drv: Driver) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    failures = [1]  # the first POST fails: the emulator retries

    async def hook(request: web.Request) -> web.Response:
        if failures:
            failures.pop()
            return web.Response(status=500)
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        user = drv.user(1014)
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="s3cr3t-token", drop_pending_updates=True)
        info = await bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        await user.send("via webhook")
        await eventually(lambda: len(received) == 1)
        body, secret = received[0]
        assert secret == "s3cr3t-token"
        update = Update.de_json(body, bot)
        assert update.message is not None
        assert update.message.text == "via webhook"
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message is not None
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        await user.send("polling again")
        assert len(await bot.get_updates()) == 1
    finally:
        await runner.cleanup()


async def test_idle_waits_for_the_bot(emu: BotApiEmulator, drv: Driver, echo_app: App) -> None:
    user = drv.user(1015)
    await user.send_sticker()  # no handler answers stickers
    await drv.idle(timeout=3)
    assert not emu.queue.undelivered
    assert user.messages == []
    await user.send("echo me")
    await drv.idle(timeout=3)
    assert [m.text for m in user.messages] == ["echo me"]
    assert (await user.next_message(timeout=0.05)).text == "echo me"
    with pytest.raises(TimeoutError):
        await user.next_message(timeout=0.05)


async def test_wait_for_sees_edits(bot: Bot, drv: Driver) -> None:
    user = drv.user(1016)
    sent = await bot.send_message(user.id, "counting: 0")

    async def bump() -> None:
        for i in range(1, 4):
            await asyncio.sleep(0.01)
            await bot.edit_message_text(f"counting: {i}", chat_id=user.id, message_id=sent.id)

    task = asyncio.create_task(bump())
    found = await user.wait_for(lambda m: m.text == "counting: 3", timeout=3)
    await task
    assert found.edits == 3


async def test_mounted_as_a_sub_application() -> None:
    emulator = BotApiEmulator()
    host = web.Application()
    host.add_subapp("/tg/", emulator.make_app())
    runner = web.AppRunner(host)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        emulator.root_url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            assert (await bot.get_me()).username == "shurakum_test_bot"
    finally:
        await runner.cleanup()


async def test_groups_and_channels(emu: BotApiEmulator, bot: Bot, drv: Driver) -> None:
    admin = drv.user(1020, "Admin")
    group = drv.group(-1001020, "Session", is_forum=True)
    channel = drv.channel(-1001021, "News", username="shurakum_news")
    await admin.send("/start@shurakum_test_bot", chat=group)
    await channel.post("خبر")
    await group.remove_bot(admin)
    updates = await bot.get_updates()
    command = updates[0].message
    assert command is not None
    assert command.entities[0].length == len("/start@shurakum_test_bot")
    assert updates[1].channel_post is not None
    assert updates[1].channel_post.text == "خبر"
    assert updates[2].my_chat_member is not None
    assert updates[2].my_chat_member.new_chat_member.status == "left"
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(group.id, "hello?")
    await group.add_bot(admin, admin=True)
    await bot.send_message(group.id, "back", message_thread_id=7)
    assert group.last.message_thread_id == 7
    await bot.send_message("@shurakum_news", "by username")
    assert channel.last.text == "by username"
    assert (await bot.get_chat_member(group.id, emu.bot["id"])).status == "administrator"


async def test_forward_and_copy(bot: Bot, drv: Driver) -> None:
    user = drv.user(1030)
    moderators = drv.group(-1001030, "Moderators")
    await user.send("سؤال: متى التصويت؟")
    question_id = user.last_message_id
    assert question_id is not None
    forwarded = await bot.forward_message(moderators.id, user.id, question_id)
    assert forwarded.text == "سؤال: متى التصويت؟"
    assert forwarded.forward_origin is not None
    assert moderators.last.extra["forward_origin"]["sender_user"]["id"] == user.id
    copied = await bot.copy_message(user.id, moderators.id, forwarded.message_id)
    assert user.message(copied.message_id).text == "سؤال: متى التصويت؟"
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(user.id, moderators.id, 999)
