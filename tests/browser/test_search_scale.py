"""Search at national scale: a generated 20,000-product index, in headless Chromium.

The index is built by the real ``search.build_index`` from 20,000 generated
products (view-level objects, so the test does not spend minutes reading
YAML) and queried by the real ``search.js``. Bytes are counted as a static
host would send them, gzip-compressed; timings are left to
benchmarks/bench_search.py.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from types import SimpleNamespace as NS

import pytest
from helpers import ROOT

from ocop_site.site.search import build_index

PRODUCTS = 20_000
BASES = ["Mật ong bạc hà", "Chè Shan tuyết", "Bánh đa", "Miến dong", "Nước mắm cá cơm", "Tinh dầu quế", "Rượu ngô",
         "Gạo nếp cái hoa vàng", "Khăn thổ cẩm", "Giỏ mây tre đan", "Gốm men lam", "Lan hồ điệp", "Trà hoa vàng",
         "Cà phê Arabica", "Hồng trà", "Mắm tôm", "Chả mực", "Nấm hương rừng", "Hạt điều rang muối", "Bưởi Diễn"]
PLACES = [("Đồng Đăng", "Lạng Sơn"), ("Mèo Vạc", "Tuyên Quang"), ("Bình Liêu", "Quảng Ninh"), ("Bắc Hà", "Lào Cai"),
          ("Bát Tràng", "Hà Nội"), ("Phú Quốc", "An Giang"), ("Cái Bè", "Đồng Tháp"), ("Đà Lạt", "Lâm Đồng"),
          ("Hội An", "Đà Nẵng"), ("Buôn Đôn", "Đắk Lắk"), ("Sa Pa", "Lào Cai"), ("Tam Đảo", "Phú Thọ")]
CATEGORIES = ["food", "beverage", "herbal", "handicraft", "ornamental", "tourism"]


def generated_views(n: int) -> NS:
    """``n`` valid products, their 6,667 producers and 1,000 sales points (the other result groups)."""
    rng = random.Random(1)
    valid = []
    producers: dict[str, NS] = {}
    for i in range(n):
        base = rng.choice(BASES)
        commune, province = rng.choice(PLACES)
        producer = f"HTX {rng.choice(BASES).split()[0]} {commune} {i % 997}"
        code = f"VN-2025-{i:05d}"
        valid.append(NS(code=code, name=f"{base} {commune}", description=f"Đặc sản {commune}, {province}.",
                        subgroup=None, category=rng.choice(CATEGORIES), stars=rng.choice((3, 4, 5)),
                        province_slug=province.lower().replace(" ", "-"),
                        location=NS(commune=commune, district=None, province=province),
                        producer=NS(name=producer), record=NS(producer=f"p{i % 6667}"),
                        url=f"/p/{code}/", images=[], standing=NS(is_valid=True)))
        slug = f"p{i % 6667}"
        if slug not in producers:
            producers[slug] = NS(slug=slug, name=producer, url=f"/producers/{slug}/", address=f"Thôn {i % 50}, {commune}",
                                 representative=None, products=[],
                                 record=NS(type="cooperative", location=NS(commune=commune, province=province)))
        producers[slug].products.append(valid[-1])
    sales_points = [NS(slug=f"s{k}", name=f"Điểm OCOP {PLACES[k % len(PLACES)][0]} {k}", url=f"/sales-points/s{k}/",
                       address=f"Số {k}, {', '.join(PLACES[k % len(PLACES)])}", kind="shop",
                       description="<p>Đặc sản OCOP của tỉnh.</p>") for k in range(1000)]
    return NS(valid=valid, lang="vi", producers=list(producers.values()), sales_points=sales_points, categories=[])


PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tìm kiếm</title>
<script defer src="/search.js"></script></head><body>
<div class="search" data-search-index="/index/">
<form><input type="search" id="search-q" name="q">
<select name="category"><option value=""></option>{categories}</select>
<select name="stars"><option value=""></option><option value="5">5</option><option value="4">4</option><option value="3">3</option></select>
</form>
<p class="search-status"></p><div class="search-groups" hidden></div><ol class="search-results"></ol><button class="search-more" hidden></button></div>
<script type="application/json" id="search-i18n">{{"locale": "vi-VN", "results": "%(n)s", "none": "0", "loading": "…",
"failed": "!", "stars": "%(n)s sao"}}</script>
</body></html>"""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    folder, files = build_index(generated_views(PRODUCTS), {})
    for name, data in files.items():
        (out / "index" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "index" / name).write_bytes(data)
    shutil.copy(ROOT / "themes" / "default" / "static" / "js" / "search.js", out / "search.js")
    options = "".join(f'<option value="{c}">{c}</option>' for c in CATEGORIES)
    (out / "index.html").write_text(PAGE.format(categories=options), encoding="utf-8")
    return out


