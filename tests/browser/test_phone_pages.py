"""The pages on a 390 px phone: a home page that explains above the fold, a short header whose
menu is not cut off, buy buttons near the top of a product page, a certification history that
reads without scrolling sideways, maps links for every phone, the office's contact, Vietnamese
long dates, and category placeholders for products without photos."""

from __future__ import annotations

import pytest
from helpers import ROOT, SITE_YAML, write_site

from ocop_site.commands.cli import main

from .conftest import assert_clean

SCREEN = 844   # height of the phone viewport
TILES = ("tile.openstreetmap.org",)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("phone") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_home_explains_stars_and_checks_above_the_fold(page, serve_dir, site):
    page.goto(serve_dir(site))
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 200, header
    explain = page.locator(".explain")
    assert "sao" in explain.inner_text() and "QR" in explain.inner_text() and "Bao bì" in explain.inner_text()
    box = explain.bounding_box()
    assert box["y"] + box["height"] <= SCREEN
    assert page.locator("#site-q").is_visible() and top(page, "#site-q") < SCREEN
    assert top(page, ".cards .card") < SCREEN      # products begin on the first screen
    assert_clean(page)


def test_the_menu_opens_and_nothing_is_cut_off(page, serve_dir, site):
    page.goto(serve_dir(site))
    assert not page.locator(".main-nav").is_visible()   # the wide row of links is for wide screens
    links = page.locator(".nav-menu a")
    assert not links.first.is_visible()
    page.locator(".nav-menu summary").click()
    assert links.count() >= 6
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert links.nth(i).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, links.nth(i).inner_text()
    assert page.locator(".nav-menu a[hreflang=en]").is_visible()   # the language switch is in the menu
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_wide_screens_keep_the_row_of_links(browser, serve_dir, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(serve_dir(site))
        assert page.locator(".main-nav a").first.is_visible() and not page.locator(".nav-menu").is_visible()
    finally:
        context.close()


def test_product_page_buy_buttons_near_the_top_and_history_readable(page, serve_dir, site):
    base = serve_dir(site)
    page.goto(base + "p/HG-2020-0015/")
    buy = page.locator(".buy-now")
    assert buy.locator("a.button").count() >= 2 and top(page, ".buy-now") < SCREEN
    history = page.locator("#history + .table-scroll")
    assert history.get_attribute("role") == "region" and history.get_attribute("tabindex") == "0"
    assert history.evaluate("e => e.scrollWidth <= e.clientWidth"), "the history scrolls sideways at 390 px"
    cell = history.locator("td").first
    assert page.evaluate("e => getComputedStyle(e, '::before').content", cell.element_handle()) == '"Quyết định"'
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # a revoked product offers no buying button
    page.goto(base + "p/LS-2023-0027/")
    assert page.locator(".buy-now").count() == 0
    assert_clean(page, ignore=TILES)


def test_ended_rating_wording_and_the_office_to_contact(page, serve_dir, site):
    base = serve_dir(site)
    page.goto(base + "p/LS-2023-0027/")
    status = page.locator(".status-ended").inner_text()
    assert "Theo hồ sơ lưu trong danh mục" in status and "đã bị thu hồi từ ngày 12/03/2025" in status
    assert "đang được bán" not in status                       # a fact of the record, not an accusation
    assert page.locator("#variants").inner_text() == "Sản phẩm đã thuộc phạm vi công nhận"
    contact = page.locator(".contact")
    assert "Văn phòng Điều phối" in contact.inner_text()
    assert contact.locator("a[href^='tel:']").count() == 1 and contact.locator("a[href^='mailto:']").count() == 1
    page.goto(base + "p/HN-2022-0099/")                        # expired
    assert "đã hết hiệu lực từ ngày" in page.locator(".status-ended").inner_text()
    assert page.locator(".contact").count() == 1
    page.goto(base + "kiem-tra-san-pham-ocop/")                # how to check a product
    assert "Văn phòng Điều phối" in page.locator(".contact").inner_text()
    page.goto(base + "p/HG-2020-0015/")                        # valid: at the end of the page
    assert page.locator(".contact").count() == 1
    assert "ngày 30 tháng 11 năm 2026" in page.locator(".site-footer").inner_text()


def test_sales_point_opens_in_every_phone_s_maps(page, serve_dir, site):
    page.goto(serve_dir(site) + "sales-points/cho-dong-dang/")
    links = page.locator("article .map-links").first
    hrefs = links.locator("a").evaluate_all("as => as.map(a => a.href)")
    assert any(h.startswith("https://www.google.com/maps/search/?api=1&query=21.9418,106.6986") for h in hrefs)
    assert any(h.startswith("https://maps.apple.com/?ll=21.9418,106.6986") for h in hrefs)
    assert any(h.startswith("https://www.openstreetmap.org/") for h in hrefs)
    assert any(h.startswith("geo:21.9418,106.6986") for h in hrefs)


def test_products_without_photos_get_their_category_pictogram(page, serve_dir, tmp_path):
    source = write_site(tmp_path / "s", {"site.yaml": SITE_YAML + "contact: {name: Văn phòng OCOP}\n"})
    out = tmp_path / "out"
    assert main(["build", "--source", str(source), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    page.goto(serve_dir(out))
    placeholder = page.locator(".card .thumb-none").first
    assert "thumb-food" in placeholder.get_attribute("class")
    image = placeholder.evaluate("e => getComputedStyle(e).backgroundImage")
    assert "/static/img/categories/food.svg" in image
    assert_clean(page)   # the pictogram loads
