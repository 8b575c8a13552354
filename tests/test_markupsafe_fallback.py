"""Without markupsafe's private escaping function (MarkupSafe 2.1, which Jinja 3.1 allows), templates
are compiled by plain Jinja, and the site is byte for byte the same."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import PRODUCT, ROOT, write_site

BUILD = """
import json, sys, types, importlib
if sys.argv[1] == "old":   # MarkupSafe 2.1's private modules: no _escape_inner
    for name in ("markupsafe._speedups", "markupsafe._native"):
        module = types.ModuleType(name)
        module.escape = importlib.import_module("markupsafe").escape
        sys.modules[name] = module
from datetime import date
from pathlib import Path
from ocop_site.site import themes
from ocop_site.site.builder import build
report = build(Path(sys.argv[2]), Path(sys.argv[3]), date(2026, 11, 30), workers=1, cache_dir=Path(sys.argv[4]))
print(json.dumps({"fast": themes.FAST_TEMPLATES, "published": report.published}))
"""


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_plain_jinja_without_markupsafe_private_escape_gives_the_same_site(tmp_path):
    site = write_site(tmp_path / "site", {
        "products/B-1.yaml": PRODUCT.format(code="B-1").replace("Mật ong bạc hà", "Mật <ong> & \"bạc\" hà")})
    results = {}
    for kind in ("old", "new"):
        run = subprocess.run([sys.executable, "-c", BUILD, kind, str(site), str(tmp_path / kind), str(tmp_path / f"c-{kind}")],
                             capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert run.returncode == 0, run.stderr
        results[kind] = json.loads(run.stdout.strip().splitlines()[-1])
    assert results == {"old": {"fast": False, "published": True}, "new": {"fast": True, "published": True}}
    assert tree(tmp_path / "old") == tree(tmp_path / "new")
    assert "Mật &lt;ong&gt; &amp; &#34;bạc&#34; hà" in (tmp_path / "new" / "p" / "B-1" / "index.html").read_text()