def settled(page):
    page.wait_for_function("""() => {
        const list = document.querySelector('.search-results');
        const active = new URLSearchParams();
        for (const s of document.querySelectorAll('.search select')) if (s.value) active.set(s.name, s.value);
        return list.dataset.searchQuery === document.querySelector('#search-q').value + '|' + active.toString();
    }""", timeout=30000)


def test_first_query_on_20000_products_transfers_under_300_kb(page, serve_dir, big_site):
    sent: list[int] = []
    page.on("response", lambda r: sent.append(len(gzip.compress(r.body(), 6))) if r.ok else None)
    page.goto(serve_dir(big_site))
    page.wait_for_selector("[data-search-loaded]", timeout=30000)
    page.fill("#search-q", "banh da dong dang")
    settled(page)
    names = page.locator(".search-result a").all_inner_texts()
    assert names and names[0] == "Bánh đa Đồng Đăng"
    print(f"first query: {sum(sent) / 1024:.0f} KB compressed in {len(sent)} responses")
    assert sum(sent) <= 300 * 1024, f"{sum(sent) / 1024:.0f} KB compressed"
    meta = json.loads((big_site / "index" / "meta.json").read_text())
    assert meta["count"] == PRODUCTS


def test_folding_typos_and_filters_at_scale(page, serve_dir, big_site):
    page.goto(serve_dir(big_site))
    page.wait_for_selector("[data-search-loaded]", timeout=30000)
    page.fill("#search-q", "mat ong bac ha")
    settled(page)
    total = int(page.get_attribute(".search-results", "data-search-count"))
    assert total > 500 and all(n.startswith("Mật ong bạc hà") for n in page.locator(".search-result a").all_inner_texts())
    page.fill("#search-q", "dong dang")
    settled(page)
    assert page.locator(".search-group-commune a").first.inner_text() == "Đồng Đăng"
    page.fill("#search-q", "htx mien binh lieu")
    settled(page)
    assert page.locator(".search-group-producer li").count() == 5    # five of the matching producers
    assert "(" in page.locator(".search-group-producer h2").inner_text()
    page.fill("#search-q", "nuoc mam ca comm")   # one typo in a short syllable that is no word is forgiven…
    settled(page)
    assert int(page.get_attribute(".search-results", "data-search-count")) > 500
    page.fill("#search-q", "nuoc mam ca cxmm")   # …two are not
    settled(page)
    assert page.get_attribute(".search-results", "data-search-count") == "0"
    page.fill("#search-q", "shan tuyeet")        # in a word of five or more letters too
    settled(page)
    assert int(page.get_attribute(".search-results", "data-search-count")) > 500
    page.select_option("select[name=stars]", "5")
    settled(page)
    five = int(page.get_attribute(".search-results", "data-search-count"))
    option = page.locator("select[name=stars] option[value='5']").inner_text()
    assert 0 < five < total and option.endswith(f"({five:,})".replace(",", "."))
