"""Bot API objects as plain JSON dicts (Message, User, File, ChatMember, ...)."""

from __future__ import annotations

from typing import Any

from .state import ChatState, SentMessage, StoredFile

JSON = dict[str, Any]

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
)


def bot_user_json(bot_id: int, first_name: str, username: str) -> JSON:
    """The bot's own ``User`` as getMe returns it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def user_json(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    is_bot: bool = False,
) -> JSON:
    data: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        data["last_name"] = last_name
    if username is not None:
        data["username"] = username
    if language_code is not None:
        data["language_code"] = language_code
    return data


def photo_json(stored: StoredFile) -> list[JSON]:
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": stored.width,
            "height": stored.height,
        }
    ]


def document_json(stored: StoredFile) -> JSON:
    data: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name is not None:
        data["file_name"] = stored.file_name
    if stored.mime_type is not None:
        data["mime_type"] = stored.mime_type
    return data


def file_json(stored: StoredFile) -> JSON:
    """The ``File`` object getFile returns."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def message_json(
    message: SentMessage, chat: ChatState, bot: JSON, reply_to: JSON | None = None
) -> JSON:
    """The ``Message`` JSON of a message the bot sent, in its current state."""
    data: JSON = {
        "message_id": message.message_id,
        "from": bot,
        "chat": chat.json,
        "date": message.date,
    }
    if message.message_thread_id is not None:
        data["message_thread_id"] = message.message_thread_id
        if chat.json.get("is_forum"):
            data["is_topic_message"] = True
    if reply_to is not None:
        data["reply_to_message"] = reply_to
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    kind = message.kind
    if kind == "text":
        data["text"] = message.plain_text
        if message.entities:
            data["entities"] = message.entities
    else:
        if kind == "poll":
            data["poll"] = message.poll
        elif kind == "document" and message.document is not None:
            data["document"] = document_json(message.document)
        elif kind == "photo" and message.photo is not None:
            data["photo"] = photo_json(message.photo)
        if message.text:
            data["caption"] = message.plain_text
            if message.entities:
                data["caption_entities"] = message.entities
    markup = message.reply_markup
    if markup is not None and "inline_keyboard" in markup:
        data["reply_markup"] = markup
    if message.extra:
        data.update(message.extra)
    return data


def chat_member_json(user: JSON, status: str) -> JSON:
    """A ``ChatMember`` of the given status with the fields PTB requires."""
    data: JSON = {"status": status, "user": user}
    if status == "administrator":
        data["can_be_edited"] = False
        data["is_anonymous"] = False
        for right in ADMIN_RIGHTS:
            data[right] = True
    elif status == "creator":
        data["is_anonymous"] = False
    elif status == "kicked":
        data["until_date"] = 0
    elif status == "restricted":
        data["status"] = "member"
    return data


def chat_full_info_json(chat: ChatState) -> JSON:
    """The ``ChatFullInfo`` getChat returns."""
    data = dict(chat.json)
    data["accent_color_id"] = 0
    data["max_reaction_count"] = 11
    data["accepted_gift_types"] = {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
    return data
