"""Fonts installed by the project (`make system-deps`: Debian's fonts-noto-core and
fonts-dejavu-core); nothing is fetched at run time."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/local/share/fonts"))
ARABIC = ("noto/NotoSansArabic-Regular.ttf", "noto/NotoNaskhArabic-Regular.ttf")
ARABIC_BOLD = ("noto/NotoSansArabic-Bold.ttf", "noto/NotoNaskhArabic-Bold.ttf")
LATIN = ("dejavu/DejaVuSans.ttf", "noto/NotoSans-Regular.ttf")
LATIN_BOLD = ("dejavu/DejaVuSans-Bold.ttf", "noto/NotoSans-Bold.ttf")
# The PDF report's Latin text: Noto Sans matches Noto Sans Arabic (DejaVu if it is missing).
SANS = ("noto/NotoSans-Regular.ttf", "dejavu/DejaVuSans.ttf")
SANS_BOLD = ("noto/NotoSans-Bold.ttf", "dejavu/DejaVuSans-Bold.ttf")


class FontMissing(RuntimeError):
    pass


@cache
def font_path(kind: str) -> Path:
    """`arabic`, `arabic-bold`, `latin`, `latin-bold`, `sans` or `sans-bold` → a TrueType
    file on this machine."""
    candidates = {
        "arabic": ARABIC,
        "arabic-bold": ARABIC_BOLD,
        "latin": LATIN,
        "latin-bold": LATIN_BOLD,
        "sans": SANS,
        "sans-bold": SANS_BOLD,
    }[kind]
    for folder in FONT_DIRS:
        for name in candidates:
            path = folder / name
            if path.is_file():
                return path
    raise FontMissing(
        f"no {kind} font found ({', '.join(candidates)}): install Debian's fonts-noto-core "
        "and fonts-dejavu-core (make system-deps)"
    )
