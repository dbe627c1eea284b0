"""Polls: sendPoll, stopPoll and the votes of simulated users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .methods_send import send_common, target_chat
from .params import Params, check_reply_markup
from .registry import method
from .state import SentMessage
from .tg_html import parse_html, utf16_len

if TYPE_CHECKING:
    from .emulator import BotApiEmulator

JSON = dict[str, Any]


def _poll_json(emu: BotApiEmulator, p: Params) -> JSON:
    question = p.get_str("question") or ""
    if (p.get_str("question_parse_mode") or "").lower() == "html":
        question, question_entities = parse_html(question)
    else:
        question_entities = p.get_json("question_entities") or []
    if not question.strip():
        raise bad_request("poll question must be non-empty")
    if utf16_len(question) > 300:
        raise bad_request("poll question length must not exceed 300")
    options = p.get_json("options")
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    texts = [o.get("text") if isinstance(o, dict) else o for o in options]
    if len(texts) < 2:
        raise bad_request("poll must have at least 2 option")
    if len(texts) > 12:
        raise bad_request("poll can't have more than 12 options")
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            raise bad_request("poll options must be non-empty")
        if utf16_len(text) > 100:
            raise bad_request("poll options length must not exceed 100")
    poll_type = p.get_str("type") or "regular"
    if poll_type not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    revoting = p.get_bool("allows_revoting") if p.has("allows_revoting") else poll_type != "quiz"
    poll: JSON = {
        "id": emu.next_poll_id(),
        "question": question,
        "options": [
            {"text": t, "voter_count": 0, "persistent_id": f"opt{i}"} for i, t in enumerate(texts)
        ],
        "total_voter_count": 0,
        "is_closed": p.get_bool("is_closed"),
        "is_anonymous": p.get_bool("is_anonymous") if p.has("is_anonymous") else True,
        "type": poll_type,
        "allows_multiple_answers": p.get_bool("allows_multiple_answers"),
        "allows_revoting": revoting,
        "members_only": p.get_bool("members_only"),
    }
    if question_entities:
        poll["question_entities"] = question_entities
    if poll_type == "quiz":
        correct = p.get_json("correct_option_ids")
        if correct is None and p.has("correct_option_id"):
            correct = [p.get_int("correct_option_id")]
        if not isinstance(correct, list) or not correct:
            raise bad_request("poll must have a correct answer")
        if any(not isinstance(c, int) or not 0 <= c < len(texts) for c in correct):
            raise bad_request("wrong correct option ID specified")
        poll["correct_option_ids"] = correct
        if p.has("explanation"):
            poll["explanation"] = p.get_str("explanation")
    for key in ("open_period", "close_date"):
        if p.has(key):
            poll[key] = p.get_int(key)
    return poll


@method("sendPoll")
async def send_poll(emu: BotApiEmulator, p: Params) -> JSON:
    chat = target_chat(emu, p)
    poll = _poll_json(emu, p)
    markup = check_reply_markup(p.get_json("reply_markup"))
    result = send_common(emu, chat, p, kind="poll", poll=poll, reply_markup=markup)
    emu.polls[poll["id"]] = (chat.id, result["message_id"])
    return result


@method("stopPoll")
async def stop_poll(emu: BotApiEmulator, p: Params) -> JSON:
    chat = emu.resolve_chat(p)
    message = chat.by_id.get(p.require_int("message_id"))
    if message is None or message.deleted or message.poll is None:
        raise bad_request("message with poll to stop not found")
    if message.poll["is_closed"]:
        raise bad_request("poll has already been closed")
    markup = check_reply_markup(p.get_json("reply_markup"))
    message.poll["is_closed"] = True
    if markup is not None:
        message.reply_markup = markup
    chat.changed.notify()
    return message.poll


def snapshot(poll: JSON) -> JSON:
    """A copy of a poll's current state (for a ``poll`` update)."""
    return {**poll, "options": [dict(option) for option in poll["options"]]}


def apply_vote(message: SentMessage, user_id: int, option_ids: Sequence[int]) -> list[int]:
    """Record a user's vote (empty = retract) like Telegram's clients allow; ValueError if not."""
    poll = message.poll
    if poll is None:
        raise ValueError(f"message {message.message_id} has no poll")
    options = poll["options"]
    chosen = list(option_ids)
    if poll["is_closed"]:
        raise ValueError(f"poll {poll['id']} is closed")
    if any(not 0 <= i < len(options) for i in chosen) or len(set(chosen)) != len(chosen):
        raise ValueError(f"bad option ids {chosen} for {len(options)} options")
    if len(chosen) > 1 and not poll["allows_multiple_answers"]:
        raise ValueError("the poll allows one answer only")
    previous = message.poll_votes.get(user_id, [])
    if previous and not poll["allows_revoting"]:
        raise ValueError("the poll does not allow changing a vote")
    for i in previous:
        options[i]["voter_count"] -= 1
    for i in chosen:
        options[i]["voter_count"] += 1
    if chosen:
        message.poll_votes[user_id] = chosen
    else:
        message.poll_votes.pop(user_id, None)
    poll["total_voter_count"] = len(message.poll_votes)
    return chosen
