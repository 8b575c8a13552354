"""The built sample site in headless Chromium: pages load cleanly, with no CDN and no errors."""

from __future__ import annotations

import pytest
from helpers import ROOT

from ocop_site.commands.cli import main

from .conftest import assert_clean


@pytest.fixture(scope="module")
def site_under_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet",
                 "--base-url", "https://ocop.example.gov.vn/ocop/"]) == 0
    return out


@pytest.mark.parametrize("path,status", [("", None), ("p/HG-2020-0015/", "valid"), ("p/LS-2023-0027/", "revoked"),
                                         ("en/p/HN-2022-0099/", "expired"), ("nhung-trang/", None),
                                         ("en/nhung-trang/", None),
                                         ("producers/htx-mat-ong-pa-vi/", None)])
def test_pages_load_without_errors(page, serve_dir, site_under_path, path, status):
    base = serve_dir(site_under_path, "/ocop/")
    response = page.goto(base + path)
    assert response.status == 200
    assert page.locator("h1").first.inner_text().strip()
    if status:
        assert page.locator("body").get_attribute("data-ocop-status") == status
    # the stylesheet is applied (served from the site itself)
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    assert_clean(page)


def test_revoked_page_says_so_plainly(page, serve_dir, site_under_path):
    base = serve_dir(site_under_path, "/ocop/")
    page.goto(base + "p/LS-2023-0027/")
    banner = page.locator(".status-ended")
    assert banner.is_visible()
    assert "không còn được công nhận OCOP" in banner.inner_text()
    assert page.locator("#buy").count() == 0


def test_unknown_url_gets_the_404_page(page, serve_dir, site_under_path):
    base = serve_dir(site_under_path, "/ocop/")
    response = page.goto(base + "p/KHONG-CO/")
    assert response.status == 404
    page.locator("a[href='/ocop/']").first.click()
    assert page.url == base
    assert_clean(page, ignore=("KHONG-CO",))
