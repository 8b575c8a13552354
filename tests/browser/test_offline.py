"""Offline and installable: the service worker keeps the pages read, shows our own offline page
for the others, replaces its caches on a new build, and a kept page still runs the stale-rating
guard. Served on loopback under a base path (service workers need http(s) or localhost)."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from helpers import PRODUCT, write_site

from ocop_site.commands.cli import main

from .conftest import LOCALE, PHONE_VIEWPORT, TIMEZONE, assert_clean

BASE_URL = "https://ocop.example.gov.vn/ocop/"
CODES = ("QN-2023-0042", "QN-2023-0043", "QN-2023-0044")
# the helper's product: issued 2024-05-13, so valid until 2027-05-12


def product(code: str, name: str) -> str:
    return PRODUCT.format(code=code).replace("name: Mật ong bạc hà", f"name: {name}")


def build(source, out, names: dict[str, str], today: str = "2026-11-30") -> None:
    files = {f"products/{code}.yaml": product(code, name) for code, name in names.items()}
    write_site(source, files)
    assert main(["build", "--source", str(source), "--output", str(out), "--today", today, "--quiet",
                 "--base-url", BASE_URL]) == 0


NAMES = {"QN-2023-0042": "Mật ong bạc hà", "QN-2023-0043": "Chè Shan tuyết", "QN-2023-0044": "Bánh đa Đồng Đăng"}


@pytest.fixture
def site(tmp_path):
    build(tmp_path / "site", tmp_path / "public", NAMES)
    return tmp_path


@pytest.fixture
def context(browser):
    context = browser.new_context(locale=LOCALE, timezone_id=TIMEZONE, viewport=PHONE_VIEWPORT,
                                  service_workers="allow")
    context.set_default_timeout(10_000)
    yield context
    context.close()


CACHED = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    out[name] = (await (await caches.open(name)).keys()).map(r => new URL(r.url).pathname + new URL(r.url).search);
  }
  return out;
}"""


def caches(page) -> dict[str, list[str]]:
    return page.evaluate(CACHED)


