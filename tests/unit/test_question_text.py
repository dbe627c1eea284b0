"""Question text: validation, the Arabic-aware normaliser, near duplicates, the abuse filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.compose import abuse_filter
from bot.settings import load_settings
from domain.abuse import STARTER, AbuseFilter
from domain.errors import DomainError
from domain.question_text import (
    clean,
    language_of,
    near_duplicates,
    normalize,
    similarity,
    validate,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("أين", "اين"),  # hamza on alef
        ("إلى", "الي"),  # hamza below, alef maqsura
        ("آمال", "امال"),  # madda
        ("ٱلخطة", "الخطه"),  # wasla, taa marbuta
        ("مسؤول", "مسوول"),  # hamza on waw
        ("رئيس", "رييس"),  # hamza on yaa
        ("سماء", "سما"),  # lone hamza
        ("مُدَّة", "مده"),  # diacritics
        ("الخطــــة", "الخطه"),  # tatweel
        ("عام ٢٠٢٥", "عام 2025"),  # Arabic-Indic digits
        ("عام ۲۰۲۵", "عام 2025"),  # Persian digits
        ("ما الخطة؟!", "ما الخطه"),  # Arabic punctuation
        ("What, about   THE plan?", "what about the plan"),  # English case and punctuation
        ("a\u200bb\u202ec", "abc"),  # zero-width and bidi controls
    ],
)
def test_normalize_folds_spellings(a: str, b: str) -> None:
    assert normalize(a) == normalize(b) == b


def test_near_duplicates_find_rephrasings() -> None:
    base = normalize("متى سيتم تطبيق الخطة الوطنية الجديدة؟")
    others = [
        (1, normalize("متى سيتم تطبيق الخطّة الوطنيّة الجديدة")),
        (2, normalize("ما هي ميزانية وزارة الصحة لهذا العام؟")),
        (3, normalize("متى سيتم تطبيق الخطه الوطنيه")),
    ]
    assert near_duplicates(base, others) == [1, 3]
    assert similarity(base, base) == 1.0
    assert similarity("", base) == 0.0
    assert similarity(normalize("What is the budget?"), normalize("what is the BUDGET")) == 1.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "question.empty"),
        ("   ", "question.empty"),
        ("\u200b\u200c\u200d\u2066\u2069", "question.empty"),  # zero-width only
        ("x" * 10_000, "question.too_long"),
        ("🙂🙂🙂", "question.no_words"),
        ("?!…", "question.no_words"),
        ("ab", "question.too_short"),
    ],
)
def test_validation_refuses(text: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate(text)
    assert caught.value.key == key


def test_validation_keeps_markup_as_text_and_strips_overrides() -> None:
    assert validate("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert validate("<b>bold?</b> & co") == "<b>bold?</b> & co"
    assert validate("\u202eevil override\u202c") == "evil override"
    assert validate("  سؤال \n عن   الخطة  ") == "سؤال عن الخطة"
    assert clean("a\u200fb") == "ab"
    assert len(validate("س" * 1000)) == 1000


def test_language_of() -> None:
    assert language_of("ما الخطة؟ plan") == "ar"
    assert language_of("What is the plan?") == "en"


def test_abuse_filter_matches_words_phrases_and_proclitics() -> None:
    assert STARTER.matches(normalize("You are an IDIOT!")) == ["idiot"]
    assert STARTER.matches(normalize("يا غبيّ")) == ["غبي"]
    assert STARTER.matches(normalize("والحقير")) == ["والحقير"]
    assert STARTER.matches(normalize("ما رأيكم يا ابن الكلب")) == ["ابن الكلب"]
    assert STARTER.matches(normalize("What is the plan for stupidly high prices?")) == []
    assert STARTER.matches(normalize("متى تبدأ الخطة؟")) == []


def test_abuse_file_replaces_the_starter_list(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# local list\nبطيخ  # a comment\nrotten tomato\n\n", encoding="utf-8")
    custom = abuse_filter(load_settings({"ABUSE_WORDS_FILE": str(words)}))
    assert custom == AbuseFilter.from_words(["بطيخ", "rotten tomato"])
    assert custom.matches(normalize("البطيخ غالي")) == ["البطيخ"]
    assert custom.matches(normalize("a ROTTEN tomato!")) == ["rotten tomato"]
    assert custom.matches(normalize("idiot")) == []
    assert abuse_filter(load_settings({})) is STARTER
