"""axe-core finds no accessibility violation on the home, a product, a sales point and the search
page, at 390 and 1280 px, nor on the page ``serve`` shows until its first build is published.

axe-core is an npm package: ``npm ci --prefix tests/browser`` (run by .ci/run) installs the
version pinned in tests/browser/package-lock.json, and Playwright injects its ``axe.min.js`` into
the page. Without it the tests are skipped locally and fail on CI, as for Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT

from ocop_site.commands.cli import main

from .conftest import LOCALE, TIMEZONE, unavailable

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {"home": "", "product": "p/HG-2020-0015/", "sales point": "sales-points/cho-dong-dang/",
         "search": "search/?q=mat+ong"}


@pytest.fixture(scope="module")
def axe_source() -> Path:
    if not AXE.is_file():
        unavailable("axe-core is not installed (npm ci --prefix tests/browser)")
    return AXE


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("axe") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(browser, serve_dir, site, axe_source, name, width):
    context = browser.new_context(viewport={"width": width, "height": 844 if width == 390 else 900},
                                  locale=LOCALE, timezone_id=TIMEZONE, service_workers="block")
    # tiles and other hosts: never reached
    context.route("**/*", lambda route: route.abort() if "127.0.0.1" not in route.request.url else route.fallback())
    try:
        page = context.new_page()
        page.goto(serve_dir(site) + PAGES[name])
        page.wait_for_load_state("load")
        if name == "search":
            page.wait_for_selector(".search-result")
        assert_no_violations(page, axe_source)
    finally:
        context.close()


@pytest.mark.parametrize("state", ["building", "errors"])
def test_no_axe_violations_on_the_page_serve_shows_before_its_first_build(browser, serve_dir, axe_source, tmp_path,
                                                                          state):
    from ocop_site.commands.serve import LiveState, building_page
    errors = [{"text": "products/B-1.yaml:4:8: error[E102]: YAML syntax error <b>not closed</b>"}]
    live = LiveState(rendered=12345, errors=errors if state == "errors" else [])
    (tmp_path / "index.html").write_bytes(building_page(live))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=LOCALE, timezone_id=TIMEZONE)
    try:
        page = context.new_page()
        page.goto(serve_dir(tmp_path))
        assert_no_violations(page, axe_source)
    finally:
        context.close()


def assert_no_violations(page, axe_source: Path) -> None:
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
              "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)
