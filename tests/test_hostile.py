"""Hostile input: what the build reads and publishes, outputs, CSV cells, control characters,
special files (issue 15's security findings)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import PRODUCT

from ocop_site.commands.cli import main

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


def test_a_story_link_to_markup_named_pdf_is_not_published(make_site, tmp_path, capsys):
    site = make_site({"content/producers/htx-mat-ong.md": "---\nname: HTX\n---\n[tiêu chuẩn](tccs.pdf)\n",
                      "content/producers/tccs.pdf": SCRIPT_HTML})
    out = tmp_path / "out"
    capsys.readouterr()
    assert build(site, out) == 0
    assert "'tccs.pdf' is not published: it holds HTML or XML markup" in capsys.readouterr().err
    assert not [p for p in published(out) if p.endswith("tccs.pdf")]


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


# --- 3. one rule for every file the build reads: inside the site once links are resolved --------

def test_a_record_linked_from_outside_is_refused_without_quoting_it(make_site, tmp_path, capsys):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRET-LINE:/root:/bin/bash\n")
    site = make_site()
    (site / "products/QN-2023-0099.yaml").symlink_to(secret)
    (site / "content/pages").mkdir(parents=True)
    (site / "content/pages/gioi-thieu.md").symlink_to(secret)
    found = check_json(site, capsys)
    refused = sorted((d["path"], d["code"]) for d in found if d["severity"] == "error")
    assert refused == [("content/pages/gioi-thieu.md", "E304"), ("products/QN-2023-0099.yaml", "E304")], found
    capsys.readouterr()
    assert build(site, tmp_path / "out") == 1
    assert main(["check", "--source", str(site), "--today", TODAY]) == 1
    everything = capsys.readouterr()
    assert "SECRET" not in everything.out + everything.err and "root:x" not in everything.err


def test_a_records_folder_linked_from_outside_is_refused_file_by_file(make_site, tmp_path, capsys):
    """Records are judged by their folder, resolved once per load: each file of a folder that leads
    outside is refused, and a record linked to a file inside the site is read as usual."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "gioi-thieu.md").write_text("---\ntitle: SECRET\n---\nSECRET-LINE\n")
    (outside / "lien-he.md").write_text("---\ntitle: SECRET\n---\n")
    site = make_site({"shared/QN-2023-0099.yaml": PRODUCT.format(code="QN-2023-0099")})
    (site / "content/pages").symlink_to(outside)
    (site / "products/QN-2023-0099.yaml").symlink_to(site / "shared/QN-2023-0099.yaml")
    found = check_json(site, capsys)
    refused = sorted((d["path"], d["code"]) for d in found if d["severity"] == "error")
    assert refused == [("content/pages/gioi-thieu.md", "E304"), ("content/pages/lien-he.md", "E304")], found
    (site / "content/pages").unlink()
    (site / "products/QN-2023-0099.yaml").unlink()
    (site / "products/QN-2023-0099.yaml").symlink_to(outside / "gioi-thieu.md")
    refused = [(d["path"], d["code"]) for d in check_json(site, capsys) if d["severity"] == "error"]
    assert refused == [("products/QN-2023-0099.yaml", "E304")]


def test_records_refused_as_links_are_read_once_they_are_plain_files(make_site, tmp_path):
    """A clerk who linked the records folder from elsewhere and then copies it in gets a build: the
    build cache keeps results by the files' bytes, and a refusal is not a property of the bytes."""
    site = make_site()
    elsewhere = tmp_path / "elsewhere"
    (site / "products").rename(elsewhere)
    (site / "products").symlink_to(elsewhere)
    assert build(site, tmp_path / "out") == 1
    (site / "products").unlink()
    shutil.copytree(elsewhere, site / "products")
    assert build(site, tmp_path / "out") == 0


def test_a_linked_folder_inside_the_site_is_fine_and_outside_is_refused(make_site, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    site = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + "images: [ngoai/a.jpg]\n",
                      "shared/a.jpg": b"\xff\xd8\xff"})
    (photos / "a.jpg").write_bytes(b"\xff\xd8\xff")
    (site / "products/ngoai").symlink_to(photos)
    assert [d["code"] for d in check_json(site, capsys) if d["severity"] == "error"] == ["E304"]
    (site / "products/ngoai").unlink()
    (site / "products/ngoai").symlink_to(site / "shared")
    assert not [d for d in check_json(site, capsys) if d["severity"] == "error"]


