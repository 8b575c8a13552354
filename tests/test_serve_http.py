"""``serve`` answers hostile requests with 400 or 404 (never a traceback), HEAD like GET without a body,
"building" until its first build is published, and leaves no manifest or temporary site behind."""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
import time
from datetime import date

import pytest
from helpers import serve_in_thread, write_site

from ocop_site.commands.serve import serve

PAGE = "/ocop/p/QN-2023-0042/"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("serve") / "site", {"site.yaml": "title: Test OCOP\nbase_url: https://x.gov.vn/ocop/\n"})
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve, args=(site, 0, lambda: date(2026, 11, 30), out, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (found := re.search(r"serving on http://127\.0\.0\.1:(\d+)/", out.getvalue())):
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.05)
    yield site, int(found.group(1)), out
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def request(port: int, method: str, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "status"), [
    ("/%00", 400), ("/ocop/p/%00/index.html", 400), ("/" + "a" * 8192, 404), ("/ocop/" + "b" * 300 + "/", 404),
    ("/" + "/".join(["c" * 250] * 20), 404), ("/__ocop__/events?since=abc", 400), ("/__ocop__/events?since=1e9", 400),
    ("/__ocop__/events?since=" + "9" * 40, 400), ("/../../etc/passwd", 404), ("/%2e%2e/%2e%2e/etc/passwd", 404),
], ids=["nul", "nul-inside", "8kb-path", "300-char-segment", "long-path", "since-abc", "since-float", "since-huge",
        "dot-dot", "quoted-dot-dot"])
def test_hostile_requests_get_400_or_404_without_a_traceback(served, capfd, path, status):
    _site, port, out = served
    got, headers, body = request(port, "GET", path)
    assert got == status
    assert int(headers["Content-Length"]) == len(body)
    assert request(port, "GET", PAGE)[0] == 200, "the server goes on"
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out + out.getvalue()


def test_head_is_answered_like_get_without_a_body(served):
    _site, port, _out = served
    status, headers, body = request(port, "HEAD", PAGE)
    get_status, get_headers, get_body = request(port, "GET", PAGE)
    assert status == get_status == 200 and body == b""
    assert headers["Content-Type"] == get_headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(get_body)
    assert request(port, "HEAD", "/ocop/no-such-page/")[0] == 404
    assert request(port, "HEAD", "/ocop/p/QN-2023-0042")[0] == 301
    status, headers, body = request(port, "HEAD", "/__ocop__/events")
    assert status == 200 and headers["Content-Type"] == "text/event-stream" and body == b""


