"""Public statistics: stats.json worked out by hand, and SVG charts that show the same numbers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from types import SimpleNamespace

import pytest
from audit_fixture import EXPECTED_STATS, FILES, TODAY
from helpers import write_site
from sitecheck import Page, broken_links

from ocop_site.commands.cli import main
from ocop_site.site.stats import bar_chart, compute

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("stats")
    site = write_site(root / "site", FILES, base=False)
    out = root / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY.isoformat(), "--quiet"]) == 0
    return out


def chart(html: str, chart_id: str) -> ET.Element:
    m = re.search(rf'<svg class="chart" id="{chart_id}".*?</svg>', html, re.S)
    assert m, chart_id
    return ET.fromstring(m.group(0))


def bars(svg: ET.Element) -> list[tuple[str, list[int], list[str]]]:
    """(row label, data-value of each bar, the number written beside each bar) of a chart."""
    rows = []
    for row in svg.iter(f"{SVG}g"):
        if row.get("class") != "chart-row":
            continue
        values, shown = [], []
        for bar in row.iter(f"{SVG}g"):
            if bar.get("class") == "chart-bar":
                values.append(int(bar.get("data-value")))
                text = next(t for t in bar.iter(f"{SVG}tspan") if t.get("class") == "chart-value").text
                shown.append(text)
        rows.append((row.get("data-label"), values, shown))
    return rows


def plain(number: str) -> int:
    return int(number.replace(".", "").replace(",", "").replace("\xa0", ""))


def test_stats_json_is_the_hand_worked_numbers(built):
    assert json.loads((built / "stats.json").read_text(encoding="utf-8")) == EXPECTED_STATS
    assert list(json.loads((built / "stats.json").read_text())["by_stars"]) == ["3", "4", "5"]


@pytest.mark.parametrize("rel,lang", [("stats/index.html", "vi"), ("en/stats/index.html", "en")])
def test_charts_show_the_numbers_of_stats_json(built, rel, lang):
    data = json.loads((built / "stats.json").read_text(encoding="utf-8"))
    html = (built / rel).read_text(encoding="utf-8")

    stars = bars(chart(html, "chart-stars"))
    assert [v for _, (v,), _ in stars] == [data["by_stars"][k] for k in ("5", "4", "3")]
    category = bars(chart(html, "chart-category"))
    assert [v for _, (v,), _ in category] == list(data["by_category"].values())
    province = bars(chart(html, "chart-province"))
    assert [(label, v) for label, (v,), _ in province] == list(data["by_province"].items())
    years = bars(chart(html, "chart-years"))
    assert [(label, values) for label, values, _ in years] == \
        [(y, [data["new_by_year"][y], data["renewed_by_year"][y]]) for y in data["new_by_year"]]
    for rows in (stars, category, province, years):
        for _label, values, shown in rows:
            assert [plain(s) for s in shown] == values, "the number is written beside every bar"
    # the same numbers in tables
    page = Page(html)
    assert str(data["valid"]) in page.text and str(data["certified_ever"]) in page.text
    cells = re.findall(r'<td class="num">([\d.,]+)</td>', html)
    assert len(cells) == 3 + 6 + len(data["by_province"]) + 2 * len(data["new_by_year"])


def test_charts_read_without_colour(built):
    svg = chart((built / "stats/index.html").read_text(encoding="utf-8"), "chart-years")
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text
    renewed = [b for b in svg.iter(f"{SVG}g") if b.get("data-series") and b.get("class") == "chart-bar"][1::2]
    assert renewed and all(r.find(f"{SVG}rect").get("fill", "").startswith("url(#") or r.get("data-value") == "0"
                           for r in renewed), "renewed bars are hatched"
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert any(t.startswith("mới: ") for t in texts) and any(t.startswith("công nhận lại: ") for t in texts)


def test_stats_page_is_linked_and_in_the_sitemap(built):
    home = Page((built / "index.html").read_text(encoding="utf-8"))
    assert home.find("a", href="/stats/") and home.find("a", href="/stats.json")
    assert "https://ocop.example.gov.vn/stats/" in (built / "sitemap.xml").read_text()
    assert not [p for p in broken_links(built) if "stats" in p]


def test_bar_chart_escapes_and_formats():
    svg = str(bar_chart("c", "T <b>", [("<script>x</script>", [12345]), ("Không", [0])], "vi"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    tree = ET.fromstring(svg)
    values = [(b.get("data-value"), "".join(b.itertext())) for b in tree.iter(f"{SVG}g") if b.get("class") == "chart-bar"]
    assert values == [("12345", "12.345"), ("0", "0")]


def test_empty_catalog_statistics():
    views = SimpleNamespace(today=date(2026, 1, 1), valid=[], products=[], provinces=[])
    stats = compute(views, 90).as_json()
    assert stats["valid"] == 0 and stats["by_stars"] == {"3": 0, "4": 0, "5": 0}
    assert stats["new_by_year"] == {} == stats["renewed_by_year"] and stats["expiring_soon"] == 0
