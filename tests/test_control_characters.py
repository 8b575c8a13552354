"""Control characters in text (issue 15, item 12): a diagnostic, never in the published files.

Written as YAML escapes (``"\\x01"``, ``"\\0"``) they used to pass and then break ``feed.xml`` (not
well-formed XML); NUL reached ``catalog.csv`` and the pages. Written raw, YAML refuses the whole
file with a position at its first line; now each is reported where it is, with the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from helpers import PRODUCER, PRODUCT

from ocop_site.commands.cli import main
from ocop_site.records.catalog import load_catalog

P = "products/QN-2023-0042.yaml"
Q = "products/QN-2023-0043.yaml"


def good(code="QN-2023-0042"):
    return PRODUCT.format(code=code)


def lines(diags, code):
    return [d.as_text(context=False) for d in diags if d.code == code]


def test_escaped_control_characters_are_errors_at_their_value(make_site):
    text = good().replace("name: Mật ong bạc hà", 'name: "Mật ong \\x01\\x0b\\0 Pả Vi"')
    text += 'extra: {"ghi\\u0007chu": x, note: "a\\x1bb"}\n'
    _, diags = load_catalog(make_site({P: text}))
    found = lines(diags, "E213")
    assert found[0] == (f"{P}:2:7: error: name: the text holds control characters (U+0001, U+000B, U+0000); "
                        "remove them [E213]"), found
    assert f"{P}:18:9: error: a key: the text holds control character (U+0007); remove it [E213]" in found, found
    assert any(d.startswith(f"{P}:18:34: error: note:") for d in found), found


def test_raw_control_characters_are_each_reported_where_they_are_with_the_rest(make_site):
    text = good().replace("name: Mật ong bạc hà", "name: Mật\x01ong bạc hà").replace("stars: 4", "stars: 9")
    story = PRODUCER + "Dòng\x0bhai\n"
    catalog, diags = load_catalog(make_site({P: text, "content/producers/htx-mat-ong.md": story}))
    assert lines(diags, "E213") == [
        "content/producers/htx-mat-ong.md:6:5: error: a control character (U+000B) in the text; remove it [E213]",
        f"{P}:2:10: error: a control character (U+0001) in the text; remove it [E213]"]
    assert [d.code for d in diags if d.path == P and d.is_error] == ["E213", "E206"]   # the rest is still judged
    assert not catalog.products


def test_no_control_character_reaches_the_published_files(make_site, tmp_path, capsys):
    bad = good("QN-2023-0043").replace("name: Mật ong bạc hà", 'name: "Mật ong \\x01\\x0b\\0 Pả Vi"')
    site = make_site({P: good(), Q: bad})
    out = tmp_path / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", "2024-11-30", "--quiet",
                 "--keep-going"]) == 1
    assert "[E213]" in capsys.readouterr().err
    ET.parse(out / "feed.xml")   # well-formed
    for path in out.rglob("*"):
        if path.suffix in (".html", ".xml", ".csv", ".json", ".geojson", ".txt", ".svg"):
            data = path.read_bytes()
            assert b"\x00" not in data and b"\x01" not in data, path
    assert not (out / "p/QN-2023-0043").exists()


def test_a_character_reference_to_a_control_character_in_a_story_is_removed_with_a_warning(make_site, tmp_path):
    from pathlib import Path

    from ocop_site.site.markup import render_markdown
    from ocop_site.site.registry import Media
    html, diags = render_markdown("Dòng một\n\nx &#1; y &#x1b; z &#0;\n", "a.md", 4, Path(tmp_path), "/", Media())
    assert "\x01" not in html and "\x1b" not in html and "\x00" not in html
    assert [(d.code, d.line, d.col) for d in diags] == [("W101", 7, 3)]