def test_serve_sessions_leave_no_manifest_behind(tmp_path):
    site = write_site(tmp_path / "site", {})
    builds = site / ".ocop-cache" / "builds"
    for _ in range(2):
        out, stop = io.StringIO(), threading.Event()
        thread = threading.Thread(target=serve, args=(site, 0, lambda: date(2026, 11, 30), out, stop), daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while "serving on" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        assert len(list(builds.glob("*.json"))) == 1, "the session's own manifest, while it runs"
        stop.set()
        thread.join(timeout=10)
        assert list(builds.iterdir()) == []


def test_a_rebuild_with_nothing_changed_repeats_the_warnings(tmp_path):
    """A save that changes no byte gives an up-to-date build, which shows the last build's warnings again."""
    from helpers import PRODUCT
    site = write_site(tmp_path / "site", {
        "products/B-1.yaml": PRODUCT.format(code="B-1").replace("province: Hà Giang", "province: Hà Giangg")})
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve, args=(site, 0, lambda: date(2026, 11, 30), out, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        assert out.getvalue().count("[W103]") == 1
        record = site / "products" / "B-1.yaml"
        record.write_bytes(record.read_bytes())          # saved again, unchanged
        while out.getvalue().count("rebuilt") < 2:
            assert time.monotonic() < deadline + 60, out.getvalue()
            time.sleep(0.05)
        assert out.getvalue().count("[W103]") == 2, out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=10)


def test_pages_say_building_until_the_first_build_is_published(tmp_path, monkeypatch):
    """A national first build takes a minute or more: serve answers at once with the build's progress."""
    import ocop_site.commands.serve as serve_module
    real_build, release = serve_module.build, threading.Event()

    def slow_build(*args, progress=None, **kwargs):
        progress(1200, 0)
        progress(3456, 0)
        assert release.wait(60)
        return real_build(*args, progress=progress, **kwargs)

    site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\nbase_url: https://x.gov.vn/ocop/\n"})
    monkeypatch.setattr(serve_module, "build", slow_build)
    port, out, stop, thread = serve_in_thread(site)
    try:
        for path in (PAGE, "/", "/ocop/no-such-page/"):
            status, headers, body = request(port, "GET", path)
            assert status == 503 and headers["Retry-After"] == "5", path
            text = body.decode()
            assert "Building the site" in text and "Đang dựng trang" in text
            assert "3,456 pages rendered" in text and "Đã dựng 3.456 trang" in text, "the build's progress"
            assert '<script src="/__ocop__/live.js" data-generation="0" defer>' in text, "it turns into the site"
            assert '<a href="">Tải lại' in text, "or is reloaded by hand, without scripts"
            assert 'http-equiv="refresh"' not in text, "never on a timer (WCAG 2.2.1)"
        status = json.loads(request(port, "GET", "/__ocop__/status.json")[2])
        assert status["ready"] is False and status["rendered"] == 3456 and status["generation"] == 0
        assert "serving on" not in out.getvalue()
        release.set()
        deadline = time.monotonic() + 60
        while "serving on" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        status, _headers, body = request(port, "GET", PAGE)
        assert status == 200 and "Mật ong bạc hà" in body.decode()
        assert json.loads(request(port, "GET", "/__ocop__/status.json")[2])["ready"] is True
    finally:
        release.set()
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_first_build_with_errors_shows_them_instead_of_the_site(tmp_path):
    from helpers import PRODUCT
    site = write_site(tmp_path / "site", {"products/B-1.yaml": PRODUCT.format(code="B-1").replace("stars: 4", "stars: [4")})
    port, out, stop, thread = serve_in_thread(site)
    try:
        deadline = time.monotonic() + 60
        while "errors: still serving" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        status, _headers, body = request(port, "GET", PAGE)
        text = body.decode()
        assert status == 503 and "The site could not be built" in text
        assert "products/B-1.yaml:" in text and "E102" in text, text
        assert 'http-equiv="refresh"' not in text and '<a href="">' not in text
        site_yaml = site / "products" / "B-1.yaml"
        site_yaml.write_text(site_yaml.read_text().replace("stars: [4", "stars: 4"))
        while request(port, "GET", "/p/QN-2023-0042/")[0] != 200:   # (served at the root too)
            assert time.monotonic() < deadline + 60, out.getvalue()
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=10)


def test_a_large_temporary_site_is_removed_in_the_background(tmp_path, monkeypatch):
    """Removing a national site's 400,000 files took a minute: serve ends at once and a process of
    its own session removes them."""
    import ocop_site.commands.serve as serve_module
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)   # read TMPDIR again
    monkeypatch.setattr(serve_module, "BACKGROUND_REMOVAL_FILES", 10)
    started: list = []
    real_remove = serve_module.remove_detached
    monkeypatch.setattr(serve_module, "remove_detached", lambda folder: started.append(real_remove(folder)))
    site = write_site(tmp_path / "site", {})
    port, out, stop, thread = serve_in_thread(site)
    deadline = time.monotonic() + 60
    while "serving on" not in out.getvalue():
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(started) == 1 and re.search(r"the temporary site \([\d,]+ files\) is being removed in the background",
                                           out.getvalue()), out.getvalue()
    remover = started[0]
    assert remover.wait(timeout=30) == 0
    assert list((tmp_path / "tmp").iterdir()) == [], "the temporary site is removed"
