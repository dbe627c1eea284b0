"""CI runs the export benchmark once at 1,000 answers: that it works, not its timings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.export import (
    END,
    FORMATS,
    START,
    pandas_available,
    render_section,
    run_benchmark,
    write_section,
)


async def test_export_benchmark_at_1000_answers(tmp_path: Path) -> None:
    pandas = pandas_available()
    report = await run_benchmark(
        [1000], "sqlite", FORMATS, tmp_path / "runs", pandas=pandas, say=lambda _: None
    )
    labels = [m.label for m in report.measures]
    assert labels == [*FORMATS, *(["pandas"] if pandas else [])]
    for measure in report.measures:
        assert measure.seconds > 0
        assert measure.peak_mb > 10
        assert measure.file_mb > 0
    rows = {m.label: m.written for m in report.measures}
    assert rows["xlsx"] == rows["csv"] == rows["json"] > 1000  # answers, questions, moderation
    assert rows["pdf"] == 0  # the report reads aggregates only
    if pandas:
        assert rows["pandas"] == rows["xlsx"]  # the very same rows

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Broadcast (issue 3)\n\nkept\n", encoding="utf-8")
    section = render_section([report], "python -m bench.export --rows 1000", datetime.now(UTC))
    write_section(doc, section)
    write_section(doc, section)
    text = doc.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == 1
    assert "## Broadcast (issue 3)\n\nkept" in text
    assert "### sqlite" in text
    assert "| 1,000 | xlsx |" in text