def test_site_templates_and_static_files_linked_from_outside_are_refused(make_site, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    (outside / "base.html").write_text("SECRET {{ 1 }}")
    for folder, name, target in (("static", "secret.txt", "secret.txt"), ("templates", "base.html", "base.html"),
                                 ("static", "all", ".")):
        site = make_site()
        (site / folder).mkdir(exist_ok=True)
        (site / folder / name).symlink_to(outside / target)
        out = tmp_path / f"out-{folder}-{name}"
        capsys.readouterr()
        assert build(site, out) == 1
        err = capsys.readouterr().err
        assert f"{folder}/{name}:1:1: error: this is a symbolic link that leads outside the site folder" in err, err
        assert "SECRET" not in err and not out.exists()
        found = check_json(site, capsys)   # check reports it as build does
        assert [(d["path"], d["code"]) for d in found if d["severity"] == "error"] == [(f"{folder}/{name}", "E304")]
        (site / folder / name).unlink()


def test_hidden_static_files_are_not_published(make_site, tmp_path):
    site = make_site({"static/.env": "TOKEN=1", "static/.git/config": "x", "static/css/site.css": "a{}"})
    out = tmp_path / "out"
    assert build(site, out) == 0
    files = published(out)
    assert "static/css/site.css" in files and not [f for f in files if "/." in f]


# --- 14. files that would be ignored silently ----------------------------------------------------

def test_records_under_other_extensions_are_warned_about(make_site, capsys):
    site = make_site({"products/QN-2023-0043.yml": PRODUCT.format(code="QN-2023-0043"),
                      "products/QN-2023-0044.YAML": PRODUCT.format(code="QN-2023-0044"),
                      "content/pages/gioi-thieu.markdown": "---\ntitle: Giới thiệu\n---\n",
                      "content/producers/htx-khac.MD": "---\nname: HTX\n---\n",
                      "products/QN-2023-0042/notes.yml": "x: 1\n"})
    found = [(d["path"], d["code"]) for d in check_json(site, capsys) if d["code"] == "W106"]
    assert found == [("content/pages/gioi-thieu.markdown", "W106"), ("content/producers/htx-khac.MD", "W106"),
                     ("products/QN-2023-0043.yml", "W106"), ("products/QN-2023-0044.YAML", "W106")]


def test_a_file_name_in_nfd_is_explained(make_site, capsys):
    import unicodedata
    name = unicodedata.normalize("NFD", "Ảnh chính.jpg")
    site = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
                      + "images: [QN-2023-0042/Ảnh chính.jpg]\n",
                      f"products/QN-2023-0042/{name}": b"\xff\xd8\xff"})
    [error] = [d for d in check_json(site, capsys) if d["severity"] == "error"]
    assert error["code"] == "E303" and "decomposed Unicode (NFD)" in error["message"]


# --- 16. special files never hang a build --------------------------------------------------------

def test_fifos_in_the_source_tree_are_skipped_with_a_warning(make_site, tmp_path):
    import os
    import subprocess
    import sys
    site = make_site({"products/QN-2023-0042/.keep": ""})
    for rel in ("products/QN-2023-0099.yaml", "products/pipe", "products/QN-2023-0042/main.jpg", "static/pipe.css",
                "templates/pipe.html", "content/pages/pipe.md"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(site / rel)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for command in (["check"], ["build", "--output", str(tmp_path / "out")]):
        run = subprocess.run([sys.executable, "-m", "ocop_site", *command, "--source", str(site), "--today", TODAY],
                             capture_output=True, text=True, timeout=120, env=env)
        assert run.returncode == 0, run.stderr
        for rel in ("products/QN-2023-0099.yaml", "products/pipe", "content/pages/pipe.md",
                    "static/pipe.css", "templates/pipe.html"):   # check finds what build finds
            assert f"{rel}:1:1: warning: this is a FIFO (named pipe), not a file; it is skipped [W107]" in run.stderr, command
    assert (tmp_path / "out/index.html").is_file() and not (tmp_path / "out/static/pipe.css").exists()


def test_a_fifo_named_as_an_image_or_story_link_is_refused_not_read(make_site, tmp_path, capsys):
    import os
    site = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + "images: [QN-2023-0042/main.jpg]\n",
                      "content/producers/htx-mat-ong.md": "---\nname: HTX\n---\n[tệp](tep.pdf)\n"})
    (site / "products/QN-2023-0042").mkdir()
    os.mkfifo(site / "products/QN-2023-0042/main.jpg")
    os.mkfifo(site / "content/producers/tep.pdf")
    found = check_json(site, capsys)
    assert [(d["code"], d["message"]) for d in found if d["severity"] == "error"] == [   # check renders stories too
        ("E303", "'tep.pdf' is a FIFO (named pipe), not a file"),
        ("E303", "images: 'QN-2023-0042/main.jpg' is a FIFO (named pipe), not a file")], found
    capsys.readouterr()
    assert build(site, tmp_path / "out", "--keep-going") == 1
    assert "'tep.pdf' is a FIFO (named pipe), not a file [E303]" in capsys.readouterr().err


# --- 4. CSV formula injection ----------------------------------------------------------------

