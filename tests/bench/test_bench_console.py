"""CI runs the console benchmark once, small: every question reaches every console, and the
report rewrites only its own section (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

from bench.console import END, START, Plan, render_section, run_benchmark, write_section


async def test_console_benchmark_small(tmp_path: Path) -> None:
    plan = Plan(["sqlite"], rates=(20,), seconds=1, consoles=3, drain=60)
    (result,) = await run_benchmark(plan, tmp_path, say=lambda _: None)
    assert result.questions == result.stored == 20
    assert result.missing == 0
    assert len(result.message_ms) == len(result.stored_ms) == 20 * 3
    assert all(ms >= 0 for ms in result.message_ms)

    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\n<!-- bench:broadcast:start -->\nother\n<!-- bench:broadcast:end -->\n"
    )
    section = render_section([result], plan, "python -m bench.console")
    write_section(doc, section)
    write_section(doc, section, "notes\n")
    text = doc.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == 1
    assert "<!-- bench:broadcast:start -->\nother\n<!-- bench:broadcast:end -->" in text
    assert "| sqlite | telegram | 20 | 20 |" in text
    assert "notes" in text
