"""forwardMessage and copyMessage for text messages and the bot's own messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .methods_send import send_common, target_chat
from .params import Params, check_reply_markup, render_text
from .registry import method

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

JSON = dict[str, Any]


def _source(emu: BotApiEmulator, p: Params, action: str) -> JSON:
    """The fields of the source message to reproduce (as SentMessage keyword arguments)."""
    chat = emu.resolve_chat(p, "from_chat_id")
    message_id = p.require_int("message_id")
    sent = chat.by_id.get(message_id)
    if sent is not None and not sent.deleted:
        return {
            "kind": sent.kind,
            "text": sent.text,
            "parse_mode": sent.parse_mode,
            "plain": sent.plain,
            "entities": list(sent.entities),
            "poll": sent.poll,
            "document": sent.document,
            "photo": sent.photo,
            "origin": {"type": "user", "sender_user": emu.bot, "date": sent.date},
        }
    found = chat.user_messages.get(message_id)
    if found is None:
        raise bad_request(f"message to {action} not found")
    if not isinstance(found.get("text"), str):
        raise bad_request(f"the emulator can only {action} text messages of users")
    sender = found.get("from")
    origin: JSON = {"type": "user", "sender_user": sender, "date": found.get("date", 0)}
    if sender is None:
        origin = {"type": "chat", "sender_chat": found.get("chat"), "date": found.get("date", 0)}
    return {
        "kind": "text",
        "text": found["text"],
        "plain": found["text"],
        "entities": list(found.get("entities", [])),
        "origin": origin,
    }


@method("forwardMessage")
async def forward_message(emu: BotApiEmulator, p: Params) -> JSON:
    chat = target_chat(emu, p)
    fields = _source(emu, p, "forward")
    origin = fields.pop("origin")
    return send_common(emu, chat, p, extra={"forward_origin": origin}, **fields)


@method("copyMessage")
async def copy_message(emu: BotApiEmulator, p: Params) -> JSON:
    chat = target_chat(emu, p)
    fields = _source(emu, p, "copy")
    fields.pop("origin")
    if fields["kind"] == "poll":
        raise bad_request("the emulator can't copy polls")
    if p.has("caption") and fields["kind"] != "text":
        caption, parse_mode = p.get_str("caption"), p.get_str("parse_mode")
        plain, entities = render_text(
            caption, parse_mode, p.get_json("caption_entities"), limit=1024, caption=True
        )
        fields.update(text=caption, parse_mode=parse_mode, plain=plain, entities=entities)
    fields["reply_markup"] = check_reply_markup(p.get_json("reply_markup"))
    result = send_common(emu, chat, p, **fields)
    return {"message_id": result["message_id"]}
