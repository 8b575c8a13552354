"""Badges and embedded lists on someone else's site: the sample catalog is served from one loopback
origin, a third-party page from another, and Chromium shows the one inside the other."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from helpers import ROOT
from PIL import Image

from ocop_site.commands.cli import main

from .conftest import assert_clean

TODAY = "2026-11-30"
SVG = "{http://www.w3.org/2000/svg}"
POINT = "diem-ocop-meo-vac"


@pytest.fixture
def sites(serve_dir, tmp_path):
    """(site URL, third-party folder, third-party URL): the sample built for the origin it is served from."""
    out = tmp_path / "public"
    out.mkdir()
    site = serve_dir(out)   # (served first: the site is built for the address it is served at)
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", TODAY, "--base-url", site,
                 "--quiet"]) == 0
    other = tmp_path / "shop"
    other.mkdir()
    return site, out, other, serve_dir(other)


def ink_columns(image: Image.Image, left: int, top: int, bottom: int) -> list[int]:
    """Columns from ``left`` that hold a dark pixel between ``top`` and ``bottom``."""
    grey = image.convert("L")
    return [x for x in range(left, grey.width)
            if any(grey.getpixel((x, y)) < 150 for y in range(top, bottom))]


def test_badges_in_img_tags_on_another_site_are_not_clipped(page, sites):
    site, out, other, shop = sites
    codes = {"valid": "HG-2020-0015", "revoked": "QN-2023-0030", "expired": "HN-2022-0099"}
    badges = {f"{status}-{lang.strip('/') or 'vi'}": f"{site}{lang}p/{code}/badge.svg"
              for status, code in codes.items() for lang in ("", "en/")}
    (other / "index.html").write_text(
        "<!doctype html><html lang=vi><meta charset=utf-8><title>Cửa hàng</title><body style='margin:8px'>"
        + "".join(f"<p><a href='{site}p/x/'><img id='{key}' src='{src}' alt='badge'></a></p>"
                  for key, src in badges.items()), encoding="utf-8")
    page.goto(shop)
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    for key, src in badges.items():
        rel = src[len(site):]
        svg = ET.fromstring((out / rel).read_bytes())
        width, height = int(svg.get("width")), int(svg.get("height"))
        img = page.locator(f"#{key}")
        assert img.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [width, height], key
        shot = Image.open(io.BytesIO(img.screenshot()))
        assert shot.size == (width, height), key
        texts = list(svg.iter(SVG + "text"))
        start = float(texts[1].get("x"))                                  # the texts right of the OCOP mark
        ends = [float(t.get("x")) + float(t.get("textLength")) for t in texts[1:]]
        inked = ink_columns(shot, int(start), 4, height - 4)
        # the text reaches its measured end and stops before the right edge (a clipped text would run to it)
        assert inked and max(inked) >= max(ends) - 6, (key, max(inked), ends)
        assert max(inked) <= width - 6, (key, max(inked), width)
        is_valid = key.startswith("valid")
        assert (len([p for p in svg.iter(SVG + "polygon")]) > 0) == is_valid, key
    assert_clean(page)


def test_embed_in_an_iframe_on_another_origin(page, sites):
    site, out, other, shop = sites
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site))
    assert urlsplit(shop).netloc != urlsplit(site).netloc
    embed = f"{site}sales-points/{POINT}/embed/"
    (other / "index.html").write_text(
        "<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>Cửa hàng</title><h1>Sản phẩm OCOP của cửa hàng</h1><iframe src='{embed}' title='OCOP' "
        "width='100%' height='600' style='border:0' loading='lazy'></iframe>", encoding="utf-8")
    # the site's pages under a strict policy: only its own files, framable by anyone
    csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'"

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

    page.route(re.compile(re.escape(embed) + "$"), with_csp)
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.frame.url if r.frame else "", r.url)))
    page.goto(shop)
    frame_el = page.wait_for_selector("iframe")
    frame = frame_el.content_frame()
    frame.wait_for_selector(".embed-list li")
    frame.wait_for_function("() => document.images.length > 0 && document.images[0].naturalWidth > 0")
    expected = json.loads((out / f"sales-points/{POINT}/products.json").read_text(encoding="utf-8"))["products"]
    names = frame.eval_on_selector_all(".embed-list li a", "as => as.map(a => a.textContent.trim())")
    assert sorted(names) == sorted(r["name"] for r in expected) and names
    assert frame.eval_on_selector_all("a", "as => as.every(a => a.target === '_top')")
    assert frame.evaluate("document.styleSheets.length") == 1
    assert frame.evaluate("getComputedStyle(document.querySelector('.embed-head')).borderBottomColor") \
        == "rgb(15, 76, 58)", "the theme's brand colour"
    shown = frame.eval_on_selector_all(".embed-list img", "is => is.filter(i => i.naturalWidth > 0).length")
    assert shown > 0, "the product photos load inside the frame"
    assert not frame.query_selector("[data-map]")
    scripts = frame.eval_on_selector_all("script", "ss => ss.map(s => s.src)")
    assert len(scripts) == 1 and scripts[0].startswith(site + "static/js/embed-guard.js?v="), scripts
    from_frame = [url for frame_url, url in requests if frame_url.startswith(embed) or url.startswith(embed)]
    assert from_frame and all(url.startswith(origin + "/") for url in from_frame), from_frame
    assert_clean(page)
    # a product link opens the full page in the top window, not inside the frame
    first = frame.locator(".embed-list li a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(href)
    assert page.url == href and page.url.startswith(site + "p/")
    assert_clean(page)


def test_an_embed_left_unrebuilt_drops_products_whose_rating_has_ended(page, sites):
    """The stale-build guard of the lists: past an item's valid-until (in Vietnam), the item goes
    and a note says the list is out of date; on the build day nothing changes."""
    site, out, other, shop = sites
    embed = f"{site}sales-points/{POINT}/embed/"
    rows = json.loads((out / f"sales-points/{POINT}/products.json").read_text(encoding="utf-8"))["products"]
    first = min(rows, key=lambda r: r["valid_until"])
    last_day = first["valid_until"]
    for when, gone in ((f"{TODAY}T09:00:00+07:00", set()),
                       (f"{last_day}T23:30:00+07:00", set()),                       # its last day, in Vietnam
                       (f"{last_day}T17:30:00-07:00", {r["name"] for r in rows if r["valid_until"] <= last_day})):
        page.clock.set_fixed_time(datetime.fromisoformat(when))
        page.goto(embed)
        page.wait_for_load_state("load")
        names = page.eval_on_selector_all(".embed-list li a", "as => as.map(a => a.textContent.trim())")
        assert sorted(names) == sorted(r["name"] for r in rows if r["name"] not in gone), when
        assert (page.locator(".embed-stale").count() == 1) == bool(gone), when
    assert "Danh sách này được cập nhật lần cuối ngày 30/11/2026" in page.locator(".embed-stale").inner_text()
    assert_clean(page)
