"""Search in headless Chromium on the sample site: folding, đ, typos, filters, URL state, only valid products."""

from __future__ import annotations

import unicodedata

import pytest
from helpers import ROOT

from ocop_site.commands.cli import main

from .conftest import assert_clean


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("search") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


def settled(page):
    """Wait until the results shown are those of the current query and filters."""
    page.wait_for_function("""() => {
        const list = document.querySelector('.search-results');
        const form = document.querySelector('.search form');
        const active = new URLSearchParams();
        for (const s of form.querySelectorAll('select')) if (s.value) active.set(s.name, s.value);
        return list.dataset.searchQuery === document.querySelector('#search-q').value + '|' + active.toString();
    }""")


def search(page, query):
    page.fill("#search-q", query)
    settled(page)
    return page.locator(".search-result a").all_inner_texts()


def open_search(page, serve_dir, site, query=""):
    base = serve_dir(site)
    page.goto(base + "search/" + query)
    page.wait_for_selector("[data-search-loaded]")
    return base


def test_folding_accents_and_d(page, serve_dir, site):
    open_search(page, serve_dir, site)
    names = search(page, "mat ong")
    assert names and all("Mật ong" in n or "bạc hà" in n for n in names[:2])
    assert "Bánh đa Đồng Đăng" in search(page, "banh da dong dang")
    assert search(page, "banh da dong dang")[0] == "Bánh đa Đồng Đăng"
    assert "Bánh đa Đồng Đăng" in search(page, "đồng đăng")
    nfd = unicodedata.normalize("NFD", "bánh đa")
    assert search(page, nfd) == search(page, "bánh đa")
    assert_clean(page)


def test_exact_accents_rank_higher(page, serve_dir, site):
    open_search(page, serve_dir, site)
    # "lan" is in "Lan hồ điệp" (name); "làng" folds to "lang", not "lan": exact spelling wins
    names = search(page, "chè")
    assert names[0].startswith("Chè"), names


def test_prefix_while_typing_and_one_typo(page, serve_dir, site):
    open_search(page, serve_dir, site)
    assert "Bánh đa Đồng Đăng" in search(page, "banh d")
    assert any("Shan tuyết" in n for n in search(page, "tuyeet"))       # one extra letter
    assert search(page, "khan lanhh") == ["Khăn thổ cẩm lanh Lũng Cú"]    # 5+ letters forgive a typo
    assert search(page, "khan lamh") == ["Khăn thổ cẩm lanh Lũng Cú"]    # a short word that is no word: one edit too
    assert search(page, "khan lxmh") == []                                 # but only one
    assert search(page, "xyzxyz") == []
    assert "Không có sản phẩm" in page.locator(".search-status").inner_text() or page.locator(".search-status").inner_text()


def test_ranking_name_before_producer(page, serve_dir, site):
    open_search(page, serve_dir, site)
    names = search(page, "shan tuyet")
    # products whose own name says "Shan tuyết" come before those only made by the "Chè Shan tuyết" co-op
    assert all("Shan tuyết" in n for n in names[:4]), names


def test_only_valid_products_are_found(page, serve_dir, site):
    open_search(page, serve_dir, site)
    assert search(page, "xa phong tinh dau hoi que") == []          # revoked LS-2023-0027
    assert "Tinh dầu hồi Văn Quan" in search(page, "tinh dau hoi")


def test_filters_with_counts_and_shareable_url(page, serve_dir, site):
    open_search(page, serve_dir, site)
    search(page, "binh lieu")
    page.select_option("#search-category", "food")
    settled(page)
    names = page.locator(".search-result a").all_inner_texts()
    assert names and "Miến dong Bình Liêu" in names and "Trà hoa vàng Đồng Tâm" not in names
    option = page.locator("#search-category option[value=food]").inner_text()
    assert option.endswith(f"({len(names)})")
    url = page.url
    assert "q=binh+lieu" in url and "category=food" in url
    page.goto(url)
    page.wait_for_selector("[data-search-loaded]")
    settled(page)
    assert page.locator(".search-result a").all_inner_texts() == names
    assert page.input_value("#search-q") == "binh lieu"
    assert_clean(page)


def test_header_box_submits_to_search_page(page, serve_dir, site):
    base = serve_dir(site)
    page.goto(base + "p/LS-2024-0021/")
    page.fill("#site-q", "mien dong")
    page.press("#site-q", "Enter")
    page.wait_for_selector("[data-search-loaded]")
    settled(page)
    assert "Miến dong Bình Liêu" in page.locator(".search-result a").all_inner_texts()


def test_english_pages_search_english_names(page, serve_dir, site):
    base = serve_dir(site)
    page.goto(base + "en/search/?q=honey")
    page.wait_for_selector("[data-search-loaded]")
    settled(page)
    names = page.locator(".search-result a").all_inner_texts()
    assert len(names) >= 2 and all("honey" in n for n in names[:2]), names
    page.locator(".search-result a").first.click()
    assert "/en/p/" in page.url


def test_first_query_fetches_little(page, serve_dir, site):
    fetched = []
    page.on("response", lambda r: fetched.append(r.url) if "/search/vi-" in r.url else None)
    open_search(page, serve_dir, site)
    search(page, "mat ong")
    kinds = sorted({u.rsplit("/", 2)[-2] if any(f"/{k}/" in u for k in "tdug") else u.rsplit("/", 1)[-1]
                    for u in fetched})
    # products (t, d) and the other result groups (u: producers, sales points…; g: their names)
    assert kinds == ["d", "g", "meta.json", "t", "u", "vocab.json"]
    assert len(fetched) <= 8, fetched


def test_without_javascript_the_page_explains_browsing(browser, serve_dir, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(serve_dir(site) + "search/?q=mat+ong")
    assert page.locator(".search-nojs").is_visible()
    assert page.locator(".search-nojs a[href='/categories/']").count() == 1
    context.close()
