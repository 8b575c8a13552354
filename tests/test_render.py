"""Rendering: sanitised stories, escaped records, template overrides and template errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers import PRODUCER, PRODUCT
from sitecheck import Page, read

from ocop_site.commands.cli import main
from ocop_site.site.themes import json_for_script

P = "products/QN-2023-0042.yaml"


def build(site: Path, out: Path, *extra) -> int:
    return main(["build", "--source", str(site), "--output", str(out), "--today", "2026-11-30", "--quiet", *extra])


EVIL = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'

STORY = """\
---
name: HTX "Mật ong" </script><b onclick=alert(3)>
---
## Câu chuyện Đồng Đăng

Hello <script>alert(4)</script> <img src="https://x/y.png" onerror="alert(5)">
<a href="javascript:alert(6)">click</a> <a href="data:text/html,<script>alert(7)</script>">data</a>
<iframe src="https://evil.example/"></iframe>
<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Video"></iframe>
<style>body{display:none}</style>
<svg onload=alert(8)></svg>
"""


def active_markup(page: Page) -> list[str]:
    """Anything that could run: scripts other than JSON-LD, event handlers, script URLs, foreign iframes."""
    found = []
    for attrs, text in page.scripts:
        if (attrs.get("src") or "").startswith(("/static/js/", "/static/vendor/")) and not text.strip():
            continue  # the theme's own scripts and the libraries it uses (Leaflet), served from the site
        if attrs.get("type") in ("application/ld+json", "application/json"):
            assert "</script" not in text.lower()
            continue  # data blocks: browsers never execute them
        found.append(f"script {attrs}")
    for tag, attrs in page.tags:
        for key, value in attrs.items():
            if key.startswith("on"):
                found.append(f"{tag} {key}")
            if key in ("href", "src", "action", "formaction") and value and \
                    re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                found.append(f"{tag} {key}={value}")
        if tag == "iframe" and not (attrs.get("src") or "").startswith("https://www.youtube-nocookie.com/"):
            if re.fullmatch(r"/(en/)?(sales-points|producers)/[a-z0-9-]+/embed/", attrs.get("src") or ""):
                continue  # the embedding help page's live example: the site's own product list
            if attrs.get("src"):
                found.append(f"iframe {attrs.get('src')}")
        if tag == "form" and (attrs.get("action") or "").endswith("/search/"):
            continue  # the theme's search forms
        if tag == "svg" and attrs.get("class") == "chart":
            continue  # the statistics charts, drawn at build time
        if tag in ("style", "svg", "object", "embed", "form"):
            found.append(tag)
    return found


def test_xss_in_stories_and_records_never_becomes_active(make_site, tmp_path, capsys):
    product = PRODUCT.format(code="QN-2023-0042").replace("name: Mật ong bạc hà", f"name: '{EVIL}'") \
        + f"description: '{EVIL}'\ntranslations:\n  en: {{name: '{EVIL}'}}\n"
    site = make_site({P: product, "content/producers/htx-mat-ong.md": STORY})
    out = tmp_path / "out"
    assert build(site, out) == 0
    err = capsys.readouterr().err
    assert err.count("[W101]") >= 6
    for html in out.rglob("*.html"):
        page = Page(html.read_text())
        assert active_markup(page) == [], html
    product_page = read(out, "p/QN-2023-0042/index.html")
    (attrs, text), = [(a, t) for a, t in product_page.scripts if a.get("type") == "application/ld+json"]
    assert json.loads(text)["name"] == EVIL, "the name survives as data inside JSON-LD"
    assert "</script" not in text.lower()
    assert EVIL in product_page.text, "record text is shown literally, escaped"
    story = read(out, "producers/htx-mat-ong/index.html")
    assert story.find("h2", id="cau-chuyen-dong-dang")
    assert story.find("iframe", src="https://www.youtube-nocookie.com/embed/abc")


def test_json_for_script_cannot_close_the_element():
    text = str(json_for_script({"a": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_story_images_are_resolved_and_published(make_site, tmp_path):
    story = PRODUCER + "\n![Tổ ong](anh/to-ong.jpg)\n"
    site = make_site({"content/producers/htx-mat-ong.md": story, "content/producers/anh/to-ong.jpg": b"\xff\xd8\xffjpeg"})
    out = tmp_path / "out"
    assert build(site, out) == 0
    page = read(out, "producers/htx-mat-ong/index.html")
    img, = [a for a in page.find("img") if a.get("alt") == "Tổ ong"]
    assert (out / img["src"].lstrip("/")).read_bytes() == b"\xff\xd8\xffjpeg"


def test_missing_story_image_is_an_error_with_position(make_site, tmp_path, capsys):
    site = make_site({"content/producers/htx-mat-ong.md": PRODUCER + "\nXem ![ảnh](khong-co.jpg)\n"})
    assert build(site, tmp_path / "out") == 1
    assert "content/producers/htx-mat-ong.md:7:12: error: 'khong-co.jpg' does not exist (looked for content/producers/khong-co.jpg) [E303]" \
        in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_story_nested_too_deeply_is_an_error_at_its_deepest_line(make_site, tmp_path, capsys):
    """Python-Markdown parses nested lists by recursion; 500 levels must be a diagnostic, not a crash."""
    nested = "".join("  " * i + "- mục\n" for i in range(500))
    site = make_site({"content/producers/htx-mat-ong.md": PRODUCER + "\nCác mục:\n\n" + nested})
    out = tmp_path / "out"
    assert build(site, out) == 1
    err = capsys.readouterr().err
    line = PRODUCER.count("\n") + 3 + 500
    assert f"content/producers/htx-mat-ong.md:{line}:1: error: the story nests lists or quotes too deeply to be " \
           "rendered; keep to a few levels [E111]" in err, err
    assert "Traceback" not in err and not out.exists()
    # the converter left half-way is never reused (where the recursion stops it, its state is broken
    # and the next story came out as raw text): the next story in this process renders whole
    from ocop_site.site import markup
    failed = markup._markdown()
    html, diags = markup.render_markdown(nested, "x.md", 0, site, "/", markup.Media())
    assert [d.code for d in diags] == ["E111"] and html == ""
    assert markup._markdown() is not failed
    (site / "content/producers/htx-mat-ong.md").write_text(
        PRODUCER + "\n- một\n    - hai\n\n**đậm** [bản đồ](ban-do.svg)\n")
    (site / "content/producers/ban-do.svg").write_text("<svg/>")
    assert build(site, out) == 0
    assert "'ban-do.svg' is not published" in capsys.readouterr().err
    html = (out / "producers/htx-mat-ong/index.html").read_text(encoding="utf-8")
    assert "<li>một<ul>\n<li>hai</li>" in html and "<strong>đậm</strong>" in html


def test_site_template_overrides_and_extends_the_theme(make_site, tmp_path):
    override = '{% extends "!theme/product.html" %}{% block title %}RIÊNG {{ product.code }}{% endblock %}'
    site = make_site({"templates/product.html": override, "static/css/extra.css": "b{}"})
    out = tmp_path / "out"
    assert build(site, out) == 0
    html = (out / "p" / "QN-2023-0042" / "index.html").read_text()
    assert "<title>RIÊNG QN-2023-0042</title>" in html
    assert 'data-ocop-status="valid"' in html, "the rest of the theme's page is kept"
    assert (out / "static" / "css" / "extra.css").read_text() == "b{}"


def test_template_error_names_the_template_and_line(make_site, tmp_path, capsys):
    site = make_site({"templates/producer.html": "{% extends '!theme/producer.html' %}\n{% block main %}\n{{ producer.nmae }}\n{% endblock %}\n"})
    out = tmp_path / "out"
    assert build(site, out) == 1
    err = capsys.readouterr().err
    assert "templates/producer.html:3:1: error: template error: UndefinedError:" in err and "nmae" in err
    assert not out.exists()


def test_template_syntax_error(make_site, tmp_path, capsys):
    site = make_site({"templates/page.html": "{% if %}\n", "content/pages/gioi-thieu.md": "---\ntitle: Giới thiệu\n---\nHi\n"})
    assert build(site, tmp_path / "out") == 1
    assert "templates/page.html:1:1: error: template error: TemplateSyntaxError" in capsys.readouterr().err


def test_unknown_theme(make_site, tmp_path, capsys):
    site = make_site({"site.yaml": "title: T\nbase_url: https://x.vn/\ntheme: khong-co\n"})
    assert build(site, tmp_path / "out") == 1
    assert "site.yaml:1:1: error: theme 'khong-co' not found" in capsys.readouterr().err


def test_vietnamese_formats(make_site, tmp_path):
    site = make_site({P: PRODUCT.format(code="QN-2023-0042") + "price: {min: 150000, max: 300000}\n"})
    out = tmp_path / "out"
    assert build(site, out) == 0
    vi = read(out, "p/QN-2023-0042/index.html").text
    en = read(out, "en/p/QN-2023-0042/index.html").text
    assert "150.000\xa0₫ – 300.000\xa0₫" in (out / "p/QN-2023-0042/index.html").read_text()
    assert "150.000 ₫ – 300.000 ₫" in vi and "13/05/2024" in vi and "12/05/2027" in vi
    assert "₫150,000 – ₫300,000" in en and "13/05/2024" not in en


def test_price_rules(make_site, tmp_path):
    """A bound written alone is the price, equal bounds are one price, different ones a range; the
    JSON-LD offers say the same. A price with neither bound is not shown."""
    prices = {"QN-2023-0042": "{min: 150000}", "QN-2023-0043": "{max: 300000}",
              "QN-2023-0044": "{min: 150000, max: 150000}", "QN-2023-0045": "{min: 150000, max: 300000}",
              "QN-2023-0046": "{}"}
    site = make_site({f"products/{code}.yaml": PRODUCT.format(code=code) + f"price: {price}\n"
                      for code, price in prices.items()})
    out = tmp_path / "out"
    assert build(site, out) == 0

    def shown(code: str) -> tuple[str | None, tuple | None]:
        html = (out / f"en/p/{code}/index.html").read_text()
        row = re.search(r"<dt>Price</dt><dd>(.*?)</dd>", html)
        (text,) = [t for a, t in read(out, f"en/p/{code}/index.html").scripts if a.get("type") == "application/ld+json"]
        offers = json.loads(text).get("offers")
        return (row.group(1) if row else None,
                (offers["lowPrice"], offers["highPrice"], offers["offerCount"]) if offers else None)

    assert shown("QN-2023-0042") == ("₫150,000", (150000, 150000, 1))
    assert shown("QN-2023-0043") == ("₫300,000", (300000, 300000, 1))
    assert shown("QN-2023-0044") == ("₫150,000", (150000, 150000, 1))
    assert shown("QN-2023-0045") == ("₫150,000 – ₫300,000", (150000, 300000, 1))
    assert shown("QN-2023-0046") == (None, None)


def test_templates_read_product_views_not_records():
    """The default theme's templates show a product through its view's fields, never its record's:
    the only records they read are those of producers (``pr``) and sales points (``s``)."""
    templates = Path(__file__).resolve().parent.parent / "themes/default/templates"
    pattern = re.compile(r"([\w\]\)]+)\s*(?:\.\s*record\b|\[\s*[\"']record[\"']\s*\])")
    found = [f"{path.name}: {m.group(0)}" for path in sorted(templates.rglob("*.html"))
             for m in pattern.finditer(path.read_text(encoding="utf-8")) if m.group(1) not in ("pr", "s")]
    assert found == []


def test_story_files_that_could_run_script_are_not_published(make_site, tmp_path, capsys):
    story = PRODUCER + "\n[bản đồ](ban-do.svg) [trang](trang.html) [hồ sơ](ho-so.pdf)\n"
    site = make_site({"content/producers/htx-mat-ong.md": story, "content/producers/ban-do.svg": "<svg onload=alert(1)/>",
                      "content/producers/trang.html": "<script>alert(1)</script>",
                      "content/producers/ho-so.pdf": b"%PDF-1.4"})
    out = tmp_path / "out"
    assert build(site, out) == 0
    err = capsys.readouterr().err
    assert err.count("[W101]") == 2 and "ban-do.svg" in err and "trang.html" in err
    assert not list(out.rglob("*.svg")) or all("ban-do" not in p.name for p in out.rglob("*.svg"))
    assert not list(out.rglob("trang.html"))
    links = read(out, "producers/htx-mat-ong/index.html").links()
    assert any(link.endswith("ho-so.pdf") for link in links)


def test_stories_rendered_on_several_processes_give_the_same_site(make_site, tmp_path):
    """Past 200 stories, Markdown runs on the build's workers; the files, story images and
    warnings each story registers must come back as a single process would leave them."""
    from datetime import date
    from io import BytesIO

    from PIL import Image

    from ocop_site.site.builder import build as build_site

    png = BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 0)).save(png, "PNG")
    files: dict[str, str | bytes] = {"content/producers/anh/to-ong.png": png.getvalue(),
                                     "content/producers/giay/ban-gioi-thieu.pdf": b"%PDF-1.4 sample",
                                     "content/producers/giay/bang-gia.html": "<p>giá</p>"}
    for n in range(230):
        story = PRODUCER.replace("HTX Mật ong Pả Vi", f"HTX số {n}")
        if n % 3 == 0:
            story += "\n![Tổ ong](anh/to-ong.png)\n"
        if n % 5 == 0:
            story += "\n[Giới thiệu](giay/ban-gioi-thieu.pdf) · [Bảng giá](giay/bang-gia.html)\n"
        if n % 7 == 0:
            story += "\n<span onclick=\"alert(1)\">Xin chào</span>\n"
        files[f"content/producers/htx-so-{n}.md"] = story
    site = make_site(files)
    reports = {}
    for workers in (1, 2):
        reports[workers] = build_site(site, tmp_path / f"out{workers}", date(2026, 11, 30), workers=workers,
                                      cache_dir=tmp_path / f"cache{workers}")
        assert reports[workers].published
    assert [d.as_text() for d in reports[1].diagnostics] == [d.as_text() for d in reports[2].diagnostics]
    assert any(d.code == "W101" for d in reports[2].diagnostics)
    one, two = tmp_path / "out1", tmp_path / "out2"
    names = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    assert "media/content/producers/giay/ban-gioi-thieu.pdf" in names
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    page = read(two, "producers/htx-so-3/index.html")
    assert page.find("picture")


def test_fast_escaping_writes_what_markupsafe_writes():
    """``{{ … }}`` and ``_()`` with values skip markupsafe's wrappers; the text must not change."""
    from datetime import date

    from markupsafe import Markup, escape

    from ocop_site.site.themes import format_translated, output_escape

    values = ['<b>"Mật ong" & \'chè\'</b>', Markup("<em>an toàn</em>"), 42, 3.5, True, None, date(2026, 11, 30),
              ["<x>"], "", "đ"]
    for value in values:
        assert output_escape(value) == str(escape(value))
    for message, variables in [("Lô %(lot)s của %(name)s", {"lot": "<L1>", "name": Markup("<b>HTX</b>")}),
                               ("%(num)d sao", {"num": 4}), ("%(n)s — %(d)s", {"n": 5, "d": date(2026, 1, 2)}),
                               ("%(x).1f kg & %(y)s", {"x": 2.25, "y": "a<b"}), ("100%% %(v)s", {"v": "<ok>"})]:
        ours = format_translated(message, **variables)
        assert isinstance(ours, Markup) and ours == Markup(message) % variables


