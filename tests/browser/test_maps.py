"""Sales-point maps in headless Chromium: markers, clustering, filters, near me, and the list without a map.

The ``page`` fixture blocks every request that leaves 127.0.0.1, so the map tiles
(tile.openstreetmap.org, the default of site.yaml ``map.tiles``) never load: every
test here runs in the "tiles unreachable" case of a rural network. Chromium logs
each blocked tile as a console error and the fixture lists it as an external
request; ``clean()`` ignores exactly those (the tile host) and nothing else, so a
script error, a failed local request or any other outside request still fails.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from helpers import PRODUCT, write_site

from ocop_site.commands.cli import main

from .conftest import assert_clean

TILE_HOST = "tile.openstreetmap.org"

#: (province as written, current province slug, lat, lon, commune): old and current names mixed
PLACES = [
    ("Hà Nội", "ha-noi", 21.03, 105.85, "Hoàn Kiếm"),
    ("Lạng Sơn", "lang-son", 21.85, 106.76, "Đông Kinh"),
    ("Hà Giang", "tuyen-quang", 22.82, 104.98, "Hà Giang 1"),      # before the reform: now Tuyên Quang
    ("Tuyên Quang", "tuyen-quang", 21.82, 105.21, "Minh Xuân"),
    ("Quảng Ninh", "quang-ninh", 20.95, 107.05, "Bãi Cháy"),
    ("Yên Bái", "lao-cai", 21.72, 104.91, "Nguyễn Thái Học"),       # before the reform: now Lào Cai
]
KINDS = ["showroom", "shop", "supermarket", "market", "other"]
N = 40
#: product code → (category, the sales points (indexes) that sell it)
PRODUCTS = {
    "MP-2024-0001": ("food", [i for i in range(N) if i % 2 == 0]),
    "MP-2024-0002": ("beverage", [i for i in range(N) if i % 3 == 0]),
    "MP-2024-0003": ("handicraft", [i for i in range(N) if i % 5 == 0]),
    "MP-2024-0004": ("herbal", [i for i in range(N) if i % 7 == 0]),
}


def point(i: int) -> tuple[str, str, float, float]:
    """slug, current province slug, lat, lon"""
    province, slug, lat, lon, _ = PLACES[i % len(PLACES)]
    step = i // len(PLACES)
    return f"diem-{i:02d}", slug, round(lat + step * 0.011, 4), round(lon + step * 0.013, 4)


def sales_point_file(i: int) -> str:
    province, _, _, _, commune = PLACES[i % len(PLACES)]
    slug, _, lat, lon = point(i)
    location = f"location: {{province: {province}, commune: {commune}}}\n" if i != N - 1 else ""
    return (f"---\nname: Điểm bán OCOP số {i:02d}\nkind: {KINDS[i % len(KINDS)]}\n{location}"
            f"address: Số {i + 1} đường Lê Lợi, {commune}, tỉnh {province}\n"
            f"coordinates: {{lat: {lat}, lon: {lon}}}\nopening_hours: \"7:00–21:00 hằng ngày\"\n"
            f"phone: 0912 000 {i:03d}\n---\n")


def site_files() -> dict[str, str]:
    files = {f"content/sales-points/{point(i)[0]}.md": sales_point_file(i) for i in range(N)}
    for code, (category, sold_at) in PRODUCTS.items():
        text = PRODUCT.format(code=code).replace("category: food", f"category: {category}")
        files[f"products/{code}.yaml"] = text.replace(
            "sales_points: [diem-meo-vac]", "sales_points: [" + ", ".join(point(i)[0] for i in sold_at) + "]")
    return files


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("maps") / "site", site_files())
    out = tmp_path_factory.mktemp("maps-out") / "public"
    assert main(["build", "--source", str(root), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def features(site):
    return json.loads((site / "sales-points.geojson").read_text(encoding="utf-8"))["features"]


def clean(page):
    """No error but the blocked tiles (the 'tiles unreachable' case this suite runs in)."""
    assert_clean(page, ignore=(TILE_HOST,))


def open_map(page, url, selector="[data-map]"):
    """Open a page, bring its map into view (maps are drawn when seen) and wait until it is drawn."""
    page.goto(url)
    page.wait_for_selector(selector, state="visible")
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_selector(f"{selector}[data-state=ready]", state="attached")
    return page.locator(selector)


def markers_on_map(page, map_selector="[data-map]") -> int:
    """Markers drawn: single markers plus the points counted by each cluster icon."""
    return page.evaluate("""sel => {
        const map = document.querySelector(sel);
        let n = map.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length;
        for (const c of map.querySelectorAll('.marker-cluster')) n += parseInt(c.firstChild.textContent, 10);
        return n;
    }""", map_selector)


def wait_markers(page, n, map_selector="[data-map]", all_in_view=True):
    """Wait until the map holds ``n`` markers and, when the view shows them all, draws them all."""
    page.wait_for_function("""([sel, n, all]) => {
        const map = document.querySelector(sel);
        if (map.dataset.markers !== String(n)) return false;
        if (!all) return true;
        let k = map.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length;
        for (const c of map.querySelectorAll('.marker-cluster')) k += parseInt(c.firstChild.textContent, 10);
        return k === n;
    }""", arg=[map_selector, n, all_in_view])


def visible_cards(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('#sales-point-directory [data-slug]')]
        .filter(c => c.offsetParent !== null).map(c => c.dataset.slug)""")


