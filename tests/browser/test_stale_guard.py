"""The stale-build guard with the page clock set before and after valid_until, and the 404 page
reached from an unknown lot URL."""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers import write_site

from ocop_site.commands.cli import main

from .conftest import assert_clean

#: Map tiles come from the tile server in site.yaml, which the harness blocks; nothing else may fail.
TILES = ("tile.openstreetmap.org",)

# The helper site's QN-2023-0042: issued 2024-05-13, so valid until 2027-05-12.
VALID_UNTIL = "2027-05-12"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("stale")
    out = root / "public"
    assert main(["build", "--source", str(write_site(root / "site", {})), "--output", str(out),
                 "--today", "2026-11-30", "--quiet", "--base-url", "https://ocop.example.gov.vn/ocop/"]) == 0
    return out


def visit(page, url: str, when: str):
    page.clock.set_fixed_time(datetime.fromisoformat(when))
    response = page.goto(url)
    page.wait_for_load_state("load")
    return response


@pytest.mark.parametrize("path", ["p/QN-2023-0042/", "p/QN-2023-0042/lot/L2024-03/", "en/p/QN-2023-0042/"])
def test_no_warning_up_to_the_last_valid_day_in_vietnam(page, serve_dir, site, path):
    base = serve_dir(site, "/ocop/")
    visit(page, base + path, "2027-05-12T23:59:00+07:00")
    assert page.locator("body").get_attribute("data-valid-until") == VALID_UNTIL
    assert page.get_by_role("alert").count() == 0
    assert page.locator("body").get_attribute("data-stale") is None
    assert_clean(page, ignore=TILES)


@pytest.mark.parametrize("path,text", [("p/QN-2023-0042/", "không còn cập nhật"),
                                       ("p/QN-2023-0042/lot/L2024-03/", "không còn cập nhật"),
                                       ("en/p/QN-2023-0042/", "out of date")])
def test_warning_once_the_day_has_passed_in_vietnam(page, serve_dir, site, path, text):
    base = serve_dir(site, "/ocop/")
    # 00:30 on 13 May in Vietnam is still 12 May in UTC: the guard goes by Vietnam time
    visit(page, base + path, "2027-05-13T00:30:00+07:00")
    alert = page.get_by_role("alert")
    assert alert.count() == 1 and alert.is_visible()
    assert text in alert.inner_text()
    assert ("12 May 2027" if path.startswith("en/") else "12/05/2027") in alert.inner_text()
    # prominent: the first thing in the main content, above the title
    assert page.evaluate("document.querySelector('main').firstElementChild.getAttribute('role')") == "alert"
    assert page.evaluate("getComputedStyle(document.querySelector('.stale-warning')).borderTopWidth") != "0px"
    assert_clean(page, ignore=TILES)


def test_guard_uses_vietnam_time_whatever_the_device_zone(browser, serve_dir, site):
    context = browser.new_context(timezone_id="America/Los_Angeles", locale="en-US")
    try:
        page = context.new_page()
        base = serve_dir(site, "/ocop/")
        # 18:00 on 12 May in Los Angeles is 08:00 on 13 May in Vietnam
        page.clock.set_fixed_time(datetime.fromisoformat("2027-05-12T18:00:00-07:00"))
        page.goto(base + "p/QN-2023-0042/")
        assert page.get_by_role("alert").count() == 1
        page.clock.set_fixed_time(datetime.fromisoformat("2027-05-12T08:00:00-07:00"))
        page.reload()
        assert page.get_by_role("alert").count() == 0
    finally:
        context.close()


def test_page_without_javascript_is_unchanged(browser, serve_dir, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(serve_dir(site, "/ocop/") + "p/QN-2023-0042/")
        assert page.get_by_role("alert").count() == 0
        assert page.locator("h1").is_visible()
    finally:
        context.close()


def test_unknown_lot_reaches_a_helpful_404(page, serve_dir, site):
    base = serve_dir(site, "/ocop/")
    response = page.goto(base + "p/QN-2023-0042/lot/L2099-01/")
    assert response.status == 404
    note = page.locator("[data-lot-note]")
    assert note.is_visible() and "L2099-01" in note.inner_text() and "QN-2023-0042" in note.inner_text()
    assert page.locator("#nf-code").input_value() == "QN-2023-0042"
    assert page.locator("form[action='/ocop/search/'] #nf-q").count() == 1
    note.locator("a").click()
    assert page.url == base + "p/QN-2023-0042/"
    assert page.locator("a[href='/ocop/p/QN-2023-0042/lot/L2024-03/']").count() == 1
    assert_clean(page, ignore=("L2099-01", *TILES))


def test_404_search_form_gets_the_search_page(page, serve_dir, site):
    base = serve_dir(site, "/ocop/")
    page.goto(base + "khong-co/")
    assert page.locator("[data-lot-note]").is_hidden()
    page.locator("#nf-q").fill("mật ong")
    with page.expect_navigation():
        page.locator("#nf-q").press("Enter")
    assert page.url.startswith(base + "search/?q=")
