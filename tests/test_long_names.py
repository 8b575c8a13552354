"""Names from data become folder and file names of the output (issue 15, item 13).

A 300-character province name made ``build`` impossible ("File name too long", exit 2, with
``--keep-going`` too). Now ``check`` refuses over-long names where they are written (E214), and
every path segment made from data is bounded, so a build never fails on one.
"""

from __future__ import annotations

import os

from helpers import PRODUCT

from ocop_site.commands.cli import main
from ocop_site.core.vietnamese import MAX_SEGMENT, bounded_slug, slugify
from ocop_site.records.catalog import load_catalog

P = "products/QN-2023-0042.yaml"
Q = "products/QN-2023-0043.yaml"
LONG_PROVINCE = "Tỉnh " + " ".join(["Hà Giang Mèo Vạc"] * 20)   # 344 characters


def test_bounded_slug_is_short_stable_and_keeps_long_names_apart():
    assert bounded_slug("Thừa Thiên Huế") == slugify("Thừa Thiên Huế") == "thua-thien-hue"
    a, b = bounded_slug(LONG_PROVINCE), bounded_slug(LONG_PROVINCE + " B")
    assert len(a) <= MAX_SEGMENT and len(b) <= MAX_SEGMENT and a != b
    assert a == bounded_slug(LONG_PROVINCE) and a.startswith("tinh-ha-giang-meo-vac-")
    assert len(bounded_slug("ﬃ" * 300).encode()) <= MAX_SEGMENT


def test_check_refuses_an_over_long_place_name_where_it_is_written(make_site):
    text = PRODUCT.format(code="QN-2023-0042").replace("province: Hà Giang", f"province: {LONG_PROVINCE}")
    _, diags = load_catalog(make_site({P: text}))
    [e214] = [d for d in diags if d.code == "E214"]
    assert (e214.path, e214.line, e214.col) == (P, 6, 13) and e214.is_error
    assert "is 344 characters long; a place name may have at most 100" in e214.message
    assert len(e214.message) < 200


def test_check_refuses_an_over_long_slug(make_site):
    slug = "-".join(["htx-mat-ong-bac-ha-meo-vac"] * 5)   # 134 characters
    files = {f"content/producers/{slug}.md": "---\nname: HTX\n---\n",
             P: PRODUCT.format(code="QN-2023-0042").replace("producer: htx-mat-ong", f"producer: {slug}")}
    _, diags = load_catalog(make_site(files))
    found = sorted((d.path, d.line, d.col) for d in diags if d.code == "E214")
    assert found == sorted([(P, 4, 11), (f"content/producers/{slug}.md", 1, 1)])


def test_a_long_province_name_never_makes_the_build_fail(make_site, tmp_path, capsys):
    bad = PRODUCT.format(code="QN-2023-0043").replace("province: Hà Giang", f"province: {LONG_PROVINCE}")
    site = make_site({P: PRODUCT.format(code="QN-2023-0042"), Q: bad})
    out = tmp_path / "out"
    status = main(["build", "--source", str(site), "--output", str(out), "--today", "2024-11-30", "--quiet",
                   "--keep-going"])
    err = capsys.readouterr().err
    assert status == 1 and "[E214]" in err and "too long" not in err.lower(), err
    assert (out / "p/QN-2023-0042/index.html").is_file() and not (out / "p/QN-2023-0043").exists()
    for folder, dirs, files in os.walk(out):
        assert all(len(name.encode()) <= 120 for name in dirs + files), folder


def test_an_unknown_province_of_a_sales_point_gets_a_bounded_folder(make_site, tmp_path):
    """Province names up to the limit are published; their folder names stay short whatever they hold."""
    name = "Tỉnh " + "ﬃ" * 95
    point = ("---\nname: Điểm OCOP Mèo Vạc\nkind: shop\naddress: Thị trấn Mèo Vạc\n"
             f"location: {{province: '{name}', commune: Xã A}}\ncoordinates: {{lat: 23.16, lon: 105.41}}\n---\n")
    site = make_site({"content/sales-points/diem-meo-vac.md": point})
    out = tmp_path / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", "2024-11-30", "--quiet"]) == 0
    for folder, dirs, files in os.walk(out):
        assert all(len(name.encode()) <= 120 for name in dirs + files), folder
