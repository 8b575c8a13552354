"""``check`` reports everything ``build`` would, all at once (issue 15, items 9 and 10).

A hostile site is checked and built through the command line; the diagnostics of
``check --format json`` and those ``build`` prints are compared as sets (check adds the audit's
W2xx findings, which are its own).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from helpers import PRODUCER, PRODUCT, ROOT

P = "products/QN-2023-0042.yaml"
_LINE = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*) "
                   r"\[(?P<code>[EW]\d{3})\]$")

NESTED = "".join("  " * i + "- mục\n" for i in range(600))

#: Faults that only rendering the stories finds, in sound files and in files with errors of their own.
STORIES_ONLY = {
    "content/producers/htx-mat-ong.md": PRODUCER + "\nXem ![ảnh](khong-co.jpg) và [tệp](../../../etc/passwd).\n"
                                        "<script>alert(1)</script> [bản đồ](ban-do.svg)\n",
    "content/producers/ban-do.svg": "<svg onload='alert(1)'/>",
    "content/sales-points/diem-meo-vac.md": "---\nname: Điểm OCOP Mèo Vạc\naddress: Mèo Vạc\n"
                                            "coordinates: {lat: 23.16, lon: 105.41}\n---\n"
                                            '<iframe src="https://evil.example/"></iframe>\n',
    "content/pages/gioi-thieu.md": "---\ntitle: Giới thiệu\n---\n" + NESTED,
    "content/pages/gioi-thieu.en.md": "---\ntitle: About\n---\n![x](thieu.png)\n",
}

#: The same, plus files with errors of their own (a broken front matter must not hide its story).
HOSTILE = {
    **STORIES_ONLY,
    "content/producers/htx-khac.md": "---\nname: HTX khác\ntype: coop\n---\nẢnh: ![a](khong-co-nua.jpg)\n",
    "content/pages/loi.md": "---\ntitle: [\n---\n<script>x</script>\n",
    "products/QN-2023-0099.yaml": PRODUCT.format(code="QN-2023-0099").replace("stars: 4", "stars: 9"),
}


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CI": "1"})


def check_set(site) -> set[tuple]:
    result = run("check", "--source", str(site), "--today", "2026-11-30", "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return {tuple(d[k] for k in ("path", "line", "col", "severity", "code", "message"))
            for d in json.loads(result.stdout) if not d["code"].startswith("W2")}


def build_set(site, out, *extra) -> tuple[int, set[tuple]]:
    result = run("build", "--source", str(site), "--output", str(out), "--today", "2026-11-30", "--quiet", *extra)
    assert "Traceback" not in result.stderr, result.stderr
    found = set()
    for line in result.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            found.add((m["path"], int(m["line"]), int(m["col"]), m["severity"], m["code"], m["message"]))
    return result.returncode, found


@pytest.mark.parametrize("files,keep_going", [(STORIES_ONLY, False), (HOSTILE, False), (HOSTILE, True)],
                         ids=["stories-only", "hostile", "hostile-keep-going"])
def test_check_and_build_report_the_same_diagnostics(make_site, tmp_path, files, keep_going):
    site = make_site(files)
    checked = check_set(site)
    status, built = build_set(site, tmp_path / "out", *(["--keep-going"] if keep_going else []))
    assert status == 1
    assert checked == built, (sorted(checked - built), sorted(built - checked))
    codes = {d[4] for d in checked}
    assert {"E111", "E303", "E304", "W101"} <= codes, codes
    if files is HOSTILE:
        paths = {(d[0], d[4]) for d in checked}
        # the stories of files whose front matter has errors are judged too
        assert ("content/producers/htx-khac.md", "E205") in paths
        assert ("content/producers/htx-khac.md", "E303") in paths
        assert ("content/pages/loi.md", "E102") in paths and ("content/pages/loi.md", "W101") in paths


def test_story_positions_in_check(make_site, capsys):
    from ocop_site.commands.cli import main
    site = make_site({"content/producers/htx-mat-ong.md": PRODUCER + "\nXem ![ảnh](khong-co.jpg)\n"})
    assert main(["check", "--source", str(site)]) == 1
    assert "content/producers/htx-mat-ong.md:7:12: error: 'khong-co.jpg' does not exist " \
           "(looked for content/producers/khong-co.jpg) [E303]" in capsys.readouterr().err


def test_check_reports_a_missing_theme_as_build_does(make_site, tmp_path):
    site = make_site({"site.yaml": "title: T\nbase_url: https://x.example/\ntheme: khong-co\n"})
    checked = check_set(site)
    status, built = build_set(site, tmp_path / "out")
    assert status == 1 and checked == built and "E402" in {d[4] for d in checked}, (checked, built)


# --- every finding at once, not one layer at a time (item 10) ------------------------------

def where(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based line and column of ``needle`` (its first occurrence after ``after``)."""
    start = text.index(after) if after else 0
    index = text.index(needle, start)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def found(diags, code):
    return [(d.line, d.col) for d in diags if d.code == code]


