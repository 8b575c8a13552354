"""ocop-site deploy (SPEC §9): the rules and the plan on their own, then real deploys to a folder
and to SeaweedFS's S3 gateway started on loopback (tests/seaweed.py; no mock of S3)."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import seaweed
from helpers import PRODUCT, ROOT, SITE_YAML
from PIL import Image

from ocop_site.commands.cli import main
from ocop_site.commands.deploy import (
    ASSETS,
    DETAILS,
    ENTRIES,
    IMMUTABLE,
    PAGES,
    SHORT,
    LocalFile,
    Matcher,
    RemoteFile,
    Rules,
    plan_sync,
)
from ocop_site.core.output import MARKER, marker_base_url

TODAY = "2026-11-30"
_buckets = itertools.count()


# --- what each file is ----------------------------------------------------------------------

@pytest.mark.parametrize("key, content_type", [
    ("index.html", "text/html; charset=utf-8"),
    ("p/QN-2023-0042/lot/L1/index.html", "text/html; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("feed.xml", "application/atom+xml; charset=utf-8"),
    ("en/feed.xml", "application/atom+xml; charset=utf-8"),
    ("sales-points.geojson", "application/geo+json"),
    ("manifest.webmanifest", "application/manifest+json"),
    ("catalog.json", "application/json"),
    ("catalog.csv", "text/csv; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("static/css/site.css", "text/css; charset=utf-8"),
    ("sw.js", "text/javascript; charset=utf-8"),
    ("p/X/qr.svg", "image/svg+xml"),
    ("p/X/badge.svg", "image/svg+xml"),
    ("p/X/qr.png", "image/png"),
    ("media/products/X/main.0123456789-640.webp", "image/webp"),
    ("media/products/X/main.0123456789-640.jpg", "image/jpeg"),
    ("media/products/X/tccs.pdf", "application/pdf"),
    ("static/vendor/leaflet/LICENSE", "text/plain; charset=utf-8"),
    ("static/vendor/leaflet/leaflet.js.map", "application/json"),
    ("something.unknownkind", "application/octet-stream"),
])
def test_content_type_of_every_kind(key, content_type):
    assert Rules().content_type(key) == content_type


@pytest.mark.parametrize("key, cache, phase", [
    ("media/products/QN-2023-0042/main.dcebbda4b3-640.webp", IMMUTABLE, ASSETS),
    ("media/content/producers/logos/htx.678b7aa136-256.png", IMMUTABLE, ASSETS),
    ("p/QN-2023-0042/share-762e32a7dd.jpg", IMMUTABLE, ASSETS),
    ("search/vi-2966f1c7d3/t/00.json", IMMUTABLE, ASSETS),
    ("static/css/site.css", SHORT, ASSETS),           # named without its hash: ?v= in the page
    ("p/QN-2023-0042/qr.svg", SHORT, ASSETS),
    ("p/QN-2023-0042/badge.svg", SHORT, ASSETS),       # changes with the date
    ("p/QN-2023-0042/index.html", SHORT, DETAILS),
    ("en/p/QN-2023-0042/lot/L2024-03/index.html", SHORT, DETAILS),
    ("producers/htx/index.html", SHORT, DETAILS),
    ("sales-points/diem/index.html", SHORT, DETAILS),
    ("categories/food/index.html", SHORT, PAGES),
    ("404.html", SHORT, PAGES),
    ("p/a-0123456789/index.html", SHORT, DETAILS),     # a code that looks like a hash is still a page
    ("index.html", SHORT, ENTRIES),
    ("en/index.html", SHORT, ENTRIES),
    ("sitemap.xml", SHORT, ENTRIES),
    ("feed.xml", SHORT, ENTRIES),
    ("catalog.json", SHORT, ENTRIES),
    ("sales-points/diem/products.json", SHORT, ENTRIES),
    ("sales-points.geojson", SHORT, ENTRIES),
])
def test_cache_policy_and_phase(key, cache, phase):
    rules = Rules(languages=("vi", "en"))
    assert (rules.cache_control(key), rules.phase(key)) == (cache, phase)


def test_site_matchers_come_first_and_fall_through():
    rules = Rules([Matcher(re.compile(r"^static/"), cache_control="public, max-age=86400"),
                   Matcher(re.compile(r"\.csv$"), content_type="text/csv; charset=utf-8; header=present")])
    assert rules.cache_control("static/css/site.css") == "public, max-age=86400"
    assert rules.content_type("static/css/site.css") == "text/css; charset=utf-8"      # not set by the matcher
    assert rules.content_type("catalog.csv") == "text/csv; charset=utf-8; header=present"
    assert rules.cache_control("catalog.csv") == SHORT
    assert rules.cache_control("media/x/a.0123456789-320.jpg") == IMMUTABLE


# --- the plan -------------------------------------------------------------------------------

RULES = Rules()


def _local(key: str, content: bytes, rules: Rules = RULES) -> LocalFile:
    return LocalFile(key, "/dev/null", len(content), hashlib.sha256(content).hexdigest(),
                     rules.content_type(key), rules.cache_control(key), rules.phase(key))


def _remote(f: LocalFile, **change) -> RemoteFile:
    values = {"key": f.key, "size": f.size, "sha256": f.sha256, "content_type": f.content_type,
              "cache_control": f.cache_control} | change
    return RemoteFile(**values)


def test_plan_uploads_new_and_changed_in_order_and_deletes_the_rest():
    files = {k: _local(k, k.encode()) for k in (
        "index.html", "sitemap.xml", "p/A/index.html", "categories/food/index.html",
        "media/p/A/main.0123456789-320.jpg", "static/css/site.css", "p/B/index.html")}
    remote = {
        "p/B/index.html": _remote(files["p/B/index.html"]),                               # unchanged
        "static/css/site.css": _remote(files["static/css/site.css"], sha256="0" * 64),    # changed
        "index.html": _remote(files["index.html"], size=1),                               # changed (size)
        "sitemap.xml": _remote(files["sitemap.xml"], cache_control="no-store"),           # headers changed
        "p/OLD/index.html": RemoteFile("p/OLD/index.html", 10, "f" * 64),                 # gone from the output
        "media/p/OLD/x.0123456789-320.jpg": RemoteFile("media/p/OLD/x.0123456789-320.jpg", 3),
    }
    plan = plan_sync(files, remote)
    assert [(u.file.key, u.reason) for u in plan.uploads] == [
        ("media/p/A/main.0123456789-320.jpg", "new"), ("static/css/site.css", "changed"),
        ("p/A/index.html", "new"), ("categories/food/index.html", "new"),
        ("index.html", "changed"), ("sitemap.xml", "headers")]
    assert plan.deletes == ["media/p/OLD/x.0123456789-320.jpg", "p/OLD/index.html"]
    assert plan.unchanged == 1
    # a folder keeps no headers; --force sends everything
    assert [u.file.key for u in plan_sync(files, remote, headers=False).uploads if u.reason == "headers"] == []
    assert len(plan_sync(files, remote, force=True).uploads) == len(files)


def test_plan_of_an_object_with_unknown_hash_uploads_it():
    f = _local("p/A/index.html", b"x")
    assert plan_sync({f.key: f}, {f.key: _remote(f, sha256=None)}).uploads[0].reason == "changed"


# --- site.yaml --------------------------------------------------------------------------------

def test_deploy_settings_are_checked_with_positions(make_site, capsys):
    root = make_site({"site.yaml": SITE_YAML + textwrap.dedent("""\
        deploy:
          targets:
            - name: prod
              url: http://bucket/x
            - name: prod
              url: s3://ocop-bucket/site
              endpoint_url: not a url
              secret: abc
          matchers:
            - pattern: "(unclosed"
        """)})
    assert main(["check", "--source", str(root)]) == 1
    err = capsys.readouterr().err
    assert "site.yaml:7:12: error: url: 'http://bucket/x' is not a deploy target: write s3://bucket/prefix or " \
           "file:///absolute/path [E204]" in err
    assert "site.yaml:10:21: error: endpoint_url: 'not a url' is not an absolute http(s) link [E209]" in err
    assert "site.yaml:11:7: error: unknown key 'secret'" in err
    assert "site.yaml:13:16: error: pattern: '(unclosed' is not a regular expression" in err
    assert main(["deploy", "--source", str(root)]) == 1
    assert "nothing was deployed" in capsys.readouterr().err


def test_duplicate_target_names(make_site, capsys):
    root = make_site({"site.yaml": SITE_YAML + "deploy:\n  targets:\n    - {name: a, url: 'file:///tmp/a'}\n"
                                                "    - {name: a, url: 'file:///tmp/b'}\n"})
    assert main(["check", "--source", str(root)]) == 1
    assert "site.yaml:7:14: error: deploy.targets.1.name: the target name 'a' is used twice [E205]" in capsys.readouterr().err


def test_usage_errors(make_site, tmp_path, capsys):
    root = make_site()
    assert main(["deploy", "--source", str(root)]) == 2
    assert "site.yaml names no deploy target" in capsys.readouterr().err
    root = make_site({"site.yaml": SITE_YAML + f"deploy:\n  targets:\n    - {{name: web, url: 'file://{tmp_path}/www'}}\n"})
    assert main(["deploy", "--source", str(root), "--target", "wbe"]) == 2
    assert "--target wbe: site.yaml has no such target (it has: web); did you mean 'web'?" in capsys.readouterr().err
    assert main(["deploy", "--source", str(root), "--max-deletes", "-1"]) == 2


# --- the build marker ------------------------------------------------------------------------------

def test_marker_records_the_base_url(make_site, tmp_path):
    root = make_site()
    out = tmp_path / "out"
    assert main(["build", "--source", str(root), "--output", str(out), "--today", TODAY, "--quiet"]) == 0
    assert marker_base_url(out) == "https://ocop.example.gov.vn/"
    # an incremental rebuild for another address rewrites it
    assert main(["build", "--source", str(root), "--output", str(out), "--today", TODAY, "--quiet",
                 "--base-url", "https://x.gov.vn/ocop"]) == 0
    assert marker_base_url(out) == "https://x.gov.vn/ocop/"
    assert (out / MARKER).read_text().startswith("This folder is written by ocop-site")


# --- a site with pictures ---------------------------------------------------------------------------

def _jpeg(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _product(code: str, name: str = "Mật ong bạc hà") -> str:
    return PRODUCT.format(code=code).replace("name: Mật ong bạc hà", f"name: {name}") + f"images: [{code}/main.jpg]\n"


def _site(make_site, targets: str):
    files = {"site.yaml": SITE_YAML + "deploy:\n  targets:\n" + textwrap.indent(textwrap.dedent(targets), "    ")}
    for i, code in enumerate(("QN-2023-0042", "QN-2023-0043", "QN-2023-0044")):
        files[f"products/{code}.yaml"] = _product(code)
        files[f"products/{code}/main.jpg"] = _jpeg((40 * i, 90, 160))
    return make_site(files)


def _build(root: Path) -> Path:
    assert main(["build", "--source", str(root), "--today", TODAY, "--quiet"]) == 0
    return root / "public"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MARKER}


def _summary(err: str) -> dict[str, int]:
    m = re.search(r"uploaded ([\d,]+) files \(.*?\), deleted ([\d,]+), unchanged ([\d,]+)", err)
    assert m, err
    return dict(zip(("uploaded", "deleted", "unchanged"), (int(g.replace(",", "")) for g in m.groups())))


def _dry_run(root: Path, capsys, *extra) -> tuple[set[str], set[str]]:
    assert main(["deploy", "--source", str(root), "--dry-run", *extra]) == 0
    out = capsys.readouterr().out.splitlines()
    return ({line.split()[1] for line in out if line.startswith("upload ")},
            {line.split()[1] for line in out if line.startswith("delete ")})


def _edit_one(root: Path) -> None:
    (root / "products/QN-2023-0043.yaml").write_text(_product("QN-2023-0043", "Mật ong hoa bạc hà"), encoding="utf-8")


# --- file:// targets ----------------------------------------------------------------------------------

def test_folder_target_syncs_by_content(make_site, tmp_path, capsys):
    www = tmp_path / "www"
    root = _site(make_site, f"- {{name: web, url: 'file://{www}'}}\n")
    out = _build(root)
    assert main(["deploy", "--source", str(root)]) == 0
    first = _summary(capsys.readouterr().err)
    assert _files(www) == _files(out) and marker_base_url(www) == "https://ocop.example.gov.vn/"
    assert first == {"uploaded": len(_files(out)), "deleted": 0, "unchanged": 0}
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": 0, "deleted": 0, "unchanged": first["uploaded"]}

    before = _files(out)
    inode = (www / "p/QN-2023-0042/index.html").stat().st_ino
    _edit_one(root)
    (root / "products/QN-2023-0044.yaml").unlink()
    out = _build(root)
    after = _files(out)
    changed = {k for k in after if before.get(k) != after[k]}
    gone = set(before) - set(after)
    assert changed and gone
    assert _dry_run(root, capsys) == (changed, gone)
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": len(changed), "deleted": len(gone),
                                                 "unchanged": len(after) - len(changed)}
    assert _files(www) == after
    assert not (www / "p/QN-2023-0044").exists()                # emptied folders go too
    assert (www / "p/QN-2023-0042/index.html").stat().st_ino == inode   # unchanged files are not rewritten


def test_the_deploy_state_is_kept_in_the_build_cache_wherever_it_is(make_site, tmp_path, capsys, monkeypatch):
    """$OCOP_CACHE_DIR moves the deploy's remembered hashes with the rest of the cache (a CI job that
    keeps that folder keeps them too)."""
    www, cache = tmp_path / "www", tmp_path / "kept-cache"
    root = _site(make_site, f"- {{name: web, url: 'file://{www}'}}\n")
    monkeypatch.setenv("OCOP_CACHE_DIR", str(cache))
    _build(root)
    assert main(["deploy", "--source", str(root)]) == 0
    capsys.readouterr()
    assert len(list((cache / "deploy").glob("*.json"))) == 1
    assert not (root / ".ocop-cache").exists()


def test_folder_target_refuses_a_folder_of_something_else(make_site, tmp_path, capsys):
    www = tmp_path / "www"
    www.mkdir()
    (www / "wp-config.php").write_text("<?php")
    root = _site(make_site, f"- {{name: web, url: 'file://{www}'}}\n")
    _build(root)
    assert main(["deploy", "--source", str(root)]) == 1
    err = capsys.readouterr().err
    assert "not empty and was not written by ocop-site" in err and "Traceback" not in err
    assert [p.name for p in www.iterdir()] == ["wp-config.php"]


def test_refuses_an_output_that_is_not_a_build_or_built_for_another_address(make_site, tmp_path, capsys):
    www = tmp_path / "www"
    root = _site(make_site, f"- {{name: web, url: 'file://{www}', public_url: 'https://ocop.example.gov.vn'}}\n"
                            f"- {{name: staging, url: 'file://{tmp_path}/staging', public_url: 'https://test.gov.vn/ocop/'}}\n")
    assert main(["deploy", "--source", str(root)]) == 1
    assert "there is no build in" in capsys.readouterr().err
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "index.html").write_text("hi")
    assert main(["deploy", "--source", str(root), "--output", str(plain)]) == 1
    assert "is not an ocop-site build (no .ocop-site file)" in capsys.readouterr().err
    _build(root)
    assert main(["deploy", "--source", str(root), "--target", "staging"]) == 1
    assert ("was built for https://ocop.example.gov.vn/ but target staging serves https://test.gov.vn/ocop/; "
            "build with --base-url https://test.gov.vn/ocop/") in capsys.readouterr().err
    assert not (tmp_path / "staging").exists()
    assert main(["deploy", "--source", str(root), "--target", "web"]) == 0     # the same address, slash or not


# --- S3: SeaweedFS on loopback ------------------------------------------------------------------------

@pytest.fixture
def s3_site(s3_server, make_site, monkeypatch):
    """A site whose first target is a fresh bucket of the test store; its credentials in the environment."""
    for key, value in s3_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    bucket = seaweed.make_bucket(s3_server, f"ocop-test-{next(_buckets)}")
    root = _site(make_site, f"""\
        - name: s3
          url: s3://{bucket}/site
          endpoint_url: {s3_server.endpoint}
          region: us-east-1
        - name: nowhere
          url: s3://{bucket}/site
          endpoint_url: http://127.0.0.1:9
        """)
    return root, bucket


def test_s3_first_deploy_then_nothing_then_only_changes(s3_server, s3_site, capsys):
    root, bucket = s3_site
    out = _build(root)
    files = _files(out)
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": len(files), "deleted": 0, "unchanged": 0}
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == files

    client = s3_server.client()
    expected = {
        "index.html": ("text/html; charset=utf-8", SHORT),
        "p/QN-2023-0042/index.html": ("text/html; charset=utf-8", SHORT),
        "sitemap.xml": ("application/xml; charset=utf-8", SHORT),
        "feed.xml": ("application/atom+xml; charset=utf-8", SHORT),
        "sales-points.geojson": ("application/geo+json", SHORT),
        "catalog.json": ("application/json", SHORT),
        "catalog.csv": ("text/csv; charset=utf-8", SHORT),
        "p/QN-2023-0042/badge.svg": ("image/svg+xml", SHORT),
        "p/QN-2023-0042/qr.png": ("image/png", SHORT),
        "static/css/site.css": ("text/css; charset=utf-8", SHORT),
    }
    media = [k for k in files if k.startswith("media/products/QN-2023-0042/")]
    assert {k.rsplit(".", 1)[1] for k in media} == {"jpg", "webp"}
    for key in media:
        expected[key] = ("image/webp" if key.endswith(".webp") else "image/jpeg", IMMUTABLE)
    for key in files:
        head = client.head_object(Bucket=bucket, Key="site/" + key)
        assert head["Metadata"]["sha256"] == hashlib.sha256(files[key]).hexdigest(), key
        if key in expected:
            assert (head["ContentType"], head["CacheControl"]) == expected[key], key

    # nothing changed: nothing moves (and a lost cache costs requests, not uploads)
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": 0, "deleted": 0, "unchanged": len(files)}
    for state in (root / ".ocop-cache" / "deploy").iterdir():
        state.unlink()
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err)["uploaded"] == 0

    # one product edited: only the files whose bytes changed go up
    _edit_one(root)
    out = _build(root)
    after = _files(out)
    changed = {k for k in after if files.get(k) != after[k]}
    gone = set(files) - set(after)
    assert "p/QN-2023-0043/index.html" in changed and "p/QN-2023-0042/index.html" not in changed
    assert _dry_run(root, capsys) == (changed, gone)
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == files       # the dry run changed nothing
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": len(changed), "deleted": len(gone),
                                                 "unchanged": len(after) - len(changed)}
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == after

    # one product removed: its files are deleted
    (root / "products/QN-2023-0044.yaml").unlink()
    out = _build(root)
    final = _files(out)
    gone = set(after) - set(final)
    assert "p/QN-2023-0044/index.html" in gone and "p/QN-2023-0044/qr.svg" in gone
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err)["deleted"] == len(gone)
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == final


def test_s3_site_matchers_set_headers_and_a_changed_rule_resends_only_its_files(s3_server, s3_site, capsys):
    root, bucket = s3_site
    files = _files(_build(root))
    assert main(["deploy", "--source", str(root)]) == 0
    capsys.readouterr()
    with open(root / "site.yaml", "a", encoding="utf-8") as f:
        f.write("  matchers:\n    - {pattern: '^static/', cache_control: 'public, max-age=86400'}\n"
                "    - {pattern: '\\.csv$', content_type: 'text/csv; charset=utf-8; header=present'}\n")
    affected = {k for k in files if k.startswith("static/") or k.endswith(".csv")}
    assert _dry_run(root, capsys) == (affected, set())
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": len(affected), "deleted": 0,
                                                 "unchanged": len(files) - len(affected)}
    client = s3_server.client()
    css = client.head_object(Bucket=bucket, Key="site/static/css/site.css")
    assert (css["ContentType"], css["CacheControl"]) == ("text/css; charset=utf-8", "public, max-age=86400")
    csv = client.head_object(Bucket=bucket, Key="site/catalog.csv")
    assert (csv["ContentType"], csv["CacheControl"]) == ("text/csv; charset=utf-8; header=present", SHORT)


def test_s3_max_deletes_refuses(s3_server, s3_site, capsys):
    root, bucket = s3_site
    _build(root)
    assert main(["deploy", "--source", str(root)]) == 0
    capsys.readouterr()
    before = seaweed.bucket_contents(s3_server, bucket, "site/")
    (root / "products/QN-2023-0043.yaml").unlink()
    (root / "products/QN-2023-0044.yaml").unlink()
    _build(root)
    gone = len(set(before) - set(_files(root / "public")))
    assert gone > 3
    assert main(["deploy", "--source", str(root), "--max-deletes", "3"]) == 1
    err = capsys.readouterr().err
    assert f"{gone} files would be deleted" in err and "more than --max-deletes 3" in err and "Traceback" not in err
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == before       # refused before anything moved
    assert main(["deploy", "--source", str(root), "--max-deletes", str(gone)]) == 0
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == _files(root / "public")


def test_s3_listing_in_parallel_ranges_sees_every_object_once(s3_server, s3_site, capsys, monkeypatch):
    from ocop_site.commands import deploy

    monkeypatch.setattr(deploy, "LIST_RANGE", 7)
    root, bucket = s3_site
    files = _files(_build(root))
    assert main(["deploy", "--source", str(root)]) == 0
    capsys.readouterr()
    keys = sorted(files)
    strays = ["0-first", keys[7], keys[14] + "~", keys[len(keys) // 2] + "/x", "zz-last"]   # on bounds, between, at the ends
    strays[1] = keys[7][:-1] + "_"                                                             # just around a bound
    client = s3_server.client()
    for key in strays:
        client.put_object(Bucket=bucket, Key="site/" + key, Body=b"stray")
    client.put_object(Bucket=bucket, Key="outside-the-prefix", Body=b"not ours")
    assert main(["deploy", "--source", str(root)]) == 0
    assert _summary(capsys.readouterr().err) == {"uploaded": 0, "deleted": len(strays), "unchanged": len(files)}
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == files
    assert seaweed.bucket_contents(s3_server, bucket, "outside")["-the-prefix"] == b"not ours"


KILLER = """\
import os, signal, sys, threading
from ocop_site.commands import deploy
from ocop_site.commands.cli import main
real, lock, count = deploy.S3Store.upload, threading.Lock(), [0]
def upload(self, f):
    tag = real(self, f)
    with lock:
        count[0] += 1
        if count[0] == {n}:
            os.kill(os.getpid(), signal.SIGKILL)
    return tag
