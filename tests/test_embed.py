"""Carrying the catalog to other sites: status badges, framable product lists, per-sales-point JSON,
and the page that explains them (SPEC §6)."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import PRODUCT, write_site

from ocop_site.commands.cli import main
from ocop_site.site.badge import text_width

TODAY = "2026-11-30"
SVG = "{http://www.w3.org/2000/svg}"


def product(code: str, cert: str, name: str = "Mật ong bạc hà") -> str:
    """PRODUCT with its one certification replaced by ``cert`` (YAML lines under certifications:)."""
    head, _, tail = PRODUCT.format(code=code).partition("certifications:\n")
    tail = tail[tail.index("sales_points:"):]
    return head.replace("name: Mật ong bạc hà", f"name: {name}") + "certifications:\n" + cert + tail


def cert(issued: str, stars: int = 4, extra: str = "") -> str:
    return (f"  - decision: 1/QĐ-UBND\n    issued: {issued}\n    issuer: UBND tỉnh Hà Giang\n    level: province\n"
            f"    stars: {stars}\n" + extra)


PRODUCTS = {
    "V-1": cert("2024-05-13", 4),                                        # valid until 12/05/2027
    "L-1": cert("2023-12-01", 5),                                        # valid until today, its last day
    "E-1": cert("2023-11-30", 3),                                        # ended yesterday: expired today
    "R-1": cert("2024-01-10", 4, "    revoked: {date: 2026-11-30, decision: 9/QĐ-UBND, reason: Vi phạm}\n"),
    "R-2": cert("2024-01-10", 3, "    revoked: {date: 2026-12-01, decision: 9/QĐ-UBND}\n"),   # revoked tomorrow: valid
    "P-1": cert("2026-12-01", 4),                                        # pending: no page, no badge
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    files = {f"products/{code}.yaml": product(code, c, f"Sản phẩm {code} đặc sản Hà Giang") for code, c in PRODUCTS.items()}
    files["products/QN-2023-0042.yaml"] = None
    files["content/sales-points/cho-xa.md"] = ("---\nname: Chợ xã Pả Vi\nkind: market\naddress: Pả Vi\n"
                                               "coordinates: {lat: 23.2, lon: 105.4}\n---\n")
    write_site(root, files)
    (root / "products" / "QN-2023-0042.yaml").unlink(missing_ok=True)
    target = root / "public"
    assert main(["build", "--source", str(root), "--output", str(target), "--today", TODAY, "--quiet"]) == 0
    return target


def badge(out: Path, code: str, lang: str = "") -> ET.Element:
    return ET.fromstring((out / lang / "p" / code / "badge.svg").read_bytes())


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(SVG + "text")]


def stars(svg: ET.Element) -> int:
    return sum(1 for p in svg.iter(SVG + "polygon") if p.get("class") == "star")


@pytest.mark.parametrize(("code", "n", "until"), [("V-1", 4, "12/05/2027"), ("L-1", 5, "30/11/2026"),
                                                  ("R-2", 3, "09/01/2027")])
def test_a_valid_products_badge_shows_its_stars_and_valid_until(out, code, n, until):
    svg = badge(out, code)
    assert svg.get("data-ocop-status") == "valid"
    assert stars(svg) == n
    assert f"OCOP {n} sao" in texts(svg)
    assert f"hiệu lực đến {until}" in texts(svg)
    title = svg.find(SVG + "title").text
    assert title.startswith(f"Sản phẩm {code} đặc sản Hà Giang: OCOP {n} sao, hiệu lực đến {until}")
    assert "Test OCOP" in texts(svg)   # the site's name


@pytest.mark.parametrize(("code", "status", "wording", "since"), [
    ("E-1", "expired", "Đã hết hiệu lực", "từ ngày 30/11/2026"),
    ("R-1", "revoked", "Đã bị thu hồi", "từ ngày 30/11/2026")])
def test_an_ended_products_badge_says_so_without_stars(out, code, status, wording, since):
    raw = (out / "p" / code / "badge.svg").read_text(encoding="utf-8")
    svg = ET.fromstring(raw)
    assert svg.get("data-ocop-status") == status
    assert stars(svg) == 0 and "★" not in raw and "sao" not in raw
    assert wording in texts(svg) and since in texts(svg)
    assert wording in svg.find(SVG + "title").text


def test_english_badges_under_en_and_none_for_pending_products(out):
    svg = badge(out, "V-1", "en")
    assert "OCOP 4 stars" in texts(svg) and "valid until 12 May 2027" in texts(svg)
    assert "No longer valid" in texts(badge(out, "E-1", "en")) and "Revoked" in texts(badge(out, "R-1", "en"))
    assert not (out / "p" / "P-1").exists()


@pytest.mark.parametrize("code", ["V-1", "L-1", "E-1", "R-1"])
def test_badge_text_fits_its_width(out, code):
    """Every text ends inside the badge at its measured width, which a fallback font is held to."""
    svg = badge(out, code)
    width = float(svg.get("width"))
    assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"
    for t in svg.iter(SVG + "text"):
        size, bold = float(t.get("font-size")), t.get("font-weight") == "700"
        assert float(t.get("textLength")) >= text_width(t.text, size, bold) - 0.05
        assert t.get("lengthAdjust") == "spacingAndGlyphs"
        start = float(t.get("x")) - (float(t.get("textLength")) / 2 if t.get("text-anchor") == "middle" else 0)
        assert start >= 0 and start + float(t.get("textLength")) <= width - 8, t.text
    assert svg.find(SVG + "g").get("font-family").endswith("sans-serif")


def test_embeds_list_only_valid_products_with_links_to_the_top_window(out):
    for lang in ("", "en"):
        for path in ("sales-points/diem-meo-vac/embed/index.html", "producers/htx-mat-ong/embed/index.html"):
            html = (out / lang / path).read_text(encoding="utf-8")
            listed = set(re.findall(r'href="https://ocop\.example\.gov\.vn/(?:en/)?p/([^/]+)/"', html))
            until = {code: day for day, code in re.findall(r'<li data-valid-until="([\d-]+)">.*?/p/([^/]+)/"', html, re.S)}
            assert until == {"V-1": "2027-05-12", "L-1": "2026-11-30", "R-2": "2027-01-09"}, "the stale guard's dates"
            assert listed == {"V-1", "L-1", "R-2"}, path
            links = re.findall(r"<a [^>]*>", html)
            assert links and all('target="_top"' in a for a in links)
            scripts = re.findall(r"<script[^>]*>", html)
            assert len(scripts) == 1 and re.fullmatch(r'<script src="/static/js/embed-guard\.js\?v=\w+" defer>', scripts[0])
            assert "X-Frame-Options" not in html and "data-map" not in html
            assert '<meta name="robots" content="noindex">' in html


def test_embeds_are_light(out):
    html = (out / "sales-points/diem-meo-vac/embed/index.html").read_bytes()
    css_url = re.search(rb'href="/(static/css/embed\.css)\?v=\w+"', html).group(1).decode()
    js_url = re.search(rb'src="/(static/js/embed-guard\.js)\?v=\w+"', html).group(1).decode()
    weight = sum(len(gzip.compress(data)) for data in (html, (out / css_url).read_bytes(), (out / js_url).read_bytes()))
    assert weight <= 15 * 1024


def test_embed_of_a_sales_point_with_no_valid_product(out):
    html = (out / "sales-points/cho-xa/embed/index.html").read_text(encoding="utf-8")
    assert "Chưa có sản phẩm nào" in html and "/p/" not in html


def test_products_json_has_the_catalog_rows_of_the_valid_products_sold_there(out):
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    data = json.loads((out / "sales-points/diem-meo-vac/products.json").read_text(encoding="utf-8"))
    assert data["as_of"] == TODAY
    assert data["sales_point"] == {"slug": "diem-meo-vac", "name": "Điểm OCOP Mèo Vạc",
                                   "url": "https://ocop.example.gov.vn/sales-points/diem-meo-vac/"}
    assert data["products"] == [row for row in catalog["products"] if row["code"] in {"V-1", "L-1", "R-2"}]
    assert [r["code"] for r in data["products"]] == ["L-1", "R-2", "V-1"]
    empty = json.loads((out / "sales-points/cho-xa/products.json").read_text(encoding="utf-8"))
    assert empty["products"] == []


def test_pages_offer_the_snippets(out):
    page = (out / "p/V-1/index.html").read_text(encoding="utf-8")
    assert ("&lt;a href=&#34;https://ocop.example.gov.vn/p/V-1/&#34;&gt;&lt;img src=&#34;"
            "https://ocop.example.gov.vn/p/V-1/badge.svg&#34;") in page
    assert 'src="/p/V-1/badge.svg"' in page
    assert "en/p/V-1/badge.svg" in (out / "en/p/V-1/index.html").read_text(encoding="utf-8")
    assert "badge.svg" not in (out / "p/E-1/index.html").read_text(encoding="utf-8")
    point = (out / "sales-points/diem-meo-vac/index.html").read_text(encoding="utf-8")
    assert "&lt;iframe src=&#34;https://ocop.example.gov.vn/sales-points/diem-meo-vac/embed/&#34;" in point
    assert 'href="/sales-points/diem-meo-vac/products.json"' in point
    producer = (out / "producers/htx-mat-ong/index.html").read_text(encoding="utf-8")
    assert "&lt;iframe src=&#34;https://ocop.example.gov.vn/producers/htx-mat-ong/embed/&#34;" in producer


def test_embedding_help_in_both_languages_with_live_examples(out):
    vi = (out / "nhung-trang/index.html").read_text(encoding="utf-8")
    en = (out / "en/nhung-trang/index.html").read_text(encoding="utf-8")
    assert "Nhúng sản phẩm OCOP vào trang web của bạn" in vi and "Show OCOP products on your website" in en
    assert 'src="/p/L-1/badge.svg"' in vi and 'src="/en/p/L-1/badge.svg"' in en   # the lowest code, live
    assert '<iframe class="embed-example" src="/sales-points/diem-meo-vac/embed/"' in vi
    assert 'href="/sales-points/diem-meo-vac/products.json"' in vi
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://ocop.example.gov.vn/nhung-trang/" in sitemap and "/embed/" not in sitemap
    assert "badge.svg" not in sitemap


def test_a_site_template_error_in_the_badge_names_its_file(tmp_path, capsys):
    root = write_site(tmp_path / "site", {"templates/badge.svg": "<svg>\n{{ product.nope }}\n</svg>\n"})
    assert main(["build", "--source", str(root), "--output", str(tmp_path / "out"), "--today", TODAY]) == 1
    assert "templates/badge.svg:2:1: error: template error" in capsys.readouterr().err


def test_sales_points_and_producers_have_share_cards(out):
    from PIL import Image
    for path in ("sales-points/diem-meo-vac/", "producers/htx-mat-ong/", "en/sales-points/diem-meo-vac/"):
        html = (out / path / "index.html").read_text(encoding="utf-8")
        image = re.search(r'<meta property="og:image" content="https://ocop\.example\.gov\.vn/([^"]+)">', html).group(1)
        assert re.fullmatch(r"(sales-points/diem-meo-vac|producers/htx-mat-ong)/share-[0-9a-f]{10}\.jpg", image)
        with Image.open(out / image) as card:
            assert card.size == (1200, 630) and card.format == "JPEG"
        assert '<meta property="og:image:width" content="1200">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html
    point = (out / "sales-points/diem-meo-vac/index.html").read_text(encoding="utf-8")
    assert '<meta property="og:description" content="Thị trấn Mèo Vạc">' in point
    # a sales point with no valid product gets no card (a card advertises valid products)
    assert "og:image" not in (out / "sales-points/cho-xa/index.html").read_text(encoding="utf-8")
    assert not list((out / "sales-points/cho-xa").glob("share-*.jpg"))


def test_a_long_site_title_gives_way_to_the_sites_address(tmp_path):
    title = "Cổng thông tin điện tử về Chương trình Mỗi xã một sản phẩm của Ủy ban nhân dân tỉnh Hà Giang"
    root = write_site(tmp_path / "site", {"site.yaml": f"title: {title}\nbase_url: https://ocop.example.gov.vn/ocop/\n"})
    out = tmp_path / "out"
    assert main(["build", "--source", str(root), "--output", str(out), "--today", TODAY, "--quiet"]) == 0
    svg = badge(out, "QN-2023-0042")
    assert "ocop.example.gov.vn/ocop" in texts(svg) and title not in texts(svg)
    assert title in svg.find(SVG + "title").text
    assert int(svg.get("width")) < 330
