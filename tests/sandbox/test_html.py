"""Telegram's HTML subset: entities in UTF-16 code units and the parse errors."""

from __future__ import annotations

import pytest

from sandbox import ApiError
from sandbox.tg_html import parse_html, strip_tags, utf16_len


def test_plain_text_passes_through() -> None:
    assert parse_html("no markup here") == ("no markup here", [])


def test_entities_count_utf16_units() -> None:
    plain, entities = parse_html("😀 <b>مرحبا</b> &lt;<i>x</i>&gt; &#1587;")
    assert plain == "😀 مرحبا <x> س"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 5},
        {"type": "italic", "offset": 10, "length": 1},
    ]
    assert utf16_len("😀") == 2


def test_links_spoilers_code_and_quotes() -> None:
    text = (
        '<a href="https://example.org/?a=1&amp;b=2">link</a> '
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> '
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    plain, entities = parse_html(text)
    assert plain == "link st x = 1q👍"
    kinds = {e["type"]: e for e in entities}
    assert kinds["text_link"]["url"] == "https://example.org/?a=1&b=2"
    assert kinds["pre"]["language"] == "python"
    assert "code" not in kinds
    assert kinds["expandable_blockquote"]["length"] == 1
    assert kinds["custom_emoji"]["custom_emoji_id"] == "5368324170671202286"
    assert [e["type"] for e in entities].count("spoiler") == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>bold", "Can't find end tag"),
        ("x</b>", "Unexpected end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("a < b", 'Unsupported start tag ""'),
        ("fish & chips", "Character '&'"),
        ("&nbsp;", "Unsupported HTML entity"),
        ("<span>x</span>", "tg-spoiler"),
    ],
)
def test_bad_markup_is_rejected(text: str, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(text)
    assert caught.value.code == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert reason in caught.value.description


def test_strip_tags_is_lenient() -> None:
    assert strip_tags("<b>a</b> &amp; <x>b") == "a & b"