deploy.S3Store.upload = upload
sys.exit(main(sys.argv[1:]))
"""


def _deploy_process(root: Path, env: dict, script: str | None = None, *args):
    command = [sys.executable, "-c", script] if script else [sys.executable, str(ROOT / "build.py")]
    return subprocess.run([*command, "deploy", "--source", str(root), *args], capture_output=True, text=True,
                          timeout=300, env=env | {"PYTHONPATH": str(ROOT)}, cwd=root)


def test_s3_deploy_killed_halfway_then_run_again_completes(s3_server, s3_site):
    root, bucket = s3_site
    files = _files(_build(root))
    killed = _deploy_process(root, s3_server.env(), KILLER.format(n=20))
    assert killed.returncode == -9, killed.stderr
    partial = seaweed.bucket_contents(s3_server, bucket, "site/")
    for _ in range(20):       # requests sent as the process died may still land: wait until the bucket is still
        time.sleep(0.5)
        settled = seaweed.bucket_contents(s3_server, bucket, "site/")
        if settled == partial:
            break
        partial = settled
    assert 20 <= len(partial) < len(files)
    assert all(files[k] == v for k, v in partial.items())
    assert "index.html" not in partial and "sitemap.xml" not in partial     # entry points go last
    again = _deploy_process(root, s3_server.env())
    assert again.returncode == 0, again.stderr
    assert _summary(again.stderr) == {"uploaded": len(files) - len(partial), "deleted": 0, "unchanged": len(partial)}
    assert seaweed.bucket_contents(s3_server, bucket, "site/") == files


def test_s3_wrong_credentials_unreachable_endpoint_and_no_credentials(s3_server, s3_site):
    root, bucket = s3_site
    _build(root)
    wrong = _deploy_process(root, s3_server.env(AWS_SECRET_ACCESS_KEY="not-the-secret"))
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == [
        f"ocop-site: deploy failed: s3://{bucket}/site/ at {s3_server.endpoint} refused the credentials "
        "(SignatureDoesNotMatch): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS profile)"]
    unknown = _deploy_process(root, s3_server.env(AWS_ACCESS_KEY_ID="nobody"))
    assert unknown.returncode == 1 and "refused the credentials" in unknown.stderr and "Traceback" not in unknown.stderr
    nowhere = _deploy_process(root, s3_server.env(), None, "--target", "nowhere")
    assert nowhere.returncode == 1
    assert nowhere.stderr.strip().splitlines() == [
        f"ocop-site: deploy failed: cannot reach s3://{bucket}/site/ at http://127.0.0.1:9: "
        'Could not connect to the endpoint URL: "http://127.0.0.1:9/' + bucket + '?list-type=2&prefix=site%2F&encoding-type=url"']
    env = {k: v for k, v in s3_server.env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    missing = _deploy_process(root, env)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[0].startswith(f"ocop-site: deploy failed: no S3 credentials for s3://{bucket}/site/")
    profile = _deploy_process(root, env | {"AWS_PROFILE": "no-such-profile"})
    assert profile.returncode == 1
    assert profile.stderr.strip().splitlines() == [
        f"ocop-site: deploy failed: the AWS configuration cannot be used for s3://{bucket}/site/ at {s3_server.endpoint}: "
        "The config profile (no-such-profile) could not be found"]
    assert seaweed.bucket_contents(s3_server, bucket) == {}


def test_s3_missing_bucket(s3_server, s3_site, capsys):
    root, _bucket = s3_site
    _build(root)
    (root / "site.yaml").write_text((root / "site.yaml").read_text().replace("ocop-test-", "no-such-"))
    assert main(["deploy", "--source", str(root)]) == 1
    assert "there is no bucket no-such-" in capsys.readouterr().err


# --- the CI examples --------------------------------------------------------------------------------

def test_ci_examples_build_and_deploy_daily_and_on_push_keeping_the_cache():
    import yaml

    github = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text(encoding="utf-8"))
    triggers = github[True]          # YAML 1.1 reads the key 'on' as true
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"] and "push" in triggers
    steps = github["jobs"]["deploy"]["steps"]
    assert any(s.get("with", {}).get("path") == ".ocop-cache" for s in steps if "cache" in s.get("uses", ""))
    runs = [s.get("run", "") for s in steps]
    assert runs.index("ocop-site build") < runs.index("ocop-site deploy --yes")
    assert not (ROOT / ".github" / "workflows").exists() or not any((ROOT / ".github" / "workflows").iterdir())

    gitlab = yaml.safe_load((ROOT / "examples/ci/gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gitlab["deploy"]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
    assert any(".ocop-cache/" in c["paths"] for c in job["cache"])
    assert job["script"][-2:] == ["ocop-site build", "ocop-site deploy --yes"]


def _on_terminal(root: Path, answer: bytes | None, *args) -> tuple[int, str]:
    """Run deploy with stdin and stderr on a pseudo-terminal, answering its question with ``answer``."""
    import os
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "deploy", "--source", str(root), *args],
                               stdin=slave, stdout=subprocess.DEVNULL, stderr=slave, cwd=root,
                               env={k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(ROOT)})
    os.close(slave)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:        # the terminal closed: the process is done
                break
            if not chunk:
                break
            seen += chunk
            if answer is not None and b"[y/N]" in seen:
                os.write(master, answer)
                answer = None
    finally:
        os.close(master)
    return process.wait(timeout=120), seen.decode("utf-8", "replace")


def test_a_terminal_is_asked_and_yes_skips_the_question(make_site, tmp_path):
    www = tmp_path / "www"
    root = _site(make_site, f"- {{name: web, url: 'file://{www}'}}\n")
    files = _files(_build(root))
    status, seen = _on_terminal(root, b"n\n")
    assert status == 1 and f"to web (file://{www}): upload {len(files)} files" in seen and "[y/N]" in seen
    assert "not confirmed; nothing was changed" in seen and not www.exists()
    status, seen = _on_terminal(root, b"y\n")
    assert status == 0 and _files(www) == files and "% " in seen      # the progress line, then the summary
    assert f"uploaded {len(files)} files" in seen
    (root / "products/QN-2023-0044.yaml").unlink()
    _build(root)
    status, seen = _on_terminal(root, None, "--yes")
    assert status == 0 and "[y/N]" not in seen and "deleted " in seen


class _ListingOnly:
    """A bucket's listing as two kinds of store give it: S3's byte order of keys, or the folder
    order of stores that keep folders (``a/…`` before ``a.b``, as SeaweedFS lists). Only the
    listing is stood in for; everything else is tested against SeaweedFS above."""

    def __init__(self, keys, folder_order):
        order = (lambda k: k.split("/")) if folder_order else (lambda k: k)
        self.keys = sorted(keys, key=order)

    def get_paginator(self, _name):
        keys = self.keys

        class Paginator:
            def paginate(self, Bucket, Prefix, StartAfter=None):   # noqa: N803 (boto3's names)
                start = keys.index(StartAfter) + 1 if StartAfter in keys else 0
                if StartAfter is not None and StartAfter not in keys:
                    start = next((i for i, k in enumerate(keys) if k > StartAfter), len(keys))
                rest = [k for k in keys[start:] if k.startswith(Prefix)]
                for i in range(0, len(rest), 3):
                    yield {"Contents": [{"Key": k, "Size": 1, "ETag": '"e"'} for k in rest[i:i + 3]]}
        return Paginator()


@pytest.mark.parametrize("folder_order", [False, True])
def test_ranged_listing_sees_every_key_once_in_either_order(monkeypatch, folder_order):
    from ocop_site.commands import deploy

    monkeypatch.setattr(deploy, "LIST_RANGE", 2)
    names = ["a.b", "a/c", "a/d.x", "a-b/e", "catalog.csv", "sales-points.geojson", "sales-points/x/index.html",
             "sales-points/index.html", "sitemap.xml", "sitemaps/1.xml", "z"]
    store = deploy.S3Store.__new__(deploy.S3Store)
    store.bucket, store.prefix, store.workers = "b", "site/", 4
    store.client = _ListingOnly(["site/" + k for k in names] + ["other/x"], folder_order)
    found = store.list(hints=[k for k in names if k != "a/d.x"])
    assert sorted(found) == sorted(names)
