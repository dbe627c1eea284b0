"""Poll results as a horizontal bar chart (PNG), right to left for Arabic."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from exports.arabic import has_arabic, visual
from exports.fonts import font_path

WIDTH = 1000
ROW = 74
TOP = 150
BOTTOM = 70
BAR = (32, 110, 180)
TRACK = (230, 236, 242)
INK = (20, 28, 38)
MUTED = (95, 105, 120)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int


def _font(text: str, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    kind = ("arabic" if has_arabic(text) else "latin") + ("-bold" if bold else "")
    return ImageFont.truetype(str(font_path(kind)), size, layout_engine=ImageFont.Layout.BASIC)


def _fit(
    text: str, size: int, width: int, *, bold: bool = False
) -> tuple[str, ImageFont.FreeTypeFont]:
    """Shape and order the text, shrinking the type (then cutting) until it fits `width`."""
    rtl = has_arabic(text)
    for step in range(size, 13, -2):
        font = _font(text, step, bold=bold)
        line = visual(text, rtl=True) if rtl else text
        if font.getlength(line) <= width:
            return line, font
    cut = text
    font = _font(text, 14, bold=bold)
    while len(cut) > 1 and font.getlength(visual(cut + "…", rtl=rtl) if rtl else cut + "…") > width:
        cut = cut[:-1]
    return (visual(cut + "…", rtl=True) if rtl else cut + "…"), font


def bar_chart(title: str, bars: Sequence[Bar], footer: str, *, rtl: bool) -> bytes:
    """The chart as PNG bytes: the title on top, one bar per option, a footer line."""
    height = TOP + ROW * max(1, len(bars)) + BOTTOM
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    margin, label_width = 40, 330
    line, font = _fit(title, 34, WIDTH - 2 * margin, bold=True)
    x = WIDTH - margin - font.getlength(line) if rtl else margin
    draw.text((x, 40), line, font=font, fill=INK)
    track_width = WIDTH - 2 * margin - label_width - 20
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        label, label_font = _fit(bar.label, 26, label_width)
        value = f"{bar.percent}% ({bar.count})"
        value_font = _font(value, 22)
        filled = round(track_width * bar.percent / 100)
        if rtl:
            draw.text(
                (WIDTH - margin - label_font.getlength(label), y + 8),
                label,
                font=label_font,
                fill=INK,
            )
            right = WIDTH - margin - label_width - 20
            draw.rectangle((right - track_width, y + 10, right, y + 46), fill=TRACK)
            draw.rectangle((right - filled, y + 10, right, y + 46), fill=BAR)
            draw.text((right - track_width + 8, y + 14), value, font=value_font, fill=MUTED)
        else:
            draw.text((margin, y + 8), label, font=label_font, fill=INK)
            left = margin + label_width + 20
            draw.rectangle((left, y + 10, left + track_width, y + 46), fill=TRACK)
            draw.rectangle((left, y + 10, left + filled, y + 46), fill=BAR)
            value_x = left + track_width - value_font.getlength(value) - 8
            draw.text((value_x, y + 14), value, font=value_font, fill=MUTED)
    line, font = _fit(footer, 22, WIDTH - 2 * margin)
    x = WIDTH - margin - font.getlength(line) if rtl else margin
    draw.text((x, height - BOTTOM + 20), line, font=font, fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
