"""Building the site: pages, statuses, exports, links, determinism, safe publishing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from helpers import PRODUCT, ROOT
from sitecheck import Page, broken_links, read

from ocop_site.commands.cli import main
from ocop_site.core.output import MARKER

TODAY = "2026-11-30"


def build(source: Path, out: Path, *extra: str) -> int:
    return main(["build", "--source", str(source), "--output", str(out), "--today", TODAY, "--quiet", *extra])


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "public"
    assert build(ROOT, out) == 0
    return out


@pytest.fixture(scope="module")
def sample_sub(tmp_path_factory):
    out = tmp_path_factory.mktemp("sub") / "public"
    assert build(ROOT, out, "--base-url", "https://so.example.gov.vn/ocop/") == 0
    return out


def test_spec_paths_exist(sample_out):
    for rel in ("index.html", "p/HG-2020-0015/index.html", "p/HG-2020-0015/qr.svg" if False else "p/HG-2020-0015/index.html",
                "producers/htx-mat-ong-pa-vi/index.html", "sales-points/cho-dong-dang/index.html",
                "catalog.json", "catalog.csv", "sales-points.geojson", "sitemap.xml", "robots.txt", "feed.xml",
                "404.html", "en/index.html", "en/p/HG-2020-0015/index.html", "categories/food/index.html",
                "stars/5/index.html", "provinces/lang-son/index.html", "gioi-thieu/index.html", MARKER):
        assert (sample_out / rel).is_file(), rel
    lots = list((sample_out / "p" / "HG-2020-0015" / "lot").glob("*/index.html"))
    assert lots


def test_status_attribute_and_honest_pages(sample_out):
    assert read(sample_out, "p/HG-2020-0015/index.html").find("body", data_ocop_status="valid")
    revoked = read(sample_out, "p/LS-2023-0027/index.html")
    assert revoked.find("body", data_ocop_status="revoked")
    assert revoked.find("meta", name="robots", content="noindex")
    assert "12/03/2025" in revoked.text and "88/QĐ-UBND" in revoked.text and "Bao bì không đúng mẫu" in revoked.text
    assert not [attrs for attrs, _ in revoked.scripts if attrs.get("type") == "application/ld+json"], \
        "no JSON-LD for a product that is not certified"
    expired = read(sample_out, "p/HN-2022-0099/index.html")
    assert expired.find("body", data_ocop_status="expired") and expired.find("meta", name="robots", content="noindex")
    for lot in (sample_out / "p" / "LS-2023-0027" / "lot").glob("*/index.html"):
        assert Page(lot.read_text()).find("body", data_ocop_status="revoked")
    assert not (sample_out / "p" / "TQ-2027-0003").exists(), "pending products get no page"


def test_ended_products_offer_no_buying_links(sample_out, tmp_path):
    # QN-2023-0030 (revoked) gets channels in a copy of the sample, which must not be shown
    site = tmp_path / "site"
    shutil.copytree(ROOT, site, ignore=shutil.ignore_patterns("public", ".git", "tests", "benchmarks"))
    rec = site / "products" / "LS-2023-0027.yaml"
    rec.write_text(rec.read_text() + "channels:\n  - {type: shopee, url: 'https://shopee.vn/xa-phong'}\n"
                   "sales_points: [cho-dong-dang]\n")
    assert build(site, tmp_path / "out") == 0
    page = read(tmp_path / "out", "p/LS-2023-0027/index.html")
    assert "https://shopee.vn/xa-phong" not in page.links()
    assert not any("/sales-points/" in link for link in page.links() if "cho-dong-dang" in link)


def test_only_valid_products_in_listings_and_exports(sample_out):
    data = json.loads((sample_out / "catalog.json").read_text())
    assert data["as_of"] == TODAY
    codes = {r["code"] for r in data["products"]}
    assert "HG-2020-0015" in codes and not codes & {"LS-2023-0027", "HN-2022-0099", "TQ-2027-0003", "QN-2023-0030"}
    row = next(r for r in data["products"] if r["code"] == "HG-2020-0015")
    assert list(row) == ["code", "name", "stars", "category", "producer", "province", "district", "commune",
                         "valid_until", "url"]
    assert row["stars"] == 5 and row["url"] == "https://ocop.example.gov.vn/p/HG-2020-0015/"
    raw = (sample_out / "catalog.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["code"] for r in rows} == codes and rows[0].keys() == row.keys()
    home_links = " ".join(read(sample_out, "index.html").links() + read(sample_out, "page/2/index.html").links())
    assert "/p/HG-2020-0015/" in home_links and "/p/LS-2023-0027/" not in home_links
    sitemap = (sample_out / "sitemap.xml").read_text()
    assert "/p/HG-2020-0015/" in sitemap and "LS-2023-0027" not in sitemap and "HN-2022-0099" not in sitemap
    feed = (sample_out / "feed.xml").read_text()
    assert "LS-2023-0027" not in feed and "HN-2022-0099" not in feed
    ET.fromstring(feed.encode())
    geo = json.loads((sample_out / "sales-points.geojson").read_text())
    for feature in geo["features"]:
        assert set(feature["properties"]["products"]) <= codes
        lon, lat = feature["geometry"]["coordinates"]
        assert 8 <= lat <= 24 and 102 <= lon <= 118


def test_every_internal_link_resolves(sample_out):
    assert broken_links(sample_out) == []


def test_links_work_under_a_base_path(sample_sub):
    assert broken_links(sample_sub, "/ocop/") == []
    page = read(sample_sub, "p/HG-2020-0015/index.html")
    assert page.find("link", rel="canonical", href="https://so.example.gov.vn/ocop/p/HG-2020-0015/")
    assert "Sitemap: https://so.example.gov.vn/ocop/sitemap.xml" in (sample_sub / "robots.txt").read_text()
    assert json.loads((sample_sub / "catalog.json").read_text())["products"][0]["url"].startswith("https://so.example.gov.vn/ocop/p/")


def test_english_pages(sample_out):
    page = read(sample_out, "en/p/LS-2023-0027/index.html")
    assert page.find("html", lang="en")
    assert "Star anise and cinnamon soap" in page.text
    assert page.find("link", rel="alternate", hreflang="vi", href="https://ocop.example.gov.vn/p/LS-2023-0027/")
    vi = read(sample_out, "p/LS-2023-0027/index.html")
    assert vi.find("html", lang="vi") and "Xà phòng tinh dầu hồi quế" in vi.text


def test_json_ld_product_without_review_markup(sample_out):
    page = read(sample_out, "p/HG-2020-0015/index.html")
    (attrs, text), = [(a, t) for a, t in page.scripts if a.get("type") == "application/ld+json"]
    assert attrs["type"] == "application/ld+json"
    ld = json.loads(text)
    assert ld["@type"] == "Product" and ld["brand"]["name"] and "5" in ld["award"]
    assert "aggregateRating" not in text and "review" not in text.lower()
    assert ld["offers"]["@type"] == "AggregateOffer" and ld["offers"]["priceCurrency"] == "VND"


def test_byte_identical_builds_anywhere(sample_out, tmp_path):
    other = tmp_path / "elsewhere" / "site-output"
    assert build(ROOT, other) == 0
    assert tree(other) == tree(sample_out)


def test_unsafe_outputs_are_refused(make_site, tmp_path, capsys):
    site = make_site()
    assert build(site, site) == 2
    assert build(site, site.parent) == 2
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    assert build(site, precious) == 2
    assert (precious / "thesis.txt").read_text() == "do not delete" and len(list(precious.iterdir())) == 1
    err = capsys.readouterr().err
    assert "not empty and was not written by ocop-site" in err


def test_failed_build_leaves_output_as_it_was(make_site, tmp_path):
    site = make_site()
    out = tmp_path / "out"
    assert build(site, out) == 0
    before = tree(out)
    (site / "products" / "QN-2023-0042.yaml").write_text(PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stars: 8"))
    assert build(site, out) == 1
    assert tree(out) == before
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")], "no staging folder left behind"


@pytest.mark.parametrize("incremental", [False, True], ids=["fresh", "incremental"])
def test_a_page_worker_that_dies_stops_the_build_with_one_line_and_the_output_stays(make_site, tmp_path, capsys,
                                                                                     monkeypatch, incremental):
    """A page worker killed (out of memory, a kill -9) stops the build with one line, exit status 2,
    no traceback, and leaves the output as it was; the next build publishes."""
    import os

    from ocop_site.core import workers
    from ocop_site.site import builder, pages

    if not workers.can_fork():
        pytest.skip("workers are forked")
    site = make_site()
    out = tmp_path / "out"
    if incremental:
        assert build(site, out) == 0
    before = tree(out) if incremental else None
    record = site / "products" / "QN-2023-0042.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("name: ", "name: Mới ", 1), encoding="utf-8")
    real = pages._render_share

    def dies_in_second_worker(job, index, parts):
        if parts > 1 and index == 1:
            os._exit(9)     # as a killed process: no exception, no result
        return real(job, index, parts)

    monkeypatch.setattr(pages, "_render_share", dies_in_second_worker)
    monkeypatch.setattr(builder, "available_workers", lambda: 2)
    capsys.readouterr()
    assert build(site, out) == 2
    err = capsys.readouterr().err
    assert err == (f"ocop-site: error: a worker process died before finishing its work (killed, or out of memory?); "
                   f"nothing was published; {out} is unchanged\n")
    if incremental:
        assert tree(out) == before
    else:
        assert not out.exists()
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")], "no staging folder left behind"
    monkeypatch.setattr(pages, "_render_share", real)
    assert build(site, out) == 0


@pytest.mark.parametrize("incremental", [False, True], ids=["fresh", "incremental"])
def test_a_write_that_fails_midway_leaves_output_as_it_was(make_site, tmp_path, capsys, monkeypatch, incremental):
    """A full disk halfway through the pages: a clear error (no traceback), exit 2, nothing staged left
    behind, and the previous site exactly as it was, whether it is rebuilt from scratch or in place."""
    import errno

    from ocop_site.core import output as output_module

    site = make_site()
    out = tmp_path / "out"
    assert build(site, out) == 0
    before = tree(out)
    if not incremental:
        shutil.rmtree(site / ".ocop-cache" / "builds", ignore_errors=True)   # no manifest: a fresh build
    (site / "products" / "QN-2023-0042.yaml").write_text(
        PRODUCT.format(code="QN-2023-0042").replace("Mật ong bạc hà", "Mật ong bạc hà Đồng Văn"))
    put, written = output_module._Folder.put, []

    def full_disk(self, rel, data):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", f"{self._root}/{rel}")
        written.append(rel)
        put(self, rel, data)

    monkeypatch.setattr(output_module._Folder, "put", full_disk)
    capsys.readouterr()
    assert build(site, out) == 2
    err = capsys.readouterr().err
    assert f"ocop-site: error: cannot write the output {out}: No space left on device (" in err, err
    assert "nothing was published; it is unchanged" in err and "Traceback" not in err
    assert tree(out) == before
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def test_an_output_under_a_file_is_refused(make_site, tmp_path, capsys):
    site = make_site()
    (tmp_path / "note.txt").write_text("x")
    assert build(site, tmp_path / "note.txt" / "public") == 2
    err = capsys.readouterr().err
    assert f"cannot be made: {tmp_path / 'note.txt'} is a file, not a folder" in err and "Traceback" not in err


def test_keep_going_publishes_sound_records(make_site, tmp_path, capsys):
    site = make_site({"products/B-1.yaml": PRODUCT.format(code="B-1").replace("stars: 4", "stars: 9")})
    out = tmp_path / "out"
    assert build(site, out) == 1 and not out.exists()
    assert build(site, out, "--keep-going") == 1
    assert (out / "p" / "QN-2023-0042" / "index.html").is_file() and not (out / "p" / "B-1").exists()
    assert "left out because of errors:\n  products/B-1.yaml" in capsys.readouterr().err


def test_python_build_py_with_no_arguments_builds(tmp_path):
    import subprocess
    import sys
    site = tmp_path / "site"
    shutil.copytree(ROOT, site, ignore=shutil.ignore_patterns("public", ".git", "tests", "benchmarks", "ocop_site"))
    result = subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=site, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (site / "public" / "index.html").is_file()


def test_the_build_command_pauses_cycle_collection_and_serve_does_not(make_site, tmp_path, monkeypatch):
    """Automatic collection is off during the build command's build (it would walk every record
    and view again and again) and as it was afterwards; a build called from elsewhere (``serve``,
    whose server threads go on) leaves it alone; forked workers collect."""
    import gc

    from ocop_site.core.workers import parallel_map
    from ocop_site.site import builder

    during = []
    real_load = builder.load_catalog

    def load_catalog(*args, **kwargs):
        during.append(gc.isenabled())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(builder, "load_catalog", load_catalog)
    site = make_site()
    assert gc.isenabled()
    assert main(["build", "--source", str(site), "--output", str(tmp_path / "a"), "--today", "2026-11-30"]) == 0
    assert during == [False] and gc.isenabled()
    assert builder.build(site, tmp_path / "b", date(2026, 11, 30), workers=1).published
    assert during == [False, True] and gc.isenabled()
    gc.disable()
    try:
        assert main(["build", "--source", str(site), "--output", str(tmp_path / "c"), "--today", "2026-11-30"]) == 0
        assert not gc.isenabled()
        assert parallel_map(lambda _: gc.isenabled(), list(range(8)), 2) == [True] * 8
    finally:
        gc.enable()