def test_plain_ngettext_writes_what_the_i18n_extension_writes(tmp_path):
    """Templates' ``ngettext`` is a plain function in place of the extension's context-taking one;
    singular, plural, ``num`` given or not, and values to escape must come out the same."""
    import jinja2

    from ocop_site.core.routes import Routes
    from ocop_site.site.themes import find_theme, make_environment

    env = make_environment(tmp_path, find_theme(tmp_path, "default"), "en", Routes("https://x.vn/", ("en",)), {})
    plain = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    plain.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    for source in ['{{ ngettext("%(num)s product", "%(num)s products", n) }}',
                   '{{ ngettext("%(num)s unit of %(what)s", "%(num)s units of %(what)s", n, what=w, num=n|string ~ "<") }}',
                   '{{ ngettext("%(num)d star", "%(num)d stars", n) }} · {{ ngettext("one", "100%% of %(num)s", n) }}']:
        for n, w in [(1, "<mật ong>"), (2, "chè & co"), (0, "")]:
            assert env.from_string(source).render(n=n, w=w) == plain.from_string(source).render(n=n, w=w), (source, n)


def test_files_copied_in_the_background_give_the_same_site(tmp_path, monkeypatch):
    """Past a threshold, static and media files are hard-linked by a forked process while the
    build makes views; the output must be what copying at the end gives, media files still links
    into the cache, and a background copy that fails is made again by the build itself."""
    from datetime import date

    from ocop_site.core import workers
    from ocop_site.site import render
    from ocop_site.site.builder import build as build_site

    root = Path(__file__).resolve().parent.parent
    started = []
    real = workers.Background.__init__

    def counting(self, fn, run_here=False):
        started.append(run_here)
        real(self, fn, run_here)

    monkeypatch.setattr(workers.Background, "__init__", counting)

    def tree(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    day = date(2026, 11, 30)
    at_end = build_site(root, tmp_path / "end", day, workers=2, cache_dir=tmp_path / "cache")
    assert at_end.published and started == [True]
    monkeypatch.setattr(render, "_COPY_IN_BACKGROUND", 1)
    behind = build_site(root, tmp_path / "behind", day, workers=2, cache_dir=tmp_path / "cache")
    assert behind.published and started == [True, False]
    assert behind.files == at_end.files
    assert tree(tmp_path / "behind") == tree(tmp_path / "end")
    qr = next((tmp_path / "behind").rglob("qr.svg"))
    assert qr.stat().st_nlink > 1   # a link into the media cache, not a copy

    # the forked copy fails half-way (its first links made): the build links the rest itself
    from ocop_site.core import output

    real_place = output.place
    made = []

    def failing(source, target, link=False):
        made.append(target)
        if os.getpid() != parent and len(made) > 50:
            raise OSError("disk full")
        real_place(source, target, link)

    parent = os.getpid()
    monkeypatch.setattr("ocop_site.core.output.place", failing)
    retried = build_site(root, tmp_path / "retried", day, workers=2, cache_dir=tmp_path / "cache")
    assert retried.published and started[-1] is False
    assert tree(tmp_path / "retried") == tree(tmp_path / "end")


def test_attribute_lookups_and_output_behave_as_in_jinja(tmp_path):
    """``a.b`` is compiled to the builtin getattr first, then Jinja's own lookup, and ``{{ x }}``
    escapes text with markupsafe's C function directly; attributes, items of dicts, missing names
    (undefined, ``is defined``, ``default``), nested lookups evaluated once, and the output of
    text, markup, numbers, None and objects with ``__html__`` must give what Jinja gives, errors
    included."""
    import jinja2
    from markupsafe import Markup

    from ocop_site.core.routes import Routes
    from ocop_site.site.themes import find_theme, make_environment

    class Thing:
        name = "<Mật ong>"
        empty = ""
        nothing = None

        def __init__(self):
            self.calls = 0

        @property
        def counted(self):
            self.calls += 1
            return {"inner": "x"}

    ours = make_environment(tmp_path, find_theme(tmp_path, "default"), "vi", Routes("https://x.vn/", ("vi",)), {})
    plain = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    sources = ["{{ t.name }}|{{ t.empty or 'e' }}|{{ t.nothing is none }}|{{ d.key }}|{{ d.items is defined }}",
               "{{ t.missing is defined }}|{{ d.nope is defined }}|{{ t.missing|default('dflt') }}",
               "{{ t.counted.inner }}{{ t.counted.inner }}|{% for k, v in d.sub.items() %}{{ k }}={{ v }}{% endfor %}",
               "{% macro m(x) %}{{ x.name }}{{ caller().strip() }}{% endmacro %}{% call m(t) %}{{ d.sub.a }}{% endcall %}",
               "{{ t.missing }}", "{{ d.nope.deeper }}", "{{ (none).attr }}"]
    class Html(str):
        def __html__(self):
            return "<i>trusted</i>"

    sources.append("{{ '<&\">' }}|{{ m }}|{{ n }}|{{ d.none }}|{{ h }}|{{ t.name ~ '&' }}|{% set x %}{{ t.name }}{% endset %}{{ x }}")
    for source in sources:
        results = []
        for env in (ours, plain):
            t = Thing()
            values = {"t": t, "d": {"key": "<v>", "sub": {"a": 1}, "none": None}, "m": Markup("<b>ok</b>"), "n": 4.5,
                      "h": Html("<raw>")}
            try:
                results.append((env.from_string(source).render(**values), t.calls))
            except jinja2.UndefinedError as exc:
                results.append(("UndefinedError", str(exc)))
        assert results[0] == results[1], source


def test_documents_published_while_views_are_built_are_copied(make_site, tmp_path, monkeypatch):
    """A product's standard document is registered while its view is made, after the static and
    media files have been listed (and, past a threshold, handed to a background copy): it must
    still reach the output, either way."""
    from datetime import date

    from ocop_site.site import render
    from ocop_site.site.builder import build as build_site

    record = PRODUCT.format(code="QN-2023-0042") + "standard:\n  number: TCCS 01:2024/HTX\n  document: tccs-01.pdf\n"
    site = make_site({P: record, "products/tccs-01.pdf": b"%PDF-1.4 standard"})
    for threshold, name in ((10**9, "end"), (1, "behind")):
        monkeypatch.setattr(render, "_COPY_IN_BACKGROUND", threshold)
        report = build_site(site, tmp_path / name, date(2026, 11, 30), workers=2, cache_dir=tmp_path / "cache")
        assert report.published
        assert (tmp_path / name / "media/products/tccs-01.pdf").read_bytes() == b"%PDF-1.4 standard"
        links = read(tmp_path / name, "p/QN-2023-0042/index.html").links()
        assert any(link.endswith("/media/products/tccs-01.pdf") for link in links)


def test_the_asset_registry_is_frozen_before_views_are_built():
    """The assets stage registers every file pages link to and freezes the registry: a view that
    asks for a file nobody registered is a fault of the code (an error, never a silent broken
    link), and nothing can be added afterwards."""
    from ocop_site.site.registry import Media

    media = Media()
    assert media.publish("products/a/tccs.pdf") == "media/products/a/tccs.pdf"   # registered while open
    frozen = media.freeze()
    assert frozen.publish("products/a/tccs.pdf") == "media/products/a/tccs.pdf"
    with pytest.raises(LookupError, match="not registered by the assets stage"):
        frozen.publish("products/b/other.pdf")
    with pytest.raises(TypeError):
        frozen.files["x"] = "y"  # type: ignore[index]
    with pytest.raises(AttributeError):
        frozen.story_images.add("x")  # type: ignore[attr-defined]
    thawed = frozen.thawed()   # serve's preview of an edit registers in a copy
    assert thawed.publish("products/b/other.pdf") == "media/products/b/other.pdf"
    assert "products/b/other.pdf" not in frozen.files


@pytest.mark.parametrize("workers", [2, 1])
def test_stories_render_on_workers_while_this_process_does_what_needs_none(tmp_path, workers):
    """The assets stage plans QR codes while the workers render the stories (``meanwhile``): it runs
    exactly once, in this process, forked or not, and the stories are those of a plain loop."""
    from ocop_site.site.registry import Media
    from ocop_site.site.stories import StoryRenderer

    sources = [(f"producers/p{n}.md", f"## Câu chuyện {n}\n\nMật ong **bạc hà** [xem](https://example.org/{n})", 5)
               for n in range(250)]
    calls: list[int] = []
    stories = StoryRenderer(tmp_path, "/", Media())
    stories.render_sources(sources, workers, meanwhile=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]
    one_by_one = StoryRenderer(tmp_path, "/", Media())
    for path, body, line in sources:
        assert stories._render(path, body, line) == one_by_one._render(path, body, line)
    assert stories.rendered == one_by_one.rendered


def test_templates_are_loaded_once_and_a_missing_one_is_looked_for_again(tmp_path):
    """The environment remembers loaded templates in a dict (builds never reload them); a template
    that was missing is found once it exists, as with Jinja's own cache."""
    import jinja2

    from ocop_site.site import themes

    (tmp_path / "page.html").write_text('{% import "macros.html" as m %}{{ m.hello("Đà Lạt") }}', encoding="utf-8")
    (tmp_path / "macros.html").write_text("{% macro hello(x) %}Xin chào {{ x }}{% endmacro %}", encoding="utf-8")
    env = themes._Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True, auto_reload=False)
    page = env.get_template("page.html")
    assert env.get_template("page.html") is page and page.render() == "Xin chào Đà Lạt"
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("later.html")
    (tmp_path / "later.html").write_text("{{ 1 + 1 }}", encoding="utf-8")
    assert env.get_template("later.html").render() == "2"


def test_a_page_path_is_made_once_whether_its_language_is_named_or_not():
    """Routes.rel caches by the language it resolves to: the QR codes ask for a lot's folder with no
    language, the views and templates with the default language's name; both are one entry, and
    the cache holds a national site's pages (a smaller one was cycled through and never hit)."""
    from ocop_site.core.routes import Routes

    routes = Routes.create("https://ocop.example.vn/ocop", ("vi", "en"))
    made = []
    real_path = Routes.path
    Routes.path = lambda self, *a, **k: made.append(a) or real_path(self, *a, **k)  # type: ignore[method-assign]
    try:
        lots = [("lot", f"QN-{n}", f"L{n % 5}") for n in range(150_000)]
        for _ in range(2):
            for args in lots:
                assert routes.rel(*args) == routes.rel(*args, lang="vi") == f"p/{args[1]}/lot/{args[2]}/"
        assert routes.rel("lot", "QN-1", "L1", lang="en") == "en/p/QN-1/lot/L1/"
    finally:
        Routes.path = real_path  # type: ignore[method-assign]
    assert len(made) == len(lots) + 1
