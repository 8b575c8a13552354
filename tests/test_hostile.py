"""Hostile input: what the build reads and publishes, outputs, CSV cells, control characters,
special files (issue 15's security findings)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import PRODUCT

from ocop_site.cli import main

TODAY = "2026-11-30"


def build(source: Path, out: Path, *extra: str) -> int:
    return main(["build", "--source", str(source), "--output", str(out), "--today", TODAY, "--quiet", *extra])


def check_json(source: Path, capsys) -> list[dict]:
    capsys.readouterr()
    main(["check", "--source", str(source), "--today", TODAY, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def with_document(ref: str) -> str:
    return PRODUCT.format(code="QN-2023-0042") + f"standard:\n  number: TCCS 01:2023/HTX\n  document: {ref}\n"


def published(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


# --- 1. documents and hidden folders -------------------------------------------------------------

SCRIPT_HTML = "<!doctype html><script>window.__pwned = 1</script>"
SCRIPT_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned = 1</script></svg>'


def test_an_html_or_svg_document_is_refused(make_site, tmp_path, capsys):
    for name, body in (("tccs.html", SCRIPT_HTML), ("tccs.svg", SCRIPT_SVG), ("tccs.xhtml", SCRIPT_HTML)):
        site = make_site({"products/QN-2023-0042.yaml": with_document(f"QN-2023-0042/{name}"),
                          f"products/QN-2023-0042/{name}": body})
        found = check_json(site, capsys)
        assert [(d["code"], d["line"]) for d in found if d["severity"] == "error"] == [("E308", 20)], found
        out = tmp_path / f"out-{name}"
        assert build(site, out) == 1
        assert not out.exists()
        assert build(site, out, "--keep-going") == 1
        assert not any(name in p for p in published(out))


def test_markup_renamed_pdf_is_refused(make_site, capsys):
    site = make_site({"products/QN-2023-0042.yaml": with_document("QN-2023-0042/tccs.pdf"),
                      "products/QN-2023-0042/tccs.pdf": "\n  " + SCRIPT_HTML})
    assert [d["code"] for d in check_json(site, capsys) if d["severity"] == "error"] == ["E308"]


def test_a_pdf_document_is_published(make_site, tmp_path, capsys):
    site = make_site({"products/QN-2023-0042.yaml": with_document("QN-2023-0042/tccs.pdf"),
                      "products/QN-2023-0042/tccs.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"})
    assert not [d for d in check_json(site, capsys) if d["severity"] == "error"]
    out = tmp_path / "out"
    assert build(site, out) == 0
    assert "media/products/QN-2023-0042/tccs.pdf" in published(out)
    assert "media/products/QN-2023-0042/tccs.pdf" in (out / "p/QN-2023-0042/index.html").read_text()


def test_nothing_under_a_hidden_folder_is_published(make_site, tmp_path, capsys):
    site = make_site({
        "products/QN-2023-0042.yaml": with_document("../.git/config.pdf"),
        ".git/config.pdf": b"%PDF-1.4 [remote] url = https://token@example.com\n",
        "products/.drafts/photo.jpg": b"\xff\xd8\xff\xe0",
        "content/producers/htx-mat-ong.md": "---\nname: HTX\n---\n[tài liệu](../../.git/config.pdf)\n"
                                            "![ảnh](../../products/.drafts/photo.jpg)\n",
    })
    found = check_json(site, capsys)
    assert any(d["code"] == "E308" and d["path"] == "products/QN-2023-0042.yaml" for d in found), found
    out = tmp_path / "out"
    assert build(site, out, "--keep-going") == 1
    assert not [p for p in published(out) if ".git" in p or ".drafts" in p or "config" in p]
    story = (out / "producers/htx-mat-ong/index.html").read_text()
    assert ".git" not in story and ".drafts" not in story
    capsys.readouterr()
    build(site, tmp_path / "again", "--keep-going")
    err = capsys.readouterr().err
    assert "hidden folder '.git'" in err and "[W101]" in err


def test_an_image_in_a_hidden_folder_is_refused(make_site, capsys):
    site = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
                      + "images: [.private/main.jpg]\n",
                      "products/.private/main.jpg": b"\xff\xd8\xff\xe0"})
    assert [d["code"] for d in check_json(site, capsys) if d["severity"] == "error"] == ["E308"]


# --- 2. themes and outputs -------------------------------------------------------------------------

def test_a_theme_is_a_name_not_a_path(make_site, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "templates").mkdir(parents=True)
    (elsewhere / "static").mkdir()
    (elsewhere / "static/secret.txt").write_text("secret")
    for theme in ("../elsewhere", str(elsewhere), "themes/../../elsewhere", ".hidden"):
        site = make_site({"site.yaml": "title: T\nbase_url: https://x.gov.vn/\ntheme: " + json.dumps(theme) + "\n"})
        found = check_json(site, capsys)
        assert [(d["code"], d["line"], d["col"]) for d in found] == [("E112", 3, 8)], found
        out = tmp_path / "out"
        assert build(site, out) == 1
        assert not out.exists()


def test_a_symlinked_site_theme_outside_the_site_is_refused(make_site, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "templates").mkdir(parents=True)
    (elsewhere / "static").mkdir()
    (elsewhere / "static/secret.txt").write_text("secret")
    site = make_site({"site.yaml": "title: T\nbase_url: https://x.gov.vn/\ntheme: evil\n"})
    (site / "themes").mkdir()
    (site / "themes/evil").symlink_to(elsewhere)
    capsys.readouterr()
    assert build(site, tmp_path / "out") == 1
    assert "[E402]" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_outputs_in_the_cache_or_on_sources_are_refused(make_site, tmp_path, capsys, monkeypatch):
    site = make_site()
    config = (site / "site.yaml").read_bytes()
    record = (site / "products/QN-2023-0042.yaml").read_bytes()
    assert build(site, site / ".ocop-cache") == 2
    assert build(site, site / ".ocop-cache/public") == 2
    assert build(site, site / "products/out") == 2
    assert build(site, site / "static") == 2
    err = capsys.readouterr().err
    assert err.count("ocop-site: error: ") == 4 and "cache folder" in err
    monkeypatch.setenv("OCOP_CACHE_DIR", str(tmp_path / "cache"))
    assert build(site, tmp_path / "cache/public") == 2
    monkeypatch.delenv("OCOP_CACHE_DIR")
    assert "cache folder" in capsys.readouterr().err
    for target in ("site.yaml", "products/QN-2023-0042.yaml", "templates/base.html"):
        assert main(["print", "--source", str(site), "--today", TODAY, "--output", str(site / target)]) == 2
    assert main(["report", "--source", str(site), "--today", TODAY, "--output", str(site / "templates")]) == 2
    assert main(["report", "--source", str(site), "--today", TODAY, "--output", str(site / ".ocop-cache")]) == 2
    err = capsys.readouterr().err
    assert err.count("ocop-site: error: --output") == 5 and len(err.strip().splitlines()) == 5, err
    assert (site / "site.yaml").read_bytes() == config
    assert (site / "products/QN-2023-0042.yaml").read_bytes() == record
    assert not (site / "templates").exists() and not (site / ".ocop-cache/report.html").exists()
    assert build(site, site / "public") == 0
    assert main(["print", "--source", str(site), "--today", TODAY, "--output", str(site / "the.pdf")]) == 0
