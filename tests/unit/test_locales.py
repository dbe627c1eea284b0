"""Both catalogs are complete, agree on placeholders, and cover every key the code uses."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from locales import FSI, LANGUAGES, PDI, Markup, catalog, isolate, pick_language, translator

ROOT = Path(__file__).resolve().parents[2]
CODE = ["bot", "handlers", "domain", "web"]
KEY = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> tuple[set[str], set[str]]:
    """Keys passed as literals to t(), tn(), DomainError(); f-string keys by their prefix."""
    singular: set[str] = set()
    plural: set[str] = set()
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                first = node.args[0]
                if name in {"t", "DomainError", "__init__"} and isinstance(first, ast.Constant):
                    if isinstance(first.value, str) and KEY.match(first.value):
                        singular.add(first.value)
                elif name == "tn" and isinstance(first, ast.Constant):
                    plural.add(str(first.value))
    return singular, plural


def test_catalogs_have_the_same_keys() -> None:
    ar, en = catalog("ar"), catalog("en")
    assert set(ar.singular) == set(en.singular)
    assert set(ar.plural) == set(en.plural)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_empty_translation(language: str) -> None:
    cat = catalog(language)
    assert all(text.strip() for text in cat.singular.values())
    for key, forms in cat.plural.items():
        assert len(forms) == (6 if language == "ar" else 2), key
        assert all(form.strip() for form in forms), key


def test_placeholders_agree() -> None:
    ar, en = catalog("ar"), catalog("en")
    for key, text in en.singular.items():
        assert placeholders(ar.singular[key]) == placeholders(text), key
    for key, forms in en.plural.items():
        allowed = set().union(*(placeholders(f) for f in forms))
        arabic = set().union(*(placeholders(f) for f in ar.plural[key]))
        # Arabic may spell out small counts ("two people"), so {count} may be absent there.
        assert arabic - {"count"} == allowed - {"count"}, key
        assert arabic <= allowed, key


def test_every_key_in_code_is_translated() -> None:
    singular, plural = used_keys()
    assert singular, "the scan found no keys: the scanner is broken"
    for language in LANGUAGES:
        cat = catalog(language)
        assert singular - set(cat.singular) == set(), language
        assert plural - set(cat.plural) == set(), language


def test_dynamic_key_families_are_complete() -> None:
    for language in LANGUAGES:
        cat = catalog(language)
        for role in ("viewer", "staff", "moderator", "admin"):
            assert f"role.{role}" in cat.singular
        from handlers.commands import BY_ROLE

        for names in BY_ROLE.values():
            for name in names:
                assert f"cmd.{name}" in cat.singular, (language, name)
                assert len(cat.singular[f"cmd.{name}"]) <= 256


def test_arabic_plural_forms() -> None:
    tr = translator("ar")
    forms = catalog("ar").plural["roles.header"]
    assert [tr.tn("roles.header", n) for n in (0, 1, 2, 3, 11, 100)] == [
        forms[0].format(count=0),
        forms[1].format(count=1),
        forms[2].format(count=2),
        forms[3].format(count=3),
        forms[4].format(count=11),
        forms[5].format(count=100),
    ]
    assert tr.tn("roles.header", 103) == forms[3].format(count=103)
    assert tr.tn("roles.header", 111) == forms[4].format(count=111)


def test_english_plural_forms() -> None:
    tr = translator("en")
    assert "1 person" in tr.tn("roles.header", 1)
    assert "5 people" in tr.tn("roles.header", 5)


def test_user_text_is_escaped_and_isolated() -> None:
    text = translator("en").t("roles.granted", user_id="<script>alert(1)</script>", role="x")
    assert "<script>" not in text
    assert f"{FSI}&lt;script&gt;alert(1)&lt;/script&gt;{PDI}" in text
    assert isolate("a & b") == f"{FSI}a &amp; b{PDI}"
    assert (
        translator("en").t("roles.granted", user_id=Markup("<b>1</b>"), role="x").count("<b>1</b>")
        == 1
    )


def test_language_pick() -> None:
    assert pick_language("ar", "en") == "ar"
    assert pick_language("ar-OM", "en") == "ar"
    assert pick_language("AR", "en") == "ar"
    assert pick_language("en-GB", "ar") == "en"
    assert pick_language("fr", "ar") == "en"
    assert pick_language(None, "ar") == "ar"
    assert pick_language("", "en") == "en"
    assert translator("de").language == "en"


def test_keys_built_at_run_time_exist() -> None:
    """Keys assembled from data (statuses, platforms, kinds, fields) in both languages."""
    from domain.moderation import REASONS
    from domain.polls import KINDS
    from domain.sessions import EDITABLE
    from domain.validation import PLATFORMS
    from domain.wizard import ORDER
    from handlers import question_render

    families = [
        *(f"session.status.{s}" for s in ("draft", "scheduled", "live", "ended")),
        *(f"session.already_{s}" for s in ("scheduled", "live", "ended")),
        *(f"platform.{p}" for p in (*PLATFORMS, "web")),
        *(f"broadcast.kind.{k}" for k in ("golive", "reminder_24h", "reminder_1h", "announce")),
        *(f"broadcast.status.{s}" for s in ("running", "done", "cancelled")),
        *(f"broadcast.{k}" for k in ("golive", "reminder_24h", "reminder_1h", "announce")),
        *(f"edit.prompt.{field}" for field in EDITABLE),
        *(f"edit.{field}" for field in EDITABLE),
        *(f"wizard.{step}" for step in ORDER if step not in ("streams", "confirm")),
        *(f"poll.status.{s}" for s in ("draft", "open", "closed")),
        *(f"poll.kind.{k}" for k in KINDS),
        *(f"poll.already_{s}" for s in ("open", "closed")),
        *(f"question.status.{s}" for s in question_render.STATUS_ICON),
        *(f"question.reason.{r}" for r in (*REASONS, "other")),
        *(f"moderation.done.{a}" for a in ("approve", "answered", "on_screen")),
        *(f"moderation.{a}_prompt" for a in ("merge", "reply")),
        *(f"question.{k}" for k in ("not_found", "other_session")),  # raised as Forged(...)
    ]
    for language in LANGUAGES:
        missing = [key for key in families if key not in catalog(language).singular]
        assert missing == [], language


def test_commands_in_arabic_text_are_isolated_left_to_right() -> None:
    """A bare `/stop` inside an Arabic sentence is shown as `stop/`; wrapped in LRI…PDI it
    keeps its shape (the marks stay outside the command, so Telegram still links it)."""
    bare = re.compile(r"(?<![\w\u2066</])/[a-z_]+")
    for key, text in catalog("ar").singular.items():
        if key.startswith(("web.", "console.", "screen.")):
            continue  # web pages isolate with markup (dir/bdi), not with control characters
        assert not bare.search(text), key