def km(a, b):
    r = math.pi / 180
    h = math.sin((b[0] - a[0]) * r / 2) ** 2 + math.cos(a[0] * r) * math.cos(b[0] * r) * math.sin((b[1] - a[1]) * r / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1, math.sqrt(h)))


# --- the three kinds of map --------------------------------------------------------------------


def test_all_points_map_clusters_every_point(page, serve_dir, site, features):
    base = serve_dir(site)
    m = open_map(page, base + "sales-points/")
    assert len(features) == N + 1          # the generated points and the fixture's diem-meo-vac
    wait_markers(page, N + 1)
    assert page.locator(".marker-cluster").count() > 0, "nearby points are clustered"
    assert len(visible_cards(page)) == N + 1
    assert m.get_attribute("aria-label") == "Bản đồ các điểm bán sản phẩm OCOP"
    # tiles could not load: the map says the list has everything, and the list is there
    page.wait_for_selector(".map-note:not([hidden])")
    assert "danh sách" in page.locator(".map-note").inner_text()
    assert any(TILE_HOST in u for u in page.external_requests)
    assert all(TILE_HOST in u for u in page.external_requests)
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    clean(page)


def test_product_map_shows_where_to_buy_it(page, serve_dir, site):
    base = serve_dir(site)
    code, (_, sold_at) = "MP-2024-0003", PRODUCTS["MP-2024-0003"]
    # far down a phone screen, the map waits: reading the rating costs no map data and no tiles
    page.goto(base + f"p/{code}/")
    page.wait_for_selector("#buy-map", state="visible")
    page.wait_for_timeout(300)
    assert page.get_attribute("#buy-map", "data-state") is None
    assert page.locator("#buy-map .leaflet-marker-icon").count() == 0 and page.external_requests == []
    open_map(page, base + f"p/{code}/", "#buy-map")
    wait_markers(page, len(sold_at), "#buy-map")
    cards = page.locator("#buy-list [data-slug]")
    assert sorted(cards.evaluate_all("cs => cs.map(c => c.dataset.slug)")) == sorted(point(i)[0] for i in sold_at)
    # a marker opens a popup linking to the sales point's page (relative to this site)
    page.locator("#buy-map .leaflet-marker-icon").first.click()
    link = page.locator(".map-popup a")
    assert re.fullmatch(r"/sales-points/diem-\d\d/", link.get_attribute("href"))
    clean(page)


def test_sales_point_map_shows_its_point_and_works_with_the_keyboard(page, serve_dir, site):
    base = serve_dir(site)
    open_map(page, base + "sales-points/diem-07/")
    wait_markers(page, 1)
    marker = page.locator("[data-map] .leaflet-marker-icon")
    assert marker.get_attribute("alt") == "Điểm bán OCOP số 07"
    assert marker.get_attribute("tabindex") == "0"
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".map-popup")
    assert "Số 8 đường Lê Lợi" in page.locator(".map-popup").inner_text()
    assert page.locator("[data-map]").get_attribute("tabindex") == "0"   # the map pans with arrow keys
    clean(page)


# --- filters and near me ------------------------------------------------------------------------


def expected(features, province="", category=""):
    return sorted(f["properties"]["slug"] for f in features
                  if (not province or f["properties"]["province_slug"] == province)
                  and (not category or category in f["properties"]["categories"]))


def test_filters_by_current_province_and_category(page, serve_dir, site, features):
    base = serve_dir(site)
    open_map(page, base + "sales-points/")
    page.select_option("#filter-province", "tuyen-quang")
    want = expected(features, "tuyen-quang")
    assert len(want) == 14   # written "Hà Giang" or "Tuyên Quang"
    wait_markers(page, len(want))
    assert sorted(visible_cards(page)) == want
    assert page.locator(".sales-point-group:visible h2").all_inner_texts() == ["Tuyên Quang"]
    assert "province=tuyen-quang" in page.url

    page.select_option("#filter-category", "handicraft")
    want = expected(features, "tuyen-quang", "handicraft")
    assert want
    wait_markers(page, len(want))
    assert sorted(visible_cards(page)) == want
    assert page.locator(".map-status").inner_text().startswith(f"Đang hiển thị {len(want)} trên {N + 1}")

    # the filters live in the URL: a shared link opens the same selection
    page.goto(page.url)
    page.wait_for_selector("[data-map][data-state=ready]", state="attached")
    wait_markers(page, len(want))
    assert sorted(visible_cards(page)) == want
    assert page.input_value("#filter-category") == "handicraft"

    page.select_option("#filter-province", "")
    page.select_option("#filter-category", "")
    wait_markers(page, N + 1)
    assert len(visible_cards(page)) == N + 1
    clean(page)


