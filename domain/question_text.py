"""Question text: validation, Arabic-aware normalisation and near-duplicate scoring (pure).

`normalize` folds the spellings Arabic writers use interchangeably, so that two phrasings of
the same question compare equal: alef forms (أ إ آ ٱ → ا), hamza carriers (ؤ → و, ئ → ي,
a lone ء dropped), taa marbuta (ة → ه), alef maqsura (ى → ي), diacritics and Quranic marks,
tatweel, Arabic-Indic and Persian digits (→ 0-9), punctuation and symbols (→ space), and
English case (casefold).
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import DomainError
from domain.validation import INVISIBLE

MIN_LENGTH = 3
MAX_LENGTH = 1000
SIMILAR_THRESHOLD = 0.6

_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": None,
        "ة": "ه",
        "ى": "ي",
        "ـ": None,  # tatweel
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    }
)
# Beyond the session texts' list: soft hyphen, Arabic letter mark, Mongolian vowel separator,
# word joiner and the other invisible operators and deprecated format characters.
_ALSO_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u2060-\u2064\u206a-\u206f]")
# Harakat, superscript alef, Quranic annotation marks.
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")


def _visible(text: str) -> str:
    return _ALSO_INVISIBLE.sub("", INVISIBLE.sub("", text))


def clean(text: str) -> str:
    """What we store: invisible and bidi controls removed, NFC, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", _visible(text)).split())


def validate(text: str) -> str:
    """The cleaned question text, or a DomainError saying what is wrong with it."""
    value = clean(text)
    if not value:
        raise DomainError("question.empty")
    if len(value) > MAX_LENGTH:
        raise DomainError("question.too_long", limit=MAX_LENGTH, length=len(value))
    if not any(ch.isalnum() for ch in value):
        raise DomainError("question.no_words")
    if len(value) < MIN_LENGTH:
        raise DomainError("question.too_short", limit=MIN_LENGTH)
    return value


def _is_separator(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZC"


def normalize(text: str) -> str:
    """The comparison form of a text (see the module docstring)."""
    value = unicodedata.normalize("NFKC", _visible(text)).casefold()
    value = _MARKS.sub("", value).translate(_FOLD)
    return " ".join("".join(" " if _is_separator(ch) else ch for ch in value).split())


def language_of(text: str) -> str:
    """ "ar" if the text has Arabic letters, else "en"."""
    return "ar" if _ARABIC_LETTER.search(text) else "en"


def _shingles(normalized: str) -> set[str]:
    padded = f" {normalized} "
    return {padded[i : i + 3] for i in range(max(1, len(padded) - 2))}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character trigrams of two normalised texts (0…1)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    left, right = _shingles(a), _shingles(b)
    return 2 * len(left & right) / (len(left) + len(right))


def near_duplicates(normalized: str, others: list[tuple[int, str]], *, limit: int = 3) -> list[int]:
    """Ids of the most similar texts above the threshold, best first."""
    scored = [
        (score, qid)
        for qid, other in others
        if (score := similarity(normalized, other)) >= SIMILAR_THRESHOLD
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [qid for _, qid in scored[:limit]]
