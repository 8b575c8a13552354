"""A hostile site in Chromium: a script in every place a source file could carry one, built and
served on loopback, every published page and file visited — no script of a source file runs on
the site's origin (no ``window.__pwned``, no changed title, no dialog).

The site's own ``templates/`` and ``static/`` are code its maintainers write on purpose and are
not hostile input; everything else (records, stories, file names, documents, images, links,
theme settings) is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import PRODUCT, write_site

from ocop_site.commands.cli import main
from ocop_site.site.themes import BUNDLED_THEMES

TODAY = "2026-11-30"


def payload(where: str) -> str:
    """A script that, if it ever ran, would leave a trace: ``window.__pwned``, the title 'PWNED'
    (a word the payload's own text does not hold), a dialog."""
    return (f'<script>window.__pwned="{where}";document.title="PW"+"NED";alert("{where}")</script>'
            f'<img src="/missing.png" onerror="window.__pwned=\'{where}-img\';alert(1)">'
            f'"><svg onload="window.__pwned=\'{where}-svg\'"></svg>')


def short_payload(where: str) -> str:
    """A payload that fits a place name (at most 100 characters, E214)."""
    return f'<script>window.__pwned="{where}"</script><img src=x onerror="window.__pwned=1">'


def q(text: str) -> str:
    """A YAML scalar holding ``text`` exactly (JSON is YAML)."""
    return json.dumps(text, ensure_ascii=False)


SCRIPT_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=\'svg-file\';alert(1)">'
              '<script>window.__pwned="svg-file";document.title="PW"+"NED"</script></svg>')
SCRIPT_HTML = '<!doctype html><script>window.__pwned="html-file";document.title="PW"+"NED";alert(1)</script>'


def story(where: str) -> str:
    return f"""
{payload(where + "-body")}

[bấm vào](javascript:window.__pwned='{where}-js-link';alert(1))
<a href="javascript:window.__pwned='{where}-a'">liên kết</a>
<a href="data:text/html,<script>alert(1)</script>">dữ liệu</a>
<iframe src="https://evil.example/"></iframe>
<object data="tccs.html"></object>
<form action="javascript:alert(1)"><button>Gửi</button></form>
<div style="background:url(javascript:alert(1))" onclick="alert(1)">kiểu</div>
<math><mtext><script>window.__pwned='{where}-math'</script></mtext></math>

[tiêu chuẩn (html)](../../products/HG-2024-0001/tccs.html)
[tiêu chuẩn (svg)](../../products/HG-2024-0001/tccs.svg)
[tệp ẩn](../../.git/config.pdf)
![ảnh svg](../../products/HG-2024-0001/anh.svg)
"""


def product(code: str, extra: str = "") -> str:
    text = PRODUCT.format(code=code)
    text = text.replace("name: Mật ong bạc hà", "name: " + q("Mật ong </script>" + payload(code + "-name")))
    text = text.replace("issuer: UBND huyện Mèo Vạc", "issuer: " + q(payload(code + "-issuer")))
    text = text.replace("decision: 1234/QĐ-UBND", "decision: " + q("1234/QĐ-UBND" + payload(code + "-decision")))
    text = text.replace("commune: Pả Vi", "commune: " + q(short_payload(code[-4:] + "-c")))
    return text + f"""description: {q(payload(code + "-description"))}
subgroup: {q(payload(code + "-subgroup"))}
shelf_life: {q(payload(code + "-shelf"))}
variants:
  - sku: V1
    label: {q(payload(code + "-variant"))}
    packaging_image: HG-2024-0001/anh.svg
images: [HG-2024-0001/anh.svg]
extra: {{note: {q(payload(code + "-extra"))}}}
translations:
  en: {{name: {q(payload(code + "-en-name"))}, description: {q(payload(code + "-en-description"))}}}
""" + extra


