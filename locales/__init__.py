"""Translations: gettext catalogs (ar, en) read with Babel, looked up by message key.

Keys are stable identifiers (`start.welcome`); the English and Arabic texts live in
`locales/<lang>/LC_MESSAGES/<feature>.po` (one file per feature, merged at load; a key
defined twice is an error). Placeholders use `{name}` syntax. String
parameters are user text by default: HTML-escaped and bidi-isolated (FSI…PDI) so that a
name or a question can neither inject markup nor reorder the sentence around it; wrap our
own markup in `Markup` to insert it as is.
"""

from __future__ import annotations

import gettext
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.pofile import read_po

LANGUAGES = ("ar", "en")
FSI, PDI = "\u2068", "\u2069"
_DIR = Path(__file__).parent


class Markup(str):
    """Text we wrote ourselves (HTML allowed): inserted without escaping or isolation."""

    __slots__ = ()


def isolate(text: str) -> str:
    """Escape user text for HTML parse mode and isolate its direction."""
    return f"{FSI}{html.escape(text, quote=False)}{PDI}"


def plain(text: str) -> str:
    """Rendered HTML → plain text for a terminal or a log: tags, isolates and entities removed."""
    without_tags = re.sub(r"<[^>]+>", "", text)
    return html.unescape(without_tags).replace(FSI, "").replace(PDI, "")


def pick_language(language_code: str | None, default: str) -> str:
    """SPEC §3: `ar*` → Arabic; any other code → English; no code → the configured default."""
    if not language_code:
        return default
    return "ar" if language_code.lower().startswith("ar") else "en"


@dataclass(frozen=True)
class Catalog:
    language: str
    singular: Mapping[str, str]
    plural: Mapping[str, tuple[str, ...]]
    plural_index: Callable[[int], int]


def _load(language: str) -> Catalog:
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    plural_exprs: set[str] = set()
    for path in sorted((_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle, locale=language)
        plural_exprs.add(po.plural_expr)
        for message in po:
            if not message.id:
                continue
            key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
            if key in singular or key in plural:
                raise ValueError(f"{path.name}: key {key!r} is defined twice")
            if isinstance(message.id, tuple):
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                plural[key] = tuple(str(form or "") for form in forms)
            else:
                singular[key] = str(message.string or "")
    if len(plural_exprs) != 1:
        raise ValueError(f"{language}: the .po files disagree on Plural-Forms")
    return Catalog(language, singular, plural, gettext.c2py(plural_exprs.pop()))


@cache
def catalog(language: str) -> Catalog:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    return _load(language)


def _prepare(params: Mapping[str, object]) -> dict[str, object]:
    return {
        key: value if isinstance(value, Markup) or not isinstance(value, str) else isolate(value)
        for key, value in params.items()
    }


@dataclass(frozen=True)
class Translator:
    """Renders message keys in one language; a missing key raises KeyError (tests catch it)."""

    language: str

    @property
    def catalog(self) -> Catalog:
        return catalog(self.language)

    def t(self, key: str, /, **params: object) -> str:
        return self.catalog.singular[key].format(**_prepare(params))

    def tn(self, key: str, count: int, /, **params: object) -> str:
        """A count with the language's plural form (Arabic has six); `{count}` is available."""
        forms = self.catalog.plural[key]
        index = min(self.catalog.plural_index(count), len(forms) - 1)
        return forms[index].format(count=count, **_prepare(params))

    def when(self, moment: datetime, zone: ZoneInfo) -> str:
        """A date and time as people read it here: weekday, day, month, year, 24-hour clock."""
        pattern = "EEEE d MMMM y، HH:mm" if self.language == "ar" else "EEEE d MMMM y, HH:mm"
        return str(format_datetime(moment, pattern, tzinfo=zone, locale=self.language))

    @property
    def direction(self) -> str:
        return "rtl" if self.language == "ar" else "ltr"


def translator(language: str) -> Translator:
    return Translator(language if language in LANGUAGES else "en")