def test_near_me_orders_by_distance_in_the_browser(page, serve_dir, site, features):
    here = (21.80, 106.70)   # near Lạng Sơn
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": here[0], "longitude": here[1]})
    base = serve_dir(site)
    open_map(page, base + "sales-points/")
    by_province = visible_cards(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.click(".near-me")
    page.wait_for_selector("[data-map][data-near]", state="attached")
    order = sorted(features, key=lambda f: km(here, f["geometry"]["coordinates"][::-1]))
    assert visible_cards(page) == [f["properties"]["slug"] for f in order]
    assert page.get_attribute(".near-me", "aria-pressed") == "true"
    first = page.locator(".sales-point-nearest [data-slug]").first
    assert re.search(r"cách \d+([,.]\d)? (km|m)", first.locator(".distance").inner_text())
    wait_markers(page, N + 1, all_in_view=False)   # the view closes in on you and the nearest points

    # with a filter, only matching points, still nearest first
    page.select_option("#filter-category", "beverage")
    want = [f["properties"]["slug"] for f in order if "beverage" in f["properties"]["categories"]]
    wait_markers(page, len(want), all_in_view=False)
    assert visible_cards(page) == want

    # the position never leaves the browser: no request but map tiles (blocked here) and the site's own files
    assert all(u.startswith(base) or TILE_HOST in u for u in requests), requests
    assert not [u for u in requests if "21.8" in u or "106.7" in u]

    # pressing again goes back to the list by province
    page.select_option("#filter-category", "")
    page.click(".near-me")
    page.wait_for_function("document.querySelector('.near-me').getAttribute('aria-pressed') === 'false'")
    assert visible_cards(page) == by_province
    assert page.locator(".sales-point-card .distance").count() == 0
    clean(page)


# --- without JavaScript, without tiles, with a strict CSP -------------------------------------------


def test_without_javascript_every_map_page_is_a_complete_list(browser, serve_dir, site, features):
    base = serve_dir(site)
    context = browser.new_context(java_script_enabled=False)
    outside: list[str] = []
    context.route("**/*", lambda r: r.fallback() if r.request.url.startswith(base) else (outside.append(r.request.url), r.abort())[1])
    try:
        page = context.new_page()
        page.goto(base + "sales-points/")
        cards = page.locator(".sales-point-card")
        assert cards.count() == len(features)
        assert page.locator("[data-map]").is_hidden()
        assert page.locator("#sales-point-filters").is_hidden()
        for f in features:
            card = page.locator(f'.sales-point-card[data-slug="{f["properties"]["slug"]}"]')
            assert card.is_visible()
            text = card.inner_text()
            assert f["properties"]["address"] in text
            for key in ("phone", "opening_hours"):   # every generated point has them; the fixture's has none
                assert (f["properties"][key] or "") in text
            assert card.locator('a[href^="geo:"]').count() == 1
            assert card.locator('a[href^="https://www.openstreetmap.org/"]').count() == 1
        assert page.locator(".sales-point-group h2").all_inner_texts() == \
            ["Hà Nội", "Lạng Sơn", "Lào Cai", "Quảng Ninh", "Tuyên Quang", "Nơi khác"]   # fixture's: no province

        page.goto(base + "p/MP-2024-0003/")
        assert page.locator("#buy-map").is_hidden()
        assert page.locator("#buy-list .sales-point-card").count() == len(PRODUCTS["MP-2024-0003"][1])
        assert "Giờ mở cửa" in page.locator("#buy-list").inner_text()

        page.goto(base + "sales-points/diem-03/")
        assert page.locator("[data-map]").is_hidden()
        assert page.locator('a[href^="geo:"]').is_visible()
        assert outside == []
    finally:
        context.close()


def test_strict_content_security_policy(page, serve_dir, site):
    """No inline script or style: the pages work under a CSP that allows only the site's own files."""
    base = serve_dir(site)
    csp = (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://{TILE_HOST}; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'")

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

    page.route(re.compile(r".*/$"), with_csp)
    for path, n in (("sales-points/", N + 1), ("p/MP-2024-0001/", len(PRODUCTS["MP-2024-0001"][1])),
                    ("sales-points/diem-00/", 1)):
        open_map(page, base + path)
        wait_markers(page, n)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 21.0, "longitude": 105.8})
    page.goto(base + "sales-points/")
    page.wait_for_selector("[data-map][data-state=ready]", state="attached")
    page.click(".near-me")
    page.wait_for_selector("[data-map][data-near]", state="attached")
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
    clean(page)


def test_english_pages_link_to_english_sales_points(page, serve_dir, site):
    base = serve_dir(site)
    open_map(page, base + "en/p/MP-2024-0003/", "#buy-map")
    assert page.locator("#buy-map").get_attribute("aria-label").startswith("Map of where to buy")
    page.locator("#buy-map .leaflet-marker-icon").first.click()
    assert page.locator(".map-popup a").get_attribute("href").startswith("/en/sales-points/")
    clean(page)