def hostile_site(root: Path) -> Path:
    code = "HG-2024-0001"
    files: dict[str, str | bytes] = {
        "site.yaml": f"""title: {q("OCOP " + payload("site-title"))}
base_url: https://ocop.example.gov.vn/
languages: [vi, en]
description: {q(payload("site-description"))}
extra: {{contact: {q(payload("contact"))}}}
qr: {{campaign: {q(payload("campaign"))}}}
""",
        "content/producers/htx-mat-ong.md": f"---\nname: {q('HTX ' + payload('producer-name'))}\n"
                                            f"representative: {q(payload('representative'))}\n"
                                            f"address: {q(payload('producer-address'))}\n"
                                            "logo: ../../products/HG-2024-0001/anh.svg\n---\n" + story("producer"),
        "content/producers/htx-mat-ong.en.md": f"---\nname: {q(payload('producer-en'))}\n---\n" + story("producer-en"),
        "content/sales-points/diem-meo-vac.md": f"""---
name: {q("Điểm " + payload("sales-point-name"))}
kind: shop
address: {q(payload("sales-point-address"))}
opening_hours: {q(payload("hours"))}
coordinates: {{lat: 23.16, lon: 105.41}}
---
""" + story("sales-point"),
        "content/pages/gioi-thieu.md": f"---\ntitle: {q(payload('page-title'))}\n---\n" + story("page"),
        f"products/{code}.yaml": product(code),
        f"products/{code}/anh.svg": SCRIPT_SVG,
        f"products/{code}/tccs.html": SCRIPT_HTML,
        f"products/{code}/tccs.svg": SCRIPT_SVG,
        # documents that must never be published: each record is left out (E308) with --keep-going
        "products/HG-2024-0002.yaml": product("HG-2024-0002", "standard: {number: TCCS 1, document: HG-2024-0001/../HG-2024-0001/tccs.html}\n"),
        "products/HG-2024-0003.yaml": product("HG-2024-0003", "standard: {number: TCCS 1, document: HG-2024-0001/../HG-2024-0001/tccs.svg}\n"),
        "products/HG-2024-0004.yaml": product("HG-2024-0004", "standard: {number: TCCS 1, document: HG-2024-0004/tccs.pdf}\n"),
        "products/HG-2024-0004/tccs.pdf": SCRIPT_HTML,
        "products/HG-2024-0005.yaml": product("HG-2024-0005", "standard: {number: TCCS 1, document: ../.git/config.pdf}\n"),
        "products/HG-2024-0006.yaml": product("HG-2024-0006", "channels:\n  - {type: website, url: \"javascript:alert(1)\"}\n"),
        ".git/config.pdf": b"%PDF-1.4 token=SECRET\n",
    }
    write_site(root, files, base=False)
    return root


def test_no_script_of_a_source_file_runs_on_the_site(page, serve_dir, tmp_path):
    site = hostile_site(tmp_path / "site")
    out = tmp_path / "public"

    # theme override attempts: refused outright, nothing is published
    evil = tmp_path / "evil"   # a complete theme (the bundled one) with a secret among its static files
    shutil.copytree(BUNDLED_THEMES / "default", evil)
    (evil / "static/secret.txt").write_text("SECRET")
    config = (site / "site.yaml").read_text()
    for theme in ("../evil", str(evil)):
        (site / "site.yaml").write_text(config + f"theme: {q(theme)}\n")
        assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY, "--quiet",
                     "--keep-going"]) == 1
        assert not out.exists()
    (site / "site.yaml").write_text(config)

    assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY, "--quiet",
                 "--keep-going"]) == 1   # the records with unsafe documents and links are left out
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "p/HG-2024-0001/index.html" in files

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = serve_dir(out)
    pages = [f for f in files if f.endswith(".html")]
    others = [f for f in files if f.startswith("media/")]
    assert len(pages) > 20
    visited = 0
    for rel in pages + others:
        url = base + (rel[:-len("index.html")] if rel.endswith("index.html") else rel)
        page.goto(url, wait_until="load")
        page.wait_for_timeout(20)
        state = page.evaluate("""() => ({pwned: window.__pwned === undefined ? null : String(window.__pwned),
                                         title: document.title})""")
        assert state["pwned"] is None, f"{rel}: a script of a source file ran ({state['pwned']})"
        assert "PWNED" not in state["title"], f"{rel}: the title was changed: {state['title']}"
        for frame in page.frames[1:]:   # no frame of the site's origin runs one either
            assert frame.evaluate("() => window.__pwned === undefined"), rel
        visited += 1
    # and the links authors wrote are inert: nothing on any page points at javascript: or data:
    for rel in pages:
        text = (out / rel).read_text(encoding="utf-8")
        assert "javascript:" not in text.lower() and 'href="data:' not in text.lower(), rel
        assert "<script>window.__pwned" not in text and "onerror=\"window.__pwned" not in text, rel
    assert dialogs == []
    assert not [f for f in files if f.endswith((".html", ".svg")) and f.startswith("media/")], files
    assert not [f for f in files if ".git" in f or "HG-2024-000" in f and not f.startswith(("p/HG-2024-0001", "en/p/HG-2024-0001", "media/"))]
    assert visited == len(pages) + len(others)
    assert not page.external_requests or all("evil.example" not in u for u in page.external_requests)
