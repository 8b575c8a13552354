"""serve's first look at an edited product: the same bytes the full build then writes, or nothing."""

from __future__ import annotations

from datetime import date

from helpers import PRODUCT, write_site

from ocop_site.commands.preview import preview, previewable
from ocop_site.site.builder import build

TODAY = date(2026, 11, 30)


def site_with_two_products(tmp_path):
    second = PRODUCT.format(code="B-2").replace("name: Mật ong bạc hà", "name: Bánh đa Đồng Đăng")
    return write_site(tmp_path / "site", {"products/A-1.yaml": PRODUCT.format(code="A-1"),
                                          "products/B-2.yaml": second})


def first_build(site, out):
    report = build(site, out, TODAY, workers=1, keep_session=True)
    assert report.published and report.session is not None
    return report.session


def test_preview_writes_what_the_full_build_writes(tmp_path):
    site = site_with_two_products(tmp_path)
    out = tmp_path / "out"
    session = first_build(site, out)
    record = site / "products" / "A-1.yaml"
    record.write_text(record.read_text().replace("name: Mật ong bạc hà", "name: Mật ong hoa bạc hà Mèo Vạc")
                      .replace("    produced: 2024-03-10\n", "    produced: 2024-03-10\n  - lot: L2024-09\n"
                                                               "    produced: 2024-09-02\n"))
    files = previewable(session, site, [str(record)])
    assert files == [record]
    result = preview(session, site, files, out)
    assert not result.failed
    assert sorted(result.pages) == sorted([
        "p/A-1/index.html", "p/A-1/lot/L2024-03/index.html", "p/A-1/lot/L2024-09/index.html",
        "en/p/A-1/index.html", "en/p/A-1/lot/L2024-03/index.html", "en/p/A-1/lot/L2024-09/index.html",
        "p/A-1/badge.svg", "en/p/A-1/badge.svg"])   # the status badge too (its name is on it)
    previewed = {rel: (out / rel).read_bytes() for rel in result.pages}
    assert "Mật ong hoa bạc hà Mèo Vạc".encode() in previewed["p/A-1/index.html"]
    assert b"L2024-09" in previewed["p/A-1/index.html"]
    # the full build that follows changes more (listings), but not these pages
    assert build(site, out, TODAY, workers=1).published
    assert {rel: (out / rel).read_bytes() for rel in result.pages} == previewed
    clean = tmp_path / "clean"
    assert build(site, clean, TODAY, workers=1, cache_dir=tmp_path / "cache2").published
    assert {rel: (clean / rel).read_bytes() for rel in result.pages} == previewed


def test_a_broken_edit_is_reported_at_once_and_nothing_is_written(tmp_path):
    site = site_with_two_products(tmp_path)
    out = tmp_path / "out"
    session = first_build(site, out)
    before = (out / "p/A-1/index.html").read_bytes()
    record = site / "products" / "A-1.yaml"
    for broken, code in [(record.read_text().replace("stars: 4", "stars: 6"), "E2"),
                         (record.read_text().replace("producer: htx-mat-ong", "producer: htx-mat-ongg"), "E301"),
                         (record.read_text().replace("name: Mật ong bạc hà", "name: [unclosed"), "E1")]:
        record.write_text(broken)
        result = preview(session, site, previewable(session, site, [str(record)]), out)
        assert result.failed and not result.pages
        errors = [d for d in result.diagnostics if d.is_error]
        assert errors[0].code.startswith(code) and errors[0].path == "products/A-1.yaml" and errors[0].line > 0
        assert (out / "p/A-1/index.html").read_bytes() == before


def test_changes_the_preview_cannot_show_are_left_to_the_full_build(tmp_path):
    site = site_with_two_products(tmp_path)
    out = tmp_path / "out"
    session = first_build(site, out)
    record = site / "products" / "A-1.yaml"
    new = site / "products" / "C-3.yaml"
    new.write_text(PRODUCT.format(code="C-3"))
    assert previewable(None, site, [str(record)]) == []                       # no good build yet
    assert previewable(session, site, [str(new)]) == []                       # a new product
    assert previewable(session, site, [str(record), str(new)]) == []
    assert previewable(session, site, [str(site / "site.yaml")]) == []        # settings
    assert previewable(session, site, [str(site / "content/producers/htx-mat-ong.md")]) == []
    record.unlink()
    assert previewable(session, site, [str(record)]) == []                    # deleted
    # a product whose certification is not in force yet has no page: nothing to preview
    new.rename(record)
    record.write_text(PRODUCT.format(code="A-1").replace("issued: 2024-05-13", "issued: 2027-01-05"))
    result = preview(session, site, previewable(session, site, [str(record)]), out)
    assert not result.failed and result.pages == []


def test_parts_rendered_once_per_product_follow_an_edit(tmp_path):
    """The status box and packaging list are rendered once per product (product_part) and kept by
    the session's environment: an edited product's preview must not reuse the old ones."""
    site = site_with_two_products(tmp_path)
    out = tmp_path / "out"
    session = first_build(site, out)
    lot = "p/A-1/lot/L2024-03/index.html"
    assert b"OCOP 4 sao" in (out / lot).read_bytes()
    record = site / "products" / "A-1.yaml"
    record.write_text(record.read_text().replace("stars: 4", "stars: 5"))
    result = preview(session, site, previewable(session, site, [str(record)]), out)
    assert not result.failed and lot in result.pages
    previewed = (out / lot).read_bytes()
    assert b"OCOP 5 sao" in previewed and b"OCOP 4 sao" not in previewed
    clean = tmp_path / "clean"
    assert build(site, clean, TODAY, workers=1, cache_dir=tmp_path / "cache2").published
    assert (clean / lot).read_bytes() == previewed


def test_a_broken_edit_shows_every_finding_at_once(tmp_path):
    """Like check and build: a schema error does not hide an unknown producer (issue 15, item 10)."""
    site = site_with_two_products(tmp_path)
    out = tmp_path / "out"
    session = first_build(site, out)
    record = site / "products" / "A-1.yaml"
    record.write_text(record.read_text().replace("stars: 4", "stars: 6").replace(
        "producer: htx-mat-ong", "producer: htx-mat-ongg"))
    result = preview(session, site, previewable(session, site, [str(record)]), out)
    assert result.failed and not result.pages
    assert sorted(d.code for d in result.diagnostics if d.is_error) == ["E206", "E301"]
