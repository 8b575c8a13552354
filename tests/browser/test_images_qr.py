"""Images and QR codes in a real browser: the SVG code decodes, <picture> loads WebP, nothing is broken."""

from __future__ import annotations

import io

import pytest
from helpers import write_site
from PIL import Image

from ocop_site.commands.cli import main
from ocop_site.core import cache as build_cache

from .conftest import assert_clean

zxingcpp = pytest.importorskip("zxingcpp")

BASE = "https://ocop.example.gov.vn/ocop/"


def jpeg(size, colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("imgqr")
    from helpers import PRODUCT
    src = write_site(base / "site", {
        "site.yaml": f"title: Test OCOP\nbase_url: {BASE}\nlanguages: [vi, en]\nqr: {{campaign: hoi-cho}}\n",
        "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
        + "images: [QN-2023-0042/main.jpg, QN-2023-0042/side.jpg]\n"
        + "variants:\n  - {sku: MO-250, label: Chai 250 ml, packaging_image: QN-2023-0042/chai.jpg}\n",
        "products/QN-2023-0042/main.jpg": jpeg((1600, 1200), (200, 140, 40)),
        "products/QN-2023-0042/side.jpg": jpeg((700, 700), (40, 140, 200)),
        "products/QN-2023-0042/chai.jpg": jpeg((500, 500), (90, 90, 90)),
    })
    out = base / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(build_cache.CACHE_ENV, str(base / "cache"))
        assert main(["build", "--source", str(src), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


def test_svg_qr_code_rendered_by_chromium_decodes(page, serve_dir, site):
    base = serve_dir(site, "/ocop/")
    for folder in ("p/QN-2023-0042/", "p/QN-2023-0042/lot/L2024-03/"):
        page.goto(base + folder + "qr.svg")
        page.set_viewport_size({"width": 570, "height": 570})
        with Image.open(io.BytesIO(page.screenshot())) as shot:
            found = [r.text for r in zxingcpp.read_barcodes(shot.convert("L"))]
        assert found == [BASE + folder + "?utm_source=qr&utm_campaign=hoi-cho"], folder
        assert_clean(page)


def test_product_page_loads_webp_pictures_and_its_qr_code(page, serve_dir, site):
    base = serve_dir(site, "/ocop/")
    page.goto(base + "p/QN-2023-0042/")
    page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode(); }))")
    shown = page.evaluate("""[...document.images].map(i => ({src: i.currentSrc, w: i.naturalWidth,
                             attr: +i.getAttribute('width'), cls: i.className}))""")
    photos = [i for i in shown if i["cls"] not in ("qr", "badge")]   # (the status badge offered to other sites)
    assert len(photos) == 3 and all(i["w"] > 0 for i in shown), shown
    assert all(i["src"].endswith(".webp") for i in photos), "Chromium picks the WebP source"
    qr_img, = [i for i in shown if i["cls"] == "qr"]
    badge, = [i for i in shown if i["cls"] == "badge"]
    assert badge["src"].endswith("/ocop/p/QN-2023-0042/badge.svg")
    assert qr_img["src"].endswith("/ocop/p/QN-2023-0042/qr.svg")
    # the SVG as the page shows it decodes too (drawn at 2× its 160 CSS pixels, as on a phone screen)
    page.evaluate("(q => { q.style.width = q.style.height = '320px'; })(document.querySelector('img.qr'))")
    with Image.open(io.BytesIO(page.locator("img.qr").screenshot())) as shot:
        assert [r.text for r in zxingcpp.read_barcodes(shot.convert("L"))] == \
            [BASE + "p/QN-2023-0042/?utm_source=qr&utm_campaign=hoi-cho"]
    assert_clean(page, ignore=("tile.openstreetmap.org",))
