"""The abuse filter: a word list (Arabic and English) matched on normalised words.

A match does not reject anything: the question is held for a moderator's review and never
shown to other viewers until one approves it. `ABUSE_WORDS_FILE` (one word or phrase per
line, `#` for comments) replaces the starter list below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.question_text import normalize

# A deliberately short starter list of insults and obscenities; operators extend it.
STARTER_WORDS = (
    # English
    "idiot",
    "idiots",
    "stupid",
    "moron",
    "morons",
    "imbecile",
    "retard",
    "fuck",
    "fucking",
    "fucker",
    "motherfucker",
    "shit",
    "bullshit",
    "bitch",
    "bastard",
    "asshole",
    "dickhead",
    "scum",
    "whore",
    "slut",
    "cunt",
    "wanker",
    # Arabic (written as normalisation leaves them: ه for ة, ي for ى, ا for أ/إ)
    "غبي",
    "اغبياء",
    "حمار",
    "ابن الكلب",
    "خنزير",
    "حقير",
    "حقراء",
    "تافه",
    "سافل",
    "وسخ",
    "زباله",
    "قذر",
    "منحط",
    "لعنه",
    "يلعن",
    "ملعون",
    "عاهره",
    "شرموط",
    "شرموطه",
    "منيوك",
    "حرامي",
    "حراميه",
    "كذاب",
    "كذابين",
)
# Proclitics glued to Arabic words: و، ف، ب، ل، ال and their combinations.
_PREFIXES = ("وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل")


def _forms(word: str) -> set[str]:
    forms = {word}
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            forms.add(word[len(prefix) :])
    return forms


@dataclass(frozen=True)
class AbuseFilter:
    """Single words match any word of the text (with Arabic proclitics removed); phrases
    match as a run of words."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def from_words(cls, entries: Iterable[str]) -> AbuseFilter:
        words: set[str] = set()
        phrases: list[tuple[str, ...]] = []
        for entry in entries:
            parts = tuple(normalize(entry).split())
            if len(parts) == 1:
                words.add(parts[0])
            elif parts:
                phrases.append(parts)
        return cls(frozenset(words), tuple(phrases))

    @classmethod
    def from_file_text(cls, text: str) -> AbuseFilter:
        lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
        return cls.from_words(line for line in lines if line)

    def matches(self, normalized: str) -> list[str]:
        """The listed words and phrases found in a normalised text."""
        tokens = normalized.split()
        found = [t for t in tokens if _forms(t) & self.words]
        for phrase in self.phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                window = tokens[i : i + size]
                if window[1:] == list(phrase[1:]) and phrase[0] in _forms(window[0]):
                    found.append(" ".join(phrase))
                    break
        return list(dict.fromkeys(found))


STARTER = AbuseFilter.from_words(STARTER_WORDS)
