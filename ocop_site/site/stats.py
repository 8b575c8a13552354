"""Public statistics (``/stats/``, ``/stats.json``) and their charts, drawn as static SVG at build time.

The numbers are computed once per build from the default language's views
(one pass over the products); the charts are plain SVG with the value written
next to every bar, patterns rather than colours to tell series apart, and the
same numbers in a table beside them, so they read in print, in grey and with
a screen reader. No chart library, no script.

Definitions (also in docs/site.md):

* ``valid``, ``by_stars``, ``by_category``, ``by_province`` — products valid on
  the build day, as in the listings (provinces in Vietnamese order).
* ``certified_ever`` — products with any certification issued on or before the
  build day (valid, expired or revoked: every product that has a page).
* ``new_by_year`` / ``renewed_by_year`` — certifications issued on or before the
  build day, by year of issue: "new" when it is the product's first (earliest
  ``issued``; on a tie, the first written), "renewed" otherwise (re-ratings and
  upgrades). Every year from the first to the last with a certification is
  listed, with zeros, in both.
* ``expiring_soon`` — valid products with the ``expiring`` audit finding.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from ..records.audit import is_expiring
from ..records.schema import CATEGORIES


@dataclass(frozen=True)
class Stats:
    as_of: date
    valid: int
    by_stars: dict[str, int]
    by_category: dict[str, int]
    by_province: dict[str, int]
    certified_ever: int
    new_by_year: dict[str, int]
    renewed_by_year: dict[str, int]
    expiring_soon: int
    expiring_soon_days: int

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "valid": self.valid, "by_stars": self.by_stars,
            "by_category": self.by_category, "by_province": self.by_province,
            "certified_ever": self.certified_ever, "new_by_year": self.new_by_year,
            "renewed_by_year": self.renewed_by_year, "expiring_soon": self.expiring_soon,
        }


def compute(views, expiring_soon_days: int) -> Stats:
    """Statistics of the site from the default language's views (``views.products``: every product with a page)."""
    today = views.today
    valid = views.valid
    by_stars = {str(n): 0 for n in (3, 4, 5)}
    by_category = dict.fromkeys(CATEGORIES, 0)
    for v in valid:
        by_stars[str(v.stars)] += 1
        by_category[v.category] += 1
    by_province = {f.label: f.count for f in views.provinces}
    new: dict[int, int] = {}
    renewed: dict[int, int] = {}
    expiring = 0
    for v in views.products:
        issued = sorted(((c.issued, i) for i, c in enumerate(v.record.certifications) if c.issued <= today))
        for n, (day, _i) in enumerate(issued):
            counter = new if n == 0 else renewed
            counter[day.year] = counter.get(day.year, 0) + 1
        if is_expiring(v.record, v.standing, today, expiring_soon_days):
            expiring += 1
    years = sorted(set(new) | set(renewed))
    span = range(years[0], years[-1] + 1) if years else range(0)
    return Stats(
        as_of=today, valid=len(valid), by_stars=by_stars, by_category=by_category, by_province=by_province,
        certified_ever=sum(1 for v in views.products if v.standing.last is not None),
        new_by_year={str(y): new.get(y, 0) for y in span},
        renewed_by_year={str(y): renewed.get(y, 0) for y in span},
        expiring_soon=expiring, expiring_soon_days=expiring_soon_days,
    )