def test_one_file_reports_its_duplicate_key_unknown_key_impossible_date_and_unknown_producer(make_site):
    from ocop_site.records.catalog import load_catalog
    text = PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stras: 4").replace(
        "2024-05-13", "2023-02-30").replace("producer: htx-mat-ong", "producer: htx-mat-ongg")
    text += "name: Tên khác\nimages: [QN-2023-0042/khong-co.jpg]\nsales_points: [diem-meo-vac, khong-co]\n"
    catalog, diags = load_catalog(make_site({P: text}))
    assert found(diags, "E104")[0] == where(text, "name: Tên khác")
    assert found(diags, "E201") == [where(text, "stras")]
    assert found(diags, "E203") == [where(text, "2023-02-30")]
    assert found(diags, "E301") == [where(text, "htx-mat-ongg")]
    assert found(diags, "E303") == [where(text, "QN-2023-0042/khong-co.jpg")]
    # the duplicate key's second value is left out: the first sales_points list is the one judged
    assert found(diags, "E302") == []
    assert "QN-2023-0042" not in catalog.products


def test_a_bad_website_does_not_hide_swapped_coordinates(make_site):
    from ocop_site.records.catalog import load_catalog
    text = "---\nname: A\naddress: B\nwebsite: ftp://diem.example\ncoordinates: {lat: 105.41, lon: 23.16}\n---\n"
    _, diags = load_catalog(make_site({"content/sales-points/diem-meo-vac.md": text}))
    assert found(diags, "E209") == [where(text, "ftp://")]
    assert found(diags, "E210") == [where(text, "{lat")]
    assert "look swapped" in next(d.message for d in diags if d.code == "E210")


def test_rules_across_fields_are_judged_in_a_record_with_other_errors(make_site):
    from ocop_site.records.catalog import load_catalog
    text = PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stars: 4\n    valid_until: 2023-01-01").replace(
        "category: food", "category: fod")
    text += "price: {min: 300000, max: 150000}\n"
    _, diags = load_catalog(make_site({P: text}))
    assert found(diags, "E205") == [where(text, "fod")]
    assert sorted(found(diags, "E208")) == sorted([where(text, "2023-01-01"), where(text, "150000")])


def test_a_broken_producer_still_has_its_logo_and_places_checked(make_site):
    from ocop_site.records.catalog import load_catalog
    text = "---\nname: HTX\ntype: coop\nlogo: khong-co.png\nlocation: {province: Hà Giangg, commune: Pả Vi}\n---\n"
    _, diags = load_catalog(make_site({"content/producers/htx-mat-ong.md": text}))
    assert found(diags, "E205") == [where(text, "coop")]
    assert found(diags, "E303") == [where(text, "khong-co.png")]
    assert found(diags, "W103") == [where(text, "Hà Giangg")]


def test_a_certification_with_an_error_does_not_hide_the_order_of_another(make_site):
    from ocop_site.records.catalog import load_catalog
    text = PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stras: 4").replace(
        "sales_points:", "  - decision: 2/QĐ-UBND\n    issued: 2025-01-01\n    issuer: UBND\n    stars: 5\n"
                         "    valid_until: 2024-01-01\nsales_points:")
    _, diags = load_catalog(make_site({P: text}))
    assert found(diags, "E201") == [where(text, "stras")]
    assert found(diags, "E208") == [where(text, "2024-01-01")]
