"""`ocop-site serve` in headless Chromium: edit → page updates by itself; break → overlay; fix → page back."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from helpers import ROOT, serve_in_thread, write_site

P = "products/QN-2023-0042.yaml"


@pytest.fixture
def served(tmp_path):
    site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\nbase_url: https://x.gov.vn/ocop/\n"})
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--source", str(site), "--port", "0",
                             "--today", "2026-11-30"], stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 60
    lines = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    assert port, "".join(lines)
    yield site, f"http://127.0.0.1:{port}", proc
    proc.terminate()
    proc.wait(timeout=10)


def test_edit_break_fix_cycle(page, served):
    site, origin, proc = served
    record = site / P
    page.goto(origin + "/ocop/p/QN-2023-0042/")
    assert page.locator("h1").inner_text() == "Mật ong bạc hà"
    # the page is also served at the root
    assert page.request.get(origin + "/p/QN-2023-0042/").status == 200

    record.write_text(record.read_text().replace("name: Mật ong bạc hà", "name: Mật ong hoa rừng"))
    page.wait_for_function("() => document.querySelector('h1').textContent === 'Mật ong hoa rừng'", timeout=30000)
    assert page.request.get(origin + "/__ocop__/status.json").json()["previews"] >= 1, \
        "the edited product was shown before the full rebuild"

    record.write_text(record.read_text().replace("stars: 4", "stars: [4"))
    overlay = page.locator("#ocop-serve-errors")
    overlay.wait_for(state="visible", timeout=30000)
    assert "products/QN-2023-0042.yaml:" in overlay.inner_text() and "E102" in overlay.inner_text()
    assert page.locator("h1").inner_text() == "Mật ong hoa rừng", "the last good build is still shown under it"

    record.write_text(record.read_text().replace("stars: [4", "stars: 5"))
    page.wait_for_function("() => !document.querySelector('#ocop-serve-errors') && "
                           "document.querySelector('.status-valid') !== null", timeout=30000)
    assert "5" in page.locator(".status-valid").inner_text()
    assert page.console_errors == [] and page.page_errors == []


def test_reload_script_only_when_serving(page, served, tmp_path):
    site, origin, _ = served
    html = page.request.get(origin + "/ocop/").text()
    assert '<script src="/__ocop__/live.js"' in html
    from ocop_site.commands.cli import main
    out = tmp_path / "built"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    assert not any("__ocop__" in p.read_text() for p in out.rglob("*.html"))


def test_burst_of_saves_gives_one_rebuild(served):
    site, origin, proc = served
    record = site / P
    text = record.read_text()
    for i in range(5):
        record.write_text(text.replace("name: Mật ong bạc hà", f"name: Mật ong {i}"))
        time.sleep(0.05)
    import json
    import urllib.request
    deadline = time.time() + 30
    while time.time() < deadline:
        status = json.load(urllib.request.urlopen(origin + "/__ocop__/status.json"))
        if status["builds"] >= 2:
            break
        time.sleep(0.2)
    time.sleep(1.5)
    status = json.load(urllib.request.urlopen(origin + "/__ocop__/status.json"))
    assert status["builds"] == 2, "one build at start, one for the whole burst"
    assert status["previews"] <= 1 and status["generation"] == 2 + status["previews"]


def test_a_page_opened_during_the_first_build_turns_into_the_site(page, browser, tmp_path, monkeypatch):
    """A national first build takes a minute or more: a page opened meanwhile says so, then becomes the
    site by itself through live.js; without scripts, its reload link shows the site."""
    import threading

    import ocop_site.commands.serve as serve_module
    real_build, release = serve_module.build, threading.Event()

    def slow_build(*args, **kwargs):
        assert release.wait(60)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve_module, "build", slow_build)
    site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\nbase_url: https://x.gov.vn/ocop/\n"})
    port, _out, stop, thread = serve_in_thread(site)
    url = f"http://127.0.0.1:{port}/ocop/p/QN-2023-0042/"
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        assert page.goto(url).status == 503
        assert "Building the site" in page.locator("h1").inner_text()
        assert page.get_attribute("html", "lang") == "vi"
        without_scripts = plain.new_page()
        assert without_scripts.goto(url).status == 503
        release.set()
        page.wait_for_function("() => document.querySelector('h1').textContent === 'Mật ong bạc hà'", timeout=30000)
        assert "Building the site" in without_scripts.locator("h1").inner_text(), "no reload on a timer"
        without_scripts.get_by_role("link", name="Tải lại — Reload").click()
        without_scripts.locator("h1", has_text="Mật ong bạc hà").wait_for(timeout=30000)
        assert page.page_errors == []
    finally:
        release.set()
        plain.close()
        stop.set()
        thread.join(timeout=10)
