"""Search that forgives the way Vietnamese is typed on a phone (390 px, typed key by key): typos
in short syllables, Telex and VNI residue, producers, sales points, communes and categories as
their own groups, thumbnails, stars and places, the "more results" button, one search box."""

from __future__ import annotations

import pytest
from helpers import ROOT

from ocop_site.commands.cli import main

from .conftest import PHONE_VIEWPORT, assert_clean


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("forgiving") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


def settled(page):
    page.wait_for_function("""() => {
        const list = document.querySelector('.search-results');
        return list.dataset.searchQuery === document.querySelector('#search-q').value + '|';
    }""")


def typed(page, query: str) -> list[str]:
    """Type ``query`` into the search box one key at a time, as a person does; the product names shown."""
    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially(query, delay=25)
    settled(page)
    return page.locator(".search-result a").all_inner_texts()


def group(page, name: str) -> list[str]:
    return page.locator(f".search-group-{name} li a").all_inner_texts()


@pytest.fixture
def search_page(page, serve_dir, site):
    assert page.viewport_size == PHONE_VIEWPORT
    page.goto(serve_dir(site) + "search/")
    page.wait_for_selector("[data-search-loaded]")
    return page


@pytest.mark.parametrize("query,first", [
    ("mat onh", "Mật ong"),                        # ong: one letter changed
    ("ruou mna", "Rượu mận Tam hoa Bắc Hà"),       # mận: two letters swapped
    ("mien dogn", "Miến dong Bình Liêu"),          # dong: swapped
    ("banh dda", "Bánh đa"),                       # Telex dd → đ
    ("bat trng", "Bình gốm men rạn Bát Tràng"),    # tràng: a letter missing
    ("mat5 ong", "Mật ong"),                       # VNI tone digit
    ("banhs dda", "Bánh đa"),                      # Telex tone key
    ("maatj ong", "Mật ong"),                      # Telex â and tone
])
def test_short_syllables_typos_and_input_method_residue(search_page, query, first):
    names = typed(search_page, query)
    assert names and names[0].startswith(first), (query, names)
    assert_clean(search_page)


def test_bat_trang_finds_both_pieces_of_pottery(search_page):
    names = typed(search_page, "bat trng")
    assert {"Bình gốm men rạn Bát Tràng", "Bộ ấm chén gốm men lam Bát Tràng"} <= set(names)


def test_a_real_syllable_is_never_corrected_and_exact_ranks_first(search_page):
    # "lan" is a word of the catalog: no typo reading ("lanh", "lam") is added to it
    names = typed(search_page, "lan ")
    assert names and "Khăn thổ cẩm lanh Lũng Cú" not in names and "Bộ ấm chén gốm men lam Bát Tràng" not in names
    # the exact syllable ranks above a one-letter-off reading of a longer word
    assert typed(search_page, "khan lamh") == ["Khăn thổ cẩm lanh Lũng Cú"]
    assert typed(search_page, "mien dong")[0] == "Miến dong Bình Liêu"
    assert typed(search_page, "xyzq") == []


def test_producers_sales_points_communes_and_categories_are_their_own_groups(search_page):
    typed(search_page, "đặc sản")
    assert "Siêu thị Xứ Lạng Mart" in group(search_page, "sales-point")
    typed(search_page, "htx")
    producers = group(search_page, "producer")
    assert producers and all(p.startswith("Hợp tác xã") for p in producers), producers
    assert search_page.locator(".search-group-producer h2").inner_text().startswith("Chủ thể")
    typed(search_page, "chợ Đồng Đăng")
    assert group(search_page, "sales-point")[0] == "Gian hàng OCOP chợ Đồng Đăng"
    typed(search_page, "dong dang")
    assert "Đồng Đăng" in group(search_page, "commune")
    search_page.locator(".search-group-commune a", has_text="Đồng Đăng").click()
    search_page.wait_for_selector("[data-search-loaded]")
    assert "province=lang-son" in search_page.url
    search_page.wait_for_function("document.querySelectorAll('.search-result').length > 0")
    assert "Bánh đa Đồng Đăng" in search_page.locator(".search-result a").all_inner_texts()
    search_page.goto(search_page.url.split("?")[0])
    search_page.wait_for_selector("[data-search-loaded]")
    typed(search_page, "thu cong")
    assert group(search_page, "category") == ["Thủ công mỹ nghệ"]
    link = search_page.locator(".search-group-category a").get_attribute("href")
    assert link == "/categories/handicraft/"
    assert_clean(search_page)


def test_results_show_thumbnail_stars_and_province(search_page):
    typed(search_page, "mat ong")
    first = search_page.locator(".search-result").first
    thumb = first.locator(".search-thumb")
    assert thumb.count() == 1 and thumb.evaluate("e => e.tagName") == "IMG"
    assert thumb.get_attribute("src").endswith(".webp")
    assert thumb.evaluate("e => e.complete && e.naturalWidth > 0")
    assert first.locator(".stars[role=img]").get_attribute("aria-label").endswith("sao")
    assert "Hà Giang" in first.locator(".search-meta").inner_text()
    box = first.bounding_box()
    assert box["width"] <= 390


def test_more_results_button_shows_more_and_hides_when_all_are_shown(search_page):
    typed(search_page, "")
    more = search_page.locator(".search-more")
    total = int(search_page.get_attribute(".search-results", "data-search-count"))
    assert total > 20 and more.is_visible()
    assert search_page.locator(".search-result").count() == 20
    more.click()
    search_page.wait_for_function("document.querySelectorAll('.search-result').length > 20")
    assert search_page.locator(".search-result").count() == min(40, total)
    # focus moves to the first result added
    assert search_page.evaluate("document.activeElement.closest('.search-result') !== null")
    if total <= 40:
        assert not more.is_visible()
    typed(search_page, "mien dong")
    assert not more.is_visible()


def test_without_javascript_no_dead_button(browser, serve_dir, site):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE_VIEWPORT)
    try:
        page = context.new_page()
        page.goto(serve_dir(site) + "search/?q=mat+ong")
        assert not page.locator(".search-more").is_visible()
        assert page.locator(".search-nojs").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["search/", "", "p/HG-2020-0015/", "sales-points/cho-dong-dang/"])
def test_one_search_box_per_page(page, serve_dir, site, path):
    page.goto(serve_dir(site) + path)
    assert page.locator("input[type=search]").count() == 1
