"""Bot API methods about the bot itself: getMe, updates, webhook, commands, chats."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request
from .objects import chat_full_info_json, chat_member_json, file_json
from .params import Params
from .registry import always_true, method
from .webhook import WebhookSender

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

JSON = dict[str, Any]

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

always_true("close", "logOut", "setMyDefaultAdministratorRights")


@method("getMe")
async def get_me(emu: BotApiEmulator, p: Params) -> JSON:
    return emu.bot


@method("getUpdates")
async def get_updates(emu: BotApiEmulator, p: Params) -> list[JSON]:
    if emu.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    queue = emu.queue
    allowed = p.get_json("allowed_updates")
    if allowed is not None:
        queue.set_allowed(allowed)
    queue.confirm(p.get_int("offset") or 0)
    limit = min(max(p.get_int("limit") or 100, 1), 100)
    timeout = float(p.get_str("timeout") or 0)
    emu.poll_generation += 1
    generation = emu.poll_generation
    if not queue.pending and timeout > 0:
        queue.changed.notify()  # an older long poll ends with a conflict
        deadline = time.monotonic() + timeout
        while not queue.pending and not emu.closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await queue.changed.wait(remaining)
            if emu.poll_generation != generation:
                raise ApiError(409, POLL_CONFLICT)
            if emu.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
    return queue.peek(limit)


@method("setWebhook")
async def set_webhook(emu: BotApiEmulator, p: Params) -> bool:
    url = p.get_str("url") or ""
    if not url:
        return await delete_webhook(emu, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret and not SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.get_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.get_json("allowed_updates")
    if allowed is not None:
        emu.queue.set_allowed(allowed)
    if p.get_bool("drop_pending_updates"):
        emu.queue.drop_all()
    if emu.webhook is not None:
        await emu.webhook.stop()
    emu.webhook = WebhookSender(
        emu.queue, url, secret_token=secret, max_connections=max_connections
    )
    emu.webhook.start()
    emu.queue.changed.notify()  # a waiting getUpdates ends with a conflict
    return True


@method("deleteWebhook")
async def delete_webhook(emu: BotApiEmulator, p: Params) -> bool:
    if emu.webhook is not None:
        await emu.webhook.stop()
        emu.webhook = None
    if p.get_bool("drop_pending_updates"):
        emu.queue.drop_all()
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: BotApiEmulator, p: Params) -> JSON:
    info: JSON = {
        "url": emu.webhook.url if emu.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(emu.queue.pending),
    }
    if emu.webhook is not None:
        info.update(emu.webhook.info())
    if emu.queue.allowed is not None:
        info["allowed_updates"] = sorted(emu.queue.allowed)
    return info


def _command_key(p: Params) -> tuple[str, str]:
    scope = p.get_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    language = p.get_str("language_code") or ""
    if language and not (len(language) == 2 and language.isalpha()):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True, separators=(",", ":")), language


@method("setMyCommands")
async def set_my_commands(emu: BotApiEmulator, p: Params) -> bool:
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    clean: list[JSON] = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = entry.get("command"), entry.get("description")
        if not isinstance(command, str) or not COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description is empty")
        clean.append({"command": command, "description": description})
    key = _command_key(p)
    if clean:
        emu.commands[key] = clean
    else:
        emu.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(emu: BotApiEmulator, p: Params) -> list[JSON]:
    return emu.commands.get(_command_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(emu: BotApiEmulator, p: Params) -> bool:
    emu.commands.pop(_command_key(p), None)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(emu: BotApiEmulator, p: Params) -> bool:
    button = p.get_json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        url = (button.get("web_app") or {}).get("url", "")
        if not button.get("text") or not str(url).startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID")
    if p.has("chat_id"):
        emu.resolve_chat(p).menu_button = button
    else:
        emu.default_menu_button = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(emu: BotApiEmulator, p: Params) -> JSON:
    if p.has("chat_id"):
        return emu.resolve_chat(p).menu_button or emu.default_menu_button
    return emu.default_menu_button


def _describe(kind: str, field: str, limit: int) -> None:
    async def setter(emu: BotApiEmulator, p: Params) -> bool:
        text = p.get_str(field) or ""
        if len(text) > limit:
            raise bad_request(f"{kind} is too long")
        emu.descriptions[(kind, p.get_str("language_code") or "")] = text
        return True

    async def getter(emu: BotApiEmulator, p: Params) -> JSON:
        language = p.get_str("language_code") or ""
        return {field: emu.descriptions.get((kind, language), "")}

    method("setMy" + kind)(setter)
    method("getMy" + kind)(getter)


_describe("Description", "description", 512)
_describe("ShortDescription", "short_description", 120)
_describe("Name", "name", 64)


@method("getChat")
async def get_chat(emu: BotApiEmulator, p: Params) -> JSON:
    return chat_full_info_json(emu.resolve_chat(p))


@method("getChatMember")
async def get_chat_member(emu: BotApiEmulator, p: Params) -> JSON:
    chat = emu.resolve_chat(p)
    user_id = p.require_int("user_id")
    if user_id == emu.bot["id"]:
        return chat_member_json(emu.bot, chat.bot_status)
    user = emu.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.private:
        status = "member" if chat.id == user_id else "left"
    else:
        status = chat.members.get(user_id, "member")
    return chat_member_json(user, status)


@method("getChatAdministrators")
async def get_chat_administrators(emu: BotApiEmulator, p: Params) -> list[JSON]:
    chat = emu.resolve_chat(p)
    admins = [
        chat_member_json(emu.users[uid], status)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator") and uid in emu.users
    ]
    if chat.bot_status == "administrator":
        admins.append(chat_member_json(emu.bot, "administrator"))
    return admins


@method("getChatMemberCount")
async def get_chat_member_count(emu: BotApiEmulator, p: Params) -> int:
    chat = emu.resolve_chat(p)
    if chat.private:
        return 2
    return 1 + sum(1 for s in chat.members.values() if s not in ("left", "kicked"))


@method("leaveChat")
async def leave_chat(emu: BotApiEmulator, p: Params) -> bool:
    emu.resolve_chat(p).bot_status = "left"
    return True


@method("sendChatAction")
async def send_chat_action(emu: BotApiEmulator, p: Params) -> bool:
    chat = emu.resolve_chat(p)
    if chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if p.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@method("getFile")
async def get_file(emu: BotApiEmulator, p: Params) -> JSON:
    stored = emu.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return file_json(stored)
