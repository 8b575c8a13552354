"""The command line: exit codes, output formats, no install needed."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from helpers import PRODUCT, ROOT

from ocop_site.commands.cli import main
from ocop_site.records.sources import SourceText, parse_yaml, split_front_matter


def run(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def test_build_py_check_sample_without_install():
    result = run("check", "--today", "2026-11-30")
    assert result.returncode == 0, result.stderr
    assert ": error:" not in result.stderr and "0 error(s)" in result.stderr  # the audit's warnings are expected


def test_check_exit_1_and_text_output(make_site, capsys):
    root = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stars: 2")})
    assert main(["check", "--source", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "products/QN-2023-0042.yaml:13:12: error: stars: 2 is out of range: it must be from 3 to 5 [E206]"
    assert err.splitlines()[1:3] == ["        stars: 2", "               ^"]
    assert err.splitlines()[-1] == "1 error(s), 0 warning(s)"


def test_check_json_output(make_site, capsys):
    root = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stras: 4")})
    assert main(["check", "--source", str(root), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {"path": "products/QN-2023-0042.yaml", "line": 13, "col": 5, "severity": "error", "code": "E201",
            "message": "unknown key 'stras'; did you mean 'stars'? (put your own fields under 'extra:')"} in out
    assert all(set(d) == {"path", "line", "col", "severity", "code", "message"} for d in out)


def test_check_clean_site_exits_0(make_site, capsys):
    assert main(["check", "--source", str(make_site())]) == 0
    assert main(["check", "--source", str(make_site()), "--format", "json"]) == 0
    # no error; the minimal site has audit findings (no standard, no variants…), which are warnings
    assert [d for d in json.loads(capsys.readouterr().out) if not d["code"].startswith("W2")] == []


@pytest.mark.parametrize("args", [["check", "--today", "2026-13-01"], ["check", "--today", "9999-12-31"],
                                  ["build", "--today", "1899-12-31"], ["check", "--source", "/no/such/folder"],
                                  ["frobnicate"], ["check", "--format", "xml"], []])
def test_usage_errors_exit_2(args, capsys):
    assert main(args) == 2


def test_schema_files_in_repo_are_current():
    for kind in ("product", "producer", "sales-point"):
        result = run("schema", kind)
        assert result.returncode == 0
        assert json.loads(result.stdout) == json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text()), kind


def editor_view(path: Path):
    """The record as a YAML 1.2 editor sees it (numbers typed, dates as strings)."""
    source = SourceText(path.name, path.read_text(encoding="utf-8"))
    if path.suffix == ".md":
        front, offset, *_ = split_front_matter(source)
        return parse_yaml(source, front, offset, typed_keys=None)[0]
    return parse_yaml(source, typed_keys=None)[0]


def test_sample_records_satisfy_the_published_schemas():
    for kind, folder, pattern in (("product", "products", "*.yaml"), ("producer", "content/producers", "*.md"),
                                  ("sales-point", "content/sales-points", "*.md")):
        schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
        files = [p for p in sorted((ROOT / folder).glob(pattern)) if p.name.count(".") == 1]
        assert files
        for path in files:
            jsonschema.validate(editor_view(path), schema)


def test_schema_flags_what_check_flags():
    schema = json.loads((ROOT / "schemas" / "product.schema.json").read_text())
    bad = SourceText("x.yaml", PRODUCT.format(code="A-1").replace("stars: 4", "stras: 4"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(parse_yaml(bad, typed_keys=None)[0], schema)


def test_sample_products_declare_the_schema():
    for path in sorted((ROOT / "products").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../schemas/product.schema.json\n"), path.name


def test_docs_document_every_code():
    from ocop_site.core.diagnostics import CODES
    readme = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| E") or line.startswith("| W")}
    assert documented == set(CODES)


def test_build_py_exits_at_once_with_everything_written(make_site, tmp_path):
    """build.py and the console script leave with os._exit after flushing: the summary, the
    diagnostics, JSON on stdout and the exit status must all still be there."""
    import os

    root = make_site()
    out = tmp_path / "out"
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}   # as in most shells
    built = run("build", "--source", str(root), "--output", str(out), "--today", "2026-11-30", env=buffered)
    assert built.returncode == 0, built.stderr
    assert built.stderr.rstrip().splitlines()[-1].startswith("built ") and (out / "index.html").is_file()
    (root / "products" / "QN-2023-0042.yaml").write_text(PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stars: 2"))
    failed = run("build", "--source", str(root), "--output", str(out), "--today", "2026-11-30", env=buffered)
    assert failed.returncode == 1
    assert "[E206]" in failed.stderr and failed.stderr.rstrip().endswith("is unchanged")
    checked = run("check", "--source", str(root), "--format", "json", env=buffered)
    assert checked.returncode == 1 and any(d["code"] == "E206" for d in json.loads(checked.stdout))
