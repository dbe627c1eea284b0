"""Telegram's HTML subset: text to (plain text, entities) with offsets in UTF-16 code units."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError

JSON = dict[str, Any]

SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
OTHER_TAGS = frozenset({"a", "span", "tg-emoji"})
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)?((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR_RE = re.compile(r"([a-zA-Z-]+)\s*(?:=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});")
_SPECIAL_RE = re.compile(r"[<&]")
_STRIP_RE = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _fail(text: str, pos: int, reason: str) -> ApiError:
    offset = len(text[:pos].encode("utf-8"))
    return ApiError(400, f"Bad Request: can't parse entities: {reason} at byte offset {offset}")


def _decode_entity(text: str, pos: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(text, pos)
    if match is None:
        raise _fail(text, pos, "Character '&' must be escaped as \"&amp;\"")
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise _fail(text, pos, f'Unsupported HTML entity "&{body};"')
        return chr(code), match.end()
    char = NAMED_ENTITIES.get(body)
    if char is None:
        raise _fail(text, pos, f'Unsupported HTML entity "&{body};"')
    return char, match.end()


def _attrs(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        value = match.group(2) or match.group(3) or match.group(4) or ""
        found[match.group(1).lower()] = unescape(value)
    return found


def _open_entity(text: str, pos: int, name: str, raw_attrs: str) -> JSON:
    attrs = _attrs(raw_attrs) if raw_attrs.strip() else {}
    if name in SIMPLE_TAGS:
        entity: JSON = {"type": SIMPLE_TAGS[name]}
        if name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        if name == "code" and attrs.get("class", "").startswith("language-"):
            entity["language"] = attrs["class"][len("language-") :]
        return entity
    if name == "a":
        href = attrs.get("href", "")
        return {"type": "text_link", "url": href}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _fail(text, pos, 'Tag "span" must have class "tg-spoiler"')
        return {"type": "spoiler"}
    emoji_id = attrs.get("emoji-id")
    if not emoji_id:
        raise _fail(text, pos, 'Tag "tg-emoji" must have attribute "emoji-id"')
    return {"type": "custom_emoji", "custom_emoji_id": emoji_id}


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML; raises ``ApiError`` 400 "can't parse entities" on bad markup."""
    if _SPECIAL_RE.search(text) is None:
        return text, []
    out: list[str] = []
    offset = 0  # UTF-16 units emitted so far
    stack: list[tuple[str, JSON, int, int]] = []  # tag, entity, start offset, text position
    entities: list[JSON] = []
    pos = 0
    size = len(text)
    while pos < size:
        special = _SPECIAL_RE.search(text, pos)
        end = special.start() if special else size
        if end > pos:
            chunk = text[pos:end]
            out.append(chunk)
            offset += utf16_len(chunk)
            pos = end
        if special is None:
            break
        if text[pos] == "&":
            char, pos = _decode_entity(text, pos)
            out.append(char)
            offset += utf16_len(char)
            continue
        match = _TAG_RE.match(text, pos)
        if match is None or match.group(2) is None:
            raise _fail(text, pos, 'Unsupported start tag ""')
        closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if not stack:
                raise _fail(text, pos, f'Unexpected end tag "{name}"')
            tag, entity, start, _ = stack.pop()
            if tag != name:
                raise _fail(text, pos, f'Unmatched end tag, expected "</{tag}>", found "</{name}>"')
            if offset > start:
                entity["offset"] = start
                entity["length"] = offset - start
                entities.append(entity)
        else:
            if name not in SIMPLE_TAGS and name not in OTHER_TAGS:
                raise _fail(text, pos, f'Unsupported start tag "{name}"')
            entity = _open_entity(text, pos, name, raw_attrs)
            if name == "code" and stack and stack[-1][0] == "pre" and "language" in entity:
                stack[-1][1]["language"] = entity.pop("language")
                entity["type"] = "_nested_code"
            stack.append((name, entity, offset, pos))
        pos = match.end()
    if stack:
        tag, _, _, start_pos = stack[-1]
        raise _fail(text, start_pos, f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = [e for e in entities if e["type"] != "_nested_code"]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def unescape(text: str) -> str:
    """Decode the HTML entities Telegram knows; leaves anything unknown as it is."""
    if "&" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        body = match.group(1)
        if body.startswith("#"):
            try:
                code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
                return chr(code)
            except ValueError:
                return match.group(0)
        return NAMED_ENTITIES.get(body, match.group(0))

    return _ENTITY_RE.sub(repl, text)


def strip_tags(text: str) -> str:
    """Lenient plain text of HTML (tags dropped, entities decoded), for display and tests."""
    return unescape(_STRIP_RE.sub("", text))
