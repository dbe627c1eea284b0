"""Bot API methods that send, edit or delete messages and files."""

from __future__ import annotations

import mimetypes
import time
from typing import TYPE_CHECKING, Any

from aiohttp.web import FileField

from .errors import ApiError, bad_request
from .params import MAX_CAPTION, Params, check_reply_markup, render_text
from .registry import method
from .state import CallbackAnswer, ChatState, SentMessage, StoredFile

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

JSON = dict[str, Any]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def target_chat(emu: BotApiEmulator, p: Params) -> ChatState:
    chat = emu.resolve_chat(p)
    if chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat.bot_status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
    if chat.bot_status == "left":
        raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
    return chat


def _reply_to(emu: BotApiEmulator, chat: ChatState, p: Params) -> int | None:
    reply = p.get_json("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        lenient = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = p.get_int("reply_to_message_id")
        lenient = p.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    if emu.find_message_json(chat, int(message_id)) is None:
        if lenient:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def send_common(emu: BotApiEmulator, chat: ChatState, p: Params, **fields: Any) -> JSON:
    """Common tail of the send methods: reply, flood limits, store, answer the Message."""
    reply_to = _reply_to(emu, chat, p)
    emu.throttle(chat, p.get_bool("allow_paid_broadcast"))
    message = SentMessage(
        message_id=chat.take_message_id(),
        chat_id=chat.id,
        date=int(time.time()),
        reply_to_message_id=reply_to,
        message_thread_id=p.get_int("message_thread_id"),
        **fields,
    )
    emu.deliver(chat, message)
    return emu.message_json(chat, message)


@method("sendMessage")
async def send_message(emu: BotApiEmulator, p: Params) -> JSON:
    chat = target_chat(emu, p)
    text, parse_mode = p.get_str("text"), p.get_str("parse_mode")
    plain, entities = render_text(text, parse_mode, p.get_json("entities"))
    markup = check_reply_markup(p.get_json("reply_markup"))
    return send_common(
        emu,
        chat,
        p,
        text=text,
        parse_mode=parse_mode,
        plain=plain,
        entities=entities,
        reply_markup=markup,
    )


def _upload(emu: BotApiEmulator, p: Params, field: str, folder: str) -> StoredFile:
    value = p.get_file(field)
    if value is None:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(value, FileField):
        data = value.file.read()
        if not data:
            raise bad_request("file must be non-empty")
        mime = value.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(value.filename)[0] or mime
        width = height = 0
        if folder == "photos":
            width, height = _image_size(data)
        return emu.files.add(
            data, folder, file_name=value.filename, mime_type=mime, width=width, height=height
        )
    known = emu.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or None
        return emu.files.add(b"", folder, file_name=name, mime_type=mimetypes.guess_type(value)[0])
    raise bad_request("wrong file identifier/HTTP URL specified")


def _image_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 320, 320


def _send_file(emu: BotApiEmulator, p: Params, field: str, folder: str) -> JSON:
    chat = target_chat(emu, p)
    caption, parse_mode = p.get_str("caption"), p.get_str("parse_mode")
    plain, entities = render_text(
        caption, parse_mode, p.get_json("caption_entities"), limit=MAX_CAPTION, caption=True
    )
    markup = check_reply_markup(p.get_json("reply_markup"))
    stored = _upload(emu, p, field, folder)
    kind = "photo" if folder == "photos" else "document"
    return send_common(
        emu,
        chat,
        p,
        kind=kind,
        text=caption or None,
        parse_mode=parse_mode,
        plain=plain,
        entities=entities,
        reply_markup=markup,
        **{kind: stored},
    )


@method("sendDocument")
async def send_document(emu: BotApiEmulator, p: Params) -> JSON:
    return _send_file(emu, p, "document", "documents")


@method("sendPhoto")
async def send_photo(emu: BotApiEmulator, p: Params) -> JSON:
    return _send_file(emu, p, "photo", "photos")


def _own_message(emu: BotApiEmulator, p: Params, action: str) -> tuple[ChatState, SentMessage]:
    if p.has("inline_message_id"):
        raise bad_request(f"message to {action} not found")
    chat = emu.resolve_chat(p)
    message_id = p.require_int("message_id")
    message = chat.by_id.get(message_id)
    if message is None or message.deleted:
        if message_id in chat.user_messages:
            raise bad_request(f"message can't be {action}ed")
        raise bad_request(f"message to {action} not found")
    return chat, message


def _edited(emu: BotApiEmulator, chat: ChatState, message: SentMessage) -> JSON:
    message.edits += 1
    message.edit_date = int(time.time())
    chat.changed.notify()
    return emu.message_json(chat, message)


@method("editMessageText")
async def edit_message_text(emu: BotApiEmulator, p: Params) -> JSON:
    chat, message = _own_message(emu, p, "edit")
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text, parse_mode = p.get_str("text"), p.get_str("parse_mode")
    plain, entities = render_text(text, parse_mode, p.get_json("entities"))
    markup = check_reply_markup(p.get_json("reply_markup"))
    if (plain, entities, markup) == (message.plain_text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.text)
    message.text, message.parse_mode, message.plain = text, parse_mode, plain
    message.entities, message.reply_markup = entities, markup
    return _edited(emu, chat, message)


@method("editMessageCaption")
async def edit_message_caption(emu: BotApiEmulator, p: Params) -> JSON:
    chat, message = _own_message(emu, p, "edit")
    if message.kind not in ("document", "photo"):
        raise bad_request("there is no caption in the message to edit")
    caption, parse_mode = p.get_str("caption"), p.get_str("parse_mode")
    plain, entities = render_text(
        caption, parse_mode, p.get_json("caption_entities"), limit=MAX_CAPTION, caption=True
    )
    markup = check_reply_markup(p.get_json("reply_markup"))
    if (plain, entities, markup) == (message.plain_text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.text)
    message.text, message.parse_mode, message.plain = caption or None, parse_mode, plain
    message.entities, message.reply_markup = entities, markup
    return _edited(emu, chat, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: BotApiEmulator, p: Params) -> JSON:
    chat, message = _own_message(emu, p, "edit")
    markup = check_reply_markup(p.get_json("reply_markup"))
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _edited(emu, chat, message)


@method("deleteMessage")
async def delete_message(emu: BotApiEmulator, p: Params) -> bool:
    chat = emu.resolve_chat(p)
    message_id = p.require_int("message_id")
    message = chat.by_id.get(message_id)
    if message is not None and not message.deleted:
        message.deleted = True
        chat.changed.notify()
        return True
    if chat.user_messages.pop(message_id, None) is not None:
        return True
    raise bad_request("message to delete not found")


@method("answerCallbackQuery")
async def answer_callback_query(emu: BotApiEmulator, p: Params) -> bool:
    text = p.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        query_id=p.get_str("callback_query_id") or "",
        text=text,
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        cache_time=p.get_int("cache_time") or 0,
    )
    if not emu.callbacks.answer(answer):
        raise bad_request(QUERY_TOO_OLD)
    return True


@method("setMessageReaction")
async def set_message_reaction(emu: BotApiEmulator, p: Params) -> bool:
    chat = emu.resolve_chat(p)
    message_id = p.require_int("message_id")
    if emu.find_message_json(chat, message_id) is None:
        raise bad_request("message to react not found")
    reaction = p.get_json("reaction") or []
    emu.reactions[(chat.id, message_id)] = reaction if isinstance(reaction, list) else []
    return True


@method("pinChatMessage")
async def pin_chat_message(emu: BotApiEmulator, p: Params) -> bool:
    _chat, message = _own_message(emu, p, "pin")
    message.pinned = True
    return True


@method("unpinChatMessage")
async def unpin_chat_message(emu: BotApiEmulator, p: Params) -> bool:
    chat = emu.resolve_chat(p)
    message_id = p.get_int("message_id")
    for message in chat.messages:
        if message_id is None or message.message_id == message_id:
            message.pinned = False
    return True
