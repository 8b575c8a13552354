"""Text measurement for the status badge (``p/<CODE>/badge.svg``, theme template ``badge.svg``).

A badge is an SVG image shown on other people's sites, so its width must be
known when it is written: the text is real SVG text (searchable, read by
screen readers through the ``<title>``), set in a fallback font stack that
starts with Be Vietnam Pro. Widths are measured with Pillow in the bundled Be
Vietnam Pro (``fontpkg-be-vietnam-pro``, the share cards' font), whose
precomposed Vietnamese letters need no shaping. The template also gives each
text its measured length as ``textLength``, so a visitor's fallback font is
squeezed or stretched to the same width instead of running past the edge.
"""

from __future__ import annotations

from functools import lru_cache

from ..media.sharecard import _font as card_font

#: A 5-pointed star of outer radius 1 centred on (0, 0), one point up: ``transform`` scales and places it.
STAR_POINTS = " ".join(
    f"{x:.3f},{y:.3f}" for x, y in (
        (0.0, -1.0), (0.225, -0.309), (0.951, -0.309), (0.363, 0.118), (0.588, 0.809),
        (0.0, 0.382), (-0.588, 0.809), (-0.363, 0.118), (-0.951, -0.309), (-0.225, -0.309)))


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of ``text`` set at ``size`` px in Be Vietnam Pro, rounded up to a tenth (measured
    at 100 px with the share cards' fonts and scaled: widths are proportional to the size)."""
    width = card_font("Bold" if bold else "Regular", 100).getlength(text) * size / 100
    return -(-round(width * 10, 6) // 1) / 10
