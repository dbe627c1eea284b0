"""The pure pieces: pseudonyms, CSV formula guard, Excel serials, labels, printable text."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.report_data import Pseudonyms, Spellings, TermCounter, labels, viewer_label
from exports.csv_files import text
from exports.model import TABLES, label_keys
from exports.pdf import chart_safe, printable
from exports.xlsx import excel_serial
from locales import catalog


def test_pseudonyms_are_stable_per_session_and_keyed() -> None:
    one, same, other_key = Pseudonyms("k1"), Pseudonyms("k1"), Pseudonyms("k2")
    assert one.of(1, 5000001) == same.of(1, 5000001)
    assert one.of(1, 5000001) != one.of(2, 5000001)  # not linkable across sessions
    assert one.of(1, 5000001) != other_key.of(1, 5000001)
    assert "5000001" not in one.of(1, 5000001)
    assert viewer_label(one, 1, None) == "anonymous"
    assert viewer_label(one, 1, -42) == "anonymous"  # forgotten (/forget)
    assert viewer_label(one, 1, 7, anonymous=True, name="Sara") == "anonymous"
    assert viewer_label(one, 1, 7, name="Sara") == "Sara"


@pytest.mark.parametrize(
    ("value", "shown"),
    [('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("@a", "'@a"),
     ("-", "'-"), ("ما رأيك؟", "ما رأيك؟"), (None, ""), (3, "3"), (True, "true")],
)  # fmt: skip
def test_csv_cells_never_start_a_formula(value: object, shown: str) -> None:
    assert text(value) == shown  # type: ignore[arg-type]


def test_excel_serial_is_the_wall_clock() -> None:
    moment = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert excel_serial(moment) == pytest.approx(46362.25)
    muscat = moment.astimezone(ZoneInfo("Asia/Muscat"))
    assert excel_serial(muscat) == pytest.approx(46362 + 10 / 24)


def test_every_label_exists_in_both_catalogs() -> None:
    for language in ("ar", "en"):
        singular = catalog(language).singular
        assert [k for k in label_keys() if k not in singular] == [], language
    both = labels()
    for table in TABLES:
        for column in table.columns:
            assert " / " in both.header(column, "Asia/Muscat")
        assert len(table.widths) == len(table.columns), table.name


def test_terms_keep_the_spelling_people_used() -> None:
    counter = TermCounter()
    answers = ["الخدمات الصحية", "تحسين الخدمات الصحية", "الصحة أولا"]
    counter.add(answers)
    top = counter.top(3)
    spellings = Spellings(t for t, _ in top)
    spellings.add(answers)
    spelled = dict(spellings.spell(top))
    assert spelled["الخدمات"] == 2
    assert "الصحة" in spelled  # not the normalised «الصحه»


def test_printable_drops_what_no_font_draws() -> None:
    assert printable("شكرا 👏") == "شكرا"
    assert printable("Plan 2030") == "Plan 2030"
    assert chart_safe("التعليم")
    assert chart_safe("Education")
    assert not chart_safe("التعليم Education")  # one font per chart label