def wait_kept(page, path: str, timeout: float = 10.0) -> None:
    """Until ``path`` is in a page cache of the worker controlling ``page``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.evaluate("!!navigator.serviceWorker.controller") and any(
                path in urls for name, urls in caches(page).items() if " pages " in name):
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} never kept: {json.dumps(caches(page), indent=1)}")


def test_manifest_icons_and_favicon_are_linked_from_every_page(site):
    out = site / "public"
    manifest = json.loads((out / "manifest.webmanifest").read_text("utf-8"))
    assert manifest["scope"] == manifest["start_url"] == "/ocop/"
    assert {i["purpose"] for i in manifest["icons"]} == {"any", "maskable"}
    for icon in manifest["icons"]:
        assert (out / icon["src"].removeprefix("/ocop/")).is_file()
    assert (out / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
    from PIL import Image
    for icon in manifest["icons"]:
        with Image.open(out / icon["src"].removeprefix("/ocop/")) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            if icon["purpose"] == "maskable":   # full bleed: a launcher's mask never shows a transparent corner
                assert image.convert("RGBA").getpixel((0, 0))[3] == 255
    with Image.open(out / "favicon.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48)} <= set(ico.info["sizes"])
    for page in ("index.html", "p/QN-2023-0042/index.html", "search/index.html", "en/index.html", "404.html"):
        html = (out / page).read_text("utf-8")
        assert '<link rel="icon" href="/ocop/favicon.ico"' in html
        assert '<link rel="manifest" href="/ocop/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#0f4c3a">' in html


def test_pages_seen_render_offline_and_others_show_our_offline_page(context, serve_dir, site):
    base = serve_dir(site / "public", "/ocop/")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "p/QN-2023-0042/")
    wait_kept(page, "/ocop/p/QN-2023-0042/")   # loaded before the worker: kept when it starts
    page.goto(base + "p/QN-2023-0043/")
    wait_kept(page, "/ocop/p/QN-2023-0043/")
    shell = [urls for name, urls in caches(page).items() if " shell " in name]
    assert len(shell) == 1 and "/ocop/offline/" in shell[0]
    assert any(u.startswith("/ocop/static/js/stale-guard.js?v=") for u in shell[0])

    context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == "Chè Shan tuyết"
    page.goto(base + "p/QN-2023-0042/")
    assert page.locator("h1").inner_text() == "Mật ong bạc hà"
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") \
        == "rgb(15, 76, 58)"   # the stylesheet came from the cache too
    # never visited: our offline page, listing the products already seen
    page.goto(base + "p/QN-2023-0044/")
    assert page.locator("h1").inner_text() == "Bạn đang ngoại tuyến"
    seen = page.locator(".offline-list a")
    seen.first.wait_for()
    assert sorted(seen.all_inner_texts()) == ["Chè Shan tuyết", "Mật ong bạc hà"]
    seen.filter(has_text="Chè Shan tuyết").click()
    page.wait_for_url(base + "p/QN-2023-0043/")
    assert page.locator("h1").inner_text() == "Chè Shan tuyết"
    assert errors == []


def test_a_kept_page_still_warns_when_its_rating_has_ended(context, serve_dir, site):
    base = serve_dir(site / "public", "/ocop/")
    page = context.new_page()
    page.goto(base + "p/QN-2023-0042/")
    wait_kept(page, "/ocop/p/QN-2023-0042/")
    context.set_offline(True)
    page.clock.set_fixed_time(datetime.fromisoformat("2027-05-13T08:00:00+07:00"))
    page.reload()
    assert page.locator("h1").inner_text() == "Mật ong bạc hà"
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "không còn cập nhật" in alert.inner_text()


def test_a_new_build_replaces_the_old_caches(context, serve_dir, site):
    base = serve_dir(site / "public", "/ocop/")
    page = context.new_page()
    page.goto(base + "p/QN-2023-0042/")
    wait_kept(page, "/ocop/p/QN-2023-0042/")
    before = {name for name in caches(page)}
    assert len(before) >= 2 and all(name.startswith("ocop /ocop/ ") for name in before)
    version = next(name for name in before if " shell " in name).rsplit(" ", 1)[1]

    build(site / "site", site / "public", {**NAMES, "QN-2023-0042": "Mật ong hoa bạc hà"})
    sw = (site / "public" / "sw.js").read_text("utf-8")
    assert version not in sw
    page.reload()
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r && r.update())")
    end = time.monotonic() + 10
    while time.monotonic() < end:
        names = set(caches(page))
        if names and not names & before and any(" shell " in n for n in names):
            break
        time.sleep(0.1)
    names = set(caches(page))
    assert not names & before, names   # the old caches are gone
    page.reload()
    assert page.locator("h1").inner_text() == "Mật ong hoa bạc hà"
    context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == "Mật ong hoa bạc hà"


def test_same_sources_same_worker(tmp_path):
    build(tmp_path / "a", tmp_path / "out-a", NAMES)
    build(tmp_path / "b", tmp_path / "out-b", NAMES)
    assert (tmp_path / "out-a" / "sw.js").read_bytes() == (tmp_path / "out-b" / "sw.js").read_bytes()
    build(tmp_path / "b", tmp_path / "out-b", NAMES, today="2026-12-01")
    assert (tmp_path / "out-a" / "sw.js").read_bytes() != (tmp_path / "out-b" / "sw.js").read_bytes()


def test_a_product_page_loads_no_map_code_until_the_map_is_near(browser, serve_dir, site, page):
    base = serve_dir(site / "public", "/ocop/")
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type in ("script", "stylesheet") else None)
    page.goto(base + "p/QN-2023-0042/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    assert not [u for u in scripts if "leaflet" in u or "maps.js" in u], scripts
    page.locator("#buy-map").scroll_into_view_if_needed()
    page.locator("#buy-map .leaflet-marker-icon").first.wait_for()
    assert [u for u in scripts if "leaflet.js" in u] and [u for u in scripts if "maps.js" in u]
    assert_clean(page, ignore=("tile.openstreetmap.org",))
