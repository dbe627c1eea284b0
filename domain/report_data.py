"""Pieces of the exports that are pure: viewer pseudonyms and names, labels, top terms with
the spelling people used, formats and scopes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from domain.errors import DomainError
from domain.moderation import REASONS
from domain.polls import KINDS
from domain.question_text import normalize
from domain.terms import terms
from exports.model import ANONYMOUS, FORMATS, Labels, label_keys
from locales import LANGUAGES, catalog, plain

QUESTION_STATUSES = ("pending", "approved", "rejected", "answered", "merged", "withdrawn")
SESSION_STATUSES = ("draft", "scheduled", "live", "ended")
PSEUDONYM_CACHE = 100_000


@dataclass(frozen=True)
class DateRange:
    """Sessions that start on these days (in TIMEZONE), both included."""

    start: date
    end: date


Scope = int | DateRange


def check_format(fmt: str) -> str:
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise DomainError("export.bad_format", fmt=fmt[:20], formats=", ".join(FORMATS))
    return value


class Pseudonyms:
    """A viewer's stable pseudonym in one session: a short HMAC of (session, viewer) keyed
    with the installation's secret. It says nothing about the Telegram id and differs from
    session to session."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._cache: dict[tuple[int, int], str] = {}

    def of(self, session_id: int, viewer_id: int) -> str:
        cached = self._cache.get((session_id, viewer_id))
        if cached is not None:
            return cached
        message = f"{session_id}:{viewer_id}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        value = "V-" + base64.b32encode(digest[:7]).decode()[:10]
        if len(self._cache) >= PSEUDONYM_CACHE:
            self._cache.clear()
        self._cache[(session_id, viewer_id)] = value
        return value


def display_name(first: str | None, last: str | None, username: str | None) -> str | None:
    name = " ".join(part for part in (first, last) if part)
    if username:
        return f"{name} (@{username})" if name else f"@{username}"
    return name or None


def labels() -> Labels:
    """Every label the renderers use, translated from the catalogs (plain text)."""
    keys = [
        *label_keys(),
        *(f"question.status.{s}" for s in QUESTION_STATUSES),
        *(f"question.reason.{r}" for r in (*REASONS, "other")),
        *(f"session.status.{s}" for s in SESSION_STATUSES),
        *(f"poll.kind.{k}" for k in KINDS),
    ]
    ar, en = (catalog(language).singular for language in LANGUAGES)
    return Labels({key: (plain(ar[key]), plain(en[key])) for key in keys})


class TermCounter:
    """The most frequent terms of open answers (each counted once per answer), as
    domain.terms.top_terms, but fed answer by answer."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.answers = 0

    def add(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.counts.update(set(terms(text)))
            self.answers += 1

    def merge(self, other: TermCounter) -> None:
        self.counts.update(other.counts)
        self.answers += other.answers

    def top(self, limit: int = 10) -> list[tuple[str, int]]:
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


class Spellings:
    """Normalised terms (ة → ه, أ → ا, …) back to the spelling people wrote most often, so a
    report shows «الصحة» rather than «الصحه». Fed until every wanted term has a few samples."""

    SAMPLES = 5
    _STRIP = "«»\"'()[]{}.,،؛;:!?؟…-–—"

    SCAN = 5000  # answers looked at, at most: a rare term keeps its normalised form

    def __init__(self, wanted: Iterable[str]) -> None:
        self._seen: dict[str, Counter[str]] = {term: Counter() for term in wanted}
        self._missing = set(self._seen)
        self._scanned = 0

    @property
    def done(self) -> bool:
        return not self._missing or self._scanned >= self.SCAN

    def add(self, texts: Sequence[str]) -> None:
        for text in texts:
            if self.done:
                return
            self._scanned += 1
            if self._missing.isdisjoint(normalize(text).split()):
                continue
            for word in text.split():
                word = word.strip(self._STRIP)
                key = normalize(word)
                if key in self._seen:
                    self._seen[key][word] += 1
                    if sum(self._seen[key].values()) >= self.SAMPLES:
                        self._missing.discard(key)

    def spell(self, ranked: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
        result = []
        for term, count in ranked:
            forms = self._seen.get(term)
            best = forms.most_common(1)[0][0] if forms else term
            result.append((best, count))
        return tuple(result)


def viewer_label(
    pseudonyms: Pseudonyms,
    session_id: int,
    viewer_id: int | None,
    *,
    anonymous: bool = False,
    name: str | None = None,
) -> str:
    """How an export shows a viewer: "anonymous" (asked anonymously, or forgot us), their
    name (an admin asked for names), else their pseudonym in this session."""
    if anonymous or viewer_id is None or viewer_id < 0:
        return ANONYMOUS
    return name or pseudonyms.of(session_id, viewer_id)
