"""Arabic for engines that neither shape nor reorder text (Pillow's basic layout, PDFs).

`shape` joins the letters into their contextual presentation forms (initial, medial, final,
isolated, and the lam-alef ligatures); `visual` then lays a line out in display order
(right to left runs reversed, numbers and Latin words kept left to right), as the Unicode
bidirectional algorithm does.
"""

from __future__ import annotations

import arabic_reshaper
from bidi import get_display

_RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": False, "support_ligatures": True}
)


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text)


def shape(text: str) -> str:
    """Logical-order Arabic → the same text in joined presentation forms (still logical)."""
    return str(_RESHAPER.reshape(text))


def visual(text: str, *, rtl: bool | None = None) -> str:
    """One line in display order, shaped; `rtl` forces the paragraph direction."""
    base = None if rtl is None else ("R" if rtl else "L")
    return str(get_display(shape(text), base_dir=base)) if base else str(get_display(shape(text)))