def test_csv_cells_cannot_start_a_formula(make_site, tmp_path):
    import csv
    import io
    record = PRODUCT.format(code="QN-2023-0042").replace(
        "name: Mật ong bạc hà", "name: '=HYPERLINK(\"http://evil.example\",\"Bấm\")'").replace(
        "commune: Pả Vi", "commune: '@SUM(1+1)'")
    site = make_site({"products/QN-2023-0042.yaml": record.replace("  province: Hà Giang", "  province: '-2+3'"),
                      "products/QN-2023-0043.yaml": PRODUCT.format(code="QN-2023-0043").replace(
                          "name: Mật ong bạc hà", "name: \"+84 mật ong\"")})
    out = tmp_path / "out"
    assert build(site, out) == 0
    rows = list(csv.DictReader(io.StringIO((out / "catalog.csv").read_text(encoding="utf-8-sig"))))
    first, second = rows
    assert first["name"] == "'" + '=HYPERLINK("http://evil.example","Bấm")'
    assert first["commune"] == "'@SUM(1+1)" and first["province"] == "'-2+3"
    assert second["name"] == "'+84 mật ong" and second["stars"] == "4"
    catalog = json.loads((out / "catalog.json").read_text())
    assert catalog["products"][0]["name"] == '=HYPERLINK("http://evil.example","Bấm")'
    assert main(["report", "--source", str(site), "--today", TODAY, "--output", str(tmp_path / "report")]) == 0
    issues = list(csv.DictReader(io.StringIO((tmp_path / "report/issues.csv").read_text(encoding="utf-8-sig"))))
    assert issues and all(not r[k].startswith(("=", "+", "-", "@")) for r in issues for k in r)
    assert {r["name"] for r in issues} >= {"'" + '=HYPERLINK("http://evil.example","Bấm")', "'+84 mật ong"}


def test_spreadsheet_cell_leaves_numbers_and_plain_text_alone():
    from ocop_site.site.exports import spreadsheet_cell
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(None) == "" and spreadsheet_cell("Mật ong") == "Mật ong"
    assert [spreadsheet_cell(c + "x") for c in "=+-@\t\r"] == ["'" + c + "x" for c in "=+-@\t\r"]


# --- 5. nothing from a source file controls the terminal -----------------------------------------

def test_escape_sequences_and_newlines_are_shown_quoted(make_site, tmp_path, capsys):
    forged = "QN-2023-0042.yaml:1:1: error: forged [E999]"
    site = make_site({
        "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042").replace(
            "commune: Pả Vi", 'commune: "Pả\\e[2J\\e]0;owned\\aVi\\u202e\\x85"'),
        f"products/X\n{forged}.yaml": "code: x\n",
        "products/QN-2023-0050.yaml": "code: QN-2023-0050\nname: \x1b[31mđỏ\nstras\x9b: 1\n",
    })
    capsys.readouterr()
    for mode in ("text", "json"):
        main(["check", "--source", str(site), "--today", TODAY, "--format", mode])
        seen = capsys.readouterr()
        written = seen.out + seen.err
        assert not [c for c in written if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f
                    or c in "\u202e\u2028\u2029"], repr(written)
        assert not [line for line in written.splitlines() if line.startswith(forged[:20])]
    main(["check", "--source", str(site), "--today", TODAY])
    err = capsys.readouterr().err
    assert "products/X\\nQN-2023-0042.yaml:1:1: error: forged [E999].yaml:1:1: error:" in err
    assert "'Pả\\x1b[2J\\x1b]0;owned\\x07Vi\\u202e'" in err
    assert build(site, tmp_path / "out", "--keep-going") == 1
    err = capsys.readouterr().err
    assert "\n  products/X\\nQN-2023-0042.yaml" in err and "\x1b" not in err


def test_quoted_values_and_context_lines_are_cut(make_site, capsys):
    long_commune = "Xã " + "Rất Dài " * 11   # 90 characters: under E214's bound of 100, quoted cut
    site = make_site({
        "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042").replace("commune: Pả Vi", f"commune: {long_commune}"),
        "products/QN-2023-0043.yaml": PRODUCT.format(code="QN-2023-0043").replace(
            "category: food", "category: food\n" + "x" * 500_000 + ": 1"),
        "products/QN-2023-0044.yaml": PRODUCT.format(code="QN-2023-0044") + "y" * 300 + ": 1\n",
    })
    capsys.readouterr()
    main(["check", "--source", str(site), "--today", TODAY])
    err = capsys.readouterr().err
    assert max(len(line) for line in err.splitlines()) < 400, max(err.splitlines(), key=len)[:200]
    w103 = next(line for line in err.splitlines() if "[W103]" in line)
    assert "…'" in w103 and len(w103) < 300
    for d in check_json(site, capsys):
        assert len(d["message"]) < 400
