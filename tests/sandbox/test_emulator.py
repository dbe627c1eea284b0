"""The Bot API emulation driven by python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, InvalidToken
from telegram.ext import Application

from sandbox import BotApiEmulator, CallbackNotAnswered, Driver
from sandbox.sim import TINY_PNG

App = Application[Any, Any, Any, Any, Any, Any]


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "shurakum_test_bot"
    assert me.id == 123
    assert me.can_join_groups is True


async def test_echo_bot_replies_through_the_driver(
    emu: BotApiEmulator, drv: Driver, echo_app: App
) -> None:
    user = drv.user(1001, "سارة", username="sara", language_code="ar")
    await user.send("مرحبا 👋")
    reply = await user.next_message()
    assert reply.text == "مرحبا 👋"
    assert reply.chat_id == 1001
    assert user.last is reply
    assert user.messages == [reply]
    assert emu.stats.requests["sendMessage"] == 1
    assert emu.stats.delivered[1001] == 1


async def test_command_keyboard_and_press(drv: Driver, echo_app: App) -> None:
    user = drv.user(1002)
    await user.send("/start")
    welcome = await user.next_message()
    command = echo_app.bot_data["updates"][-1].message
    assert command.entities[0].type == "bot_command"
    assert command.entities[0].length == len("/start")
    assert welcome.text == "<b>Welcome</b> &amp; vote"
    assert welcome.plain_text == "Welcome & vote"
    assert welcome.parse_mode == "HTML"
    assert welcome.button_texts() == ["نعم", "No", "Silent", "Site"]
    assert welcome.buttons[0][0]["callback_data"] == "vote:yes"

    answer = await user.press(welcome, "نعم")
    assert answer.text == "got vote:yes"
    assert answer.show_alert is False
    by_data = await user.press(welcome, "vote:no")
    assert by_data.text == "got vote:no"
    assert by_data.show_alert is True
    forged = await user.press_data(welcome.message_id, "forged")
    assert forged.text == "got forged"
    on_missing = await user.press_data(999, "gone")  # an InaccessibleMessage
    assert on_missing.text == "got gone"
    with pytest.raises(CallbackNotAnswered):
        await user.press(welcome, "Silent", timeout=0.3)
    with pytest.raises(ValueError, match="no callback_data"):
        await user.press(welcome, "Site")
    with pytest.raises(LookupError):
        await user.press(welcome, "Nope")


async def test_get_updates_offsets(bot: Bot, drv: Driver) -> None:
    user = drv.user(1003)
    ids = [await user.send(f"m{i}") for i in range(4)]
    assert ids == sorted(ids)
    first = await bot.get_updates()
    assert [u.update_id for u in first] == ids
    assert [u.message.text for u in first if u.message] == ["m0", "m1", "m2", "m3"]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[2:3]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[3:]
    assert await bot.get_updates(offset=ids[3] + 1) == ()
    # confirmed updates are gone for good
    assert await bot.get_updates() == ()


async def test_long_polling_returns_as_soon_as_an_update_arrives(bot: Bot, drv: Driver) -> None:
    user = drv.user(1004)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send("wake up")
    updates = await poll
    assert 0.1 <= time.monotonic() - started < 1.5
    assert updates[0].message is not None
    assert updates[0].message.text == "wake up"
    started = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_allowed_updates_are_remembered(bot: Bot, drv: Driver) -> None:
    user = drv.user(1005)
    reaction = {
        "message_reaction": {
            "chat": {"id": 1005, "type": "private", "first_name": "Test"},
            "message_id": 1,
            "user": user.json,
            "date": 1,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
    }
    await drv.send_raw_update(reaction)  # excluded by default
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=["message_reaction"])
    await user.send("text is filtered now")
    await drv.send_raw_update(reaction)
    kinds = [u.message_reaction is not None for u in await bot.get_updates()]  # setting kept
    assert kinds == [True]


async def test_error_shapes(emu: BotApiEmulator, bot: Bot, drv: Driver) -> None:
    user = drv.user(1006)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "ش" * 4097)
    await bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "😀" * 2049)  # 4098 UTF-16 code units
    for bad_html in ("<b>open", "<foo>x</foo>", "a < b", "a & b", "<b><i>x</b></i>", "x</b>"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(user.id, bad_html, parse_mode="HTML")
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ش" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(user.id, "hi", reply_markup=too_long_data)
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ش" * 32)]])
    await bot.send_message(user.id, "hi", reply_markup=fits)
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="ftp://example.org")]])
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.send_message(user.id, "hi", reply_markup=bad_url)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", chat_id=user.id, message_id=999)
    sent = await bot.send_message(user.id, "same", reply_markup=fits)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.id, reply_markup=fits)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(user.id, "x", reply_to_message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)poll must have at least 2 option"):
        await bot.send_poll(user.id, "Q?", ["only"])
    with pytest.raises(BadRequest, match=r"(?i)poll can't have more than 12 options"):
        await bot.send_poll(user.id, "Q?", [str(i) for i in range(13)])
    with pytest.raises(BadRequest, match=r"(?i)question length"):
        await bot.send_poll(user.id, "ق" * 301, ["a", "b"])
    with pytest.raises(BadRequest, match=r"(?i)options length"):
        await bot.send_poll(user.id, "Q?", ["a", "b" * 101])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("no-such-query")
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=emu.base_url):
            pass
    async with aiohttp.ClientSession() as session:
        url = f"{emu.base_url}{emu.token}/noSuchMethod"
        async with session.post(url, json={}) as response:
            assert response.status == 404
            body = await response.json()
        assert body == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        async with session.get(f"{emu.base_url}{emu.token}/getMe") as response:
            assert (await response.json())["result"]["is_bot"] is True


async def test_edits_deletes_and_the_message_store(bot: Bot, drv: Driver) -> None:
    user = drv.user(1007)
    sent = await bot.send_message(user.id, "<i>one</i>", parse_mode="HTML")
    stored = await user.next_message()
    assert stored.message_id == sent.id
    assert sent.text == "one"
    assert sent.entities[0].type == "italic"
    edited = await bot.edit_message_text(
        "two", chat_id=user.id, message_id=sent.id, reply_markup=InlineKeyboardMarkup([])
    )
    assert isinstance(edited, object)
    assert stored.text == "two"
    assert stored.edits == 1
    assert stored.history == ["<i>one</i>"]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.id, reply_markup=markup)
    assert stored.button_texts() == ["ok"]
    assert stored.edits == 2
    assert await bot.delete_message(user.id, sent.id)
    assert stored.deleted
    assert user.messages == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.id)


async def test_user_edit_reply_and_forward_reach_the_bot(bot: Bot, drv: Driver) -> None:
    user = drv.user(1008)
    friend = drv.user(1009, "Friend")
    await user.send("first")
    first_id = user.last_message_id
    assert first_id is not None
    await user.edit(first_id, "first, edited")
    await user.send("answer", reply_to=first_id, forward_from=friend)
    await user.send_photo(caption="صورة")
    await user.send_voice()
    await user.send_sticker()
    updates = await bot.get_updates()
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "first, edited"
    reply = updates[2].message
    assert reply is not None
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == first_id
    assert reply.forward_origin is not None
    photo = updates[3].message
    assert photo is not None
    assert photo.caption == "صورة"
    photo_file = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == TINY_PNG
    assert updates[4].message is not None
    assert updates[4].message.voice is not None
    assert updates[5].message is not None
    assert updates[5].message.sticker is not None
    await bot.send_message(user.id, "reply to you", reply_to_message_id=first_id)