def stats_json(stats: Stats) -> bytes:
    return (json.dumps(stats.as_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# --- charts ---------------------------------------------------------------------------------

WIDTH = 340            # viewBox width: about one CSS pixel per unit on a phone
LEFT = 2
FONT = 14
BAR_HEIGHT = 18
LABEL_HEIGHT = 20
ROW_GAP = 10
MAX_LABEL = 46         # characters; longer labels are shortened (the table has them whole)
FILLS = ("#0f4c3a", "url(#{id}-hatch)")


def _text_width(text: str) -> float:
    """A generous estimate of the width of ``text`` in the chart's font (no font metrics at build time)."""
    return len(text) * FONT * 0.62


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[int]]], lang: str,
              series: Sequence[str] = (), description: Optional[str] = None) -> Markup:
    """A horizontal bar chart: one row per (label, values), one bar per series value.

    Every bar carries ``data-value`` and its number as text; with two series the
    second is hatched and each number is preceded by the series' name, so the
    chart reads without colour and without the legend.
    """
    peak = max((v for _label, values in rows for v in values), default=0) or 1
    n_series = max((len(values) for _label, values in rows), default=1)

    def value_text(s: int, value: int) -> tuple[str, str]:
        name = series[s] if s < len(series) and n_series > 1 else ""
        return (f"{name}: " if name else ""), format_decimal(value, locale=lang)

    widest = max((_text_width("".join(value_text(s, v))) for _l, values in rows for s, v in enumerate(values)),
                 default=0)
    bar_space = max(60, WIDTH - LEFT - 8 - widest)
    row_height = LABEL_HEIGHT + n_series * (BAR_HEIGHT + 4) + ROW_GAP
    height = max(1, len(rows)) * row_height
    out = [f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
           f'aria-labelledby="{escape(chart_id)}-title{f" {escape(chart_id)}-desc" if description else ""}" '
           f'font-size="{FONT}">',
           f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    if description:
        out.append(f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>')
    if n_series > 1:
        out.append(f'<defs><pattern id="{escape(chart_id)}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
                   'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
                   '<rect width="3" height="6" fill="#0f4c3a"/></pattern></defs>')
    for r, (label, values) in enumerate(rows):
        top = r * row_height
        out.append(f'<g class="chart-row" data-label="{escape(label)}">')
        out.append(f'<text class="chart-label" x="{LEFT}" y="{top + 15}" fill="#1b1f1d">{escape(_short(label))}</text>')
        for s, value in enumerate(values):
            y = top + LABEL_HEIGHT + s * (BAR_HEIGHT + 4)
            width = round(bar_space * value / peak, 1)
            name = series[s] if s < len(series) else ""
            fill = FILLS[s % 2].format(id=escape(chart_id))
            tag = f' data-series="{escape(name)}"' if name else ""
            out.append(f'<g class="chart-bar" data-value="{value}"{tag}>')
            if value:
                out.append(f'<rect x="{LEFT}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{fill}" '
                           'stroke="#0f4c3a" stroke-width="1"/>')
            else:
                out.append(f'<rect x="{LEFT}" y="{y}" width="1" height="{BAR_HEIGHT}" fill="#0f4c3a"/>')
            prefix, number = value_text(s, value)
            out.append(f'<text x="{round(LEFT + max(width, 1) + 6, 1)}" y="{y + 14}" fill="#1b1f1d">{escape(prefix)}'
                       f'<tspan class="chart-value" font-weight="700">{escape(number)}</tspan></text>')
            out.append('</g>')
        out.append('</g>')
    out.append('</svg>')
    return Markup("".join(out))


@dataclass(frozen=True)
class StatsView:
    """What the stats page template sees: the numbers and chart drawing in its language."""

    data: Stats
    lang: str

    def chart(self, chart_id: str, title: str, values: Mapping[str, Any], labels: Optional[Mapping] = None,
              series: Sequence[str] = (), description: Optional[str] = None) -> Markup:
        """``values``: key → number, or key → [numbers] (one per series); ``labels``: key → shown label."""
        rows = []
        for key, value in values.items():
            label = labels[key] if labels is not None and key in labels else key
            label = label.unescape() if isinstance(label, Markup) else str(label)
            rows.append((label, list(value) if isinstance(value, (list, tuple)) else [value]))
        plain = lambda t: t.unescape() if isinstance(t, Markup) else (None if t is None else str(t))  # noqa: E731
        return bar_chart(chart_id, plain(title), rows, self.lang, [plain(s) for s in series], plain(description))

    def by_year(self) -> dict[str, list[int]]:
        """Year → [new, renewed]."""
        return {y: [self.data.new_by_year[y], self.data.renewed_by_year[y]] for y in self.data.new_by_year}
