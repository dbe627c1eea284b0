"""The results chart: a real PNG of the right size, with Arabic shaped right to left."""

from __future__ import annotations

import io

from PIL import Image

from exports.arabic import has_arabic, shape, visual
from exports.chart import ROW, TOP, WIDTH, Bar, bar_chart


def test_shape_joins_letters_into_presentation_forms() -> None:
    # سلام: seen initial, lam-alef ligature (final form), meem isolated (alef does not join on).
    assert shape("سلام") == "\ufeb3\ufefc\ufee1"
    # شوركم: sheen initial, waw final, reh isolated, kaf initial, meem final.
    assert shape("شوركم") == "\ufeb7\ufeee\ufead\ufedb\ufee2"
    assert shape("Plan 2030") == "Plan 2030"


def test_visual_order_is_right_to_left_with_numbers_kept() -> None:
    line = visual("خطة 2030")
    assert line.startswith("2030")  # on screen the number comes first (leftmost)...
    assert line.endswith("\ufea7")  # ...and the initial khah of خطة is the rightmost glyph
    assert has_arabic("خطة")
    assert not has_arabic("plan")


def test_bar_chart_is_a_png_of_the_expected_size() -> None:
    bars = [Bar("ممتازة", 12, 60), Bar("جيدة", 6, 30), Bar("Needs work", 2, 10)]
    data = bar_chart("ما رأيك في الخطة؟", bars, "20 صوتًا", rtl=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (WIDTH, TOP + ROW * 3 + 70)
    # The longest bar (60 %) is drawn from the right edge of the track for Arabic.
    pixels = image.convert("RGB")
    y = TOP + 28
    right_edge = WIDTH - 40 - 330 - 20
    assert pixels.getpixel((right_edge - 5, y)) == (32, 110, 180)
    assert pixels.getpixel((60, y)) != (32, 110, 180)


def test_english_chart_runs_left_to_right() -> None:
    data = bar_chart("Plan?", [Bar("Yes", 3, 75), Bar("No", 1, 25)], "4 votes", rtl=False)
    pixels = Image.open(io.BytesIO(data)).convert("RGB")
    left = 40 + 330 + 20
    assert pixels.getpixel((left + 5, TOP + 28)) == (32, 110, 180)
