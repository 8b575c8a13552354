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
    from ocop_site.cli import main
    site = make_site({"content/producers/htx-mat-ong.md": PRODUCER + "\nXem ![ảnh](khong-co.jpg)\n"})
    assert main(["check", "--source", str(site)]) == 1
    assert "content/producers/htx-mat-ong.md:7:12: error: 'khong-co.jpg' does not exist " \
           "(looked for content/producers/khong-co.jpg) [E303]" in capsys.readouterr().err


def test_check_reports_a_missing_theme_as_build_does(make_site, tmp_path):
    site = make_site({"site.yaml": "title: T\nbase_url: https://x.example/\ntheme: khong-co\n"})
    checked = check_set(site)
    status, built = build_set(site, tmp_path / "out")
    assert status == 1 and checked == built and "E402" in {d[4] for d in checked}, (checked, built)
