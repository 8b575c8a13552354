"""The sample site deployed to a bucket (SeaweedFS's S3 gateway on loopback) and served from it:
the pages render in Chromium with no failed request, with the types and cache headers the
deploy gave each object.

An S3 endpoint does not resolve ``/p/X/`` to ``p/X/index.html`` (a website endpoint or a CDN
does), so the test puts a tiny loopback proxy in front that does only that, and serves the
bucket's ``404.html`` for a missing key, passing every header of the object through."""

from __future__ import annotations

import http.server
import threading
import types
import urllib.error
import urllib.request

import pytest
import seaweed
from helpers import ROOT

from ocop_site.commands.cli import main
from ocop_site.commands.deploy import IMMUTABLE, Rules, deploy

from .conftest import assert_clean

TILE_HOST = "tile.openstreetmap.org"
PASSED = ("Content-Type", "Cache-Control", "Content-Length", "ETag", "Last-Modified")


class _Proxy(http.server.BaseHTTPRequestHandler):
    origin: str          # http://127.0.0.1:PORT/bucket

    def log_message(self, format, *args):  # noqa: A002 - base signature
        pass

    def _fetch(self, key: str):
        try:
            return urllib.request.urlopen(f"{self.origin}{key}", timeout=10)   # anonymous read
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404):
                return None
            raise

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        key = path + "index.html" if path.endswith("/") else path
        status, answer = 200, self._fetch(key)
        if answer is None:
            status, answer = 404, self._fetch("/ocop/404.html")
        body = answer.read()
        self.send_response(status)
        for name in PASSED:
            if answer.headers.get(name) is not None:
                self.send_header(name, answer.headers[name])
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def bucket_site(s3_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("deployed") / "public"
    assert main(["build", "--source", str(ROOT), "--output", str(out), "--today", "2026-11-30", "--quiet",
                 "--base-url", "https://ocop.example.gov.vn/ocop/"]) == 0
    bucket = seaweed.make_bucket(s3_server, "ocop-browser")
    target = types.SimpleNamespace(name="test", url=f"s3://{bucket}/ocop", endpoint_url=s3_server.endpoint,
                                   region="us-east-1", public_url="https://ocop.example.gov.vn/ocop/")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in s3_server.env().items():
            if key.startswith("AWS_"):
                mp.setenv(key, value)
        summary = deploy(out, target, Rules(languages=("vi", "en")), None)
    assert summary.uploaded > 1000 and summary.deleted == 0
    handler = type("Proxy", (_Proxy,), {"origin": f"{s3_server.endpoint}/{bucket}"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ocop/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize("path", ["", "p/HG-2020-0015/", "en/p/HN-2022-0099/", "p/LS-2023-0027/",
                                  "sales-points/diem-ocop-ha-giang/", "producers/", "stats/"])
def test_bucket_pages_render_cleanly(page, bucket_site, path):
    seen = []
    page.on("response", lambda r: seen.append(r))
    response = page.goto(bucket_site + path)
    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert page.locator("h1").first.inner_text().strip()
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    page.wait_for_load_state("networkidle")
    assert_clean(page, ignore=(TILE_HOST,))    # map tiles come from their own host, blocked in tests
    for r in seen:     # every image of the page: its type, and a year's cache when its name is its content
        if "/media/" in r.url and r.status == 200:
            assert r.headers["content-type"] in ("image/webp", "image/jpeg", "image/png"), r.url
            assert r.headers["cache-control"] == IMMUTABLE, r.url


def test_bucket_search_types_and_finds(page, bucket_site):
    page.goto(bucket_site + "search/")
    page.wait_for_selector("[data-search-loaded]")
    page.locator("#search-q").press_sequentially("banh da", delay=40)
    page.wait_for_function("document.querySelector('.search-results').dataset.searchQuery === 'banh da|'")
    assert "Bánh đa Đồng Đăng" in page.locator(".search-result a").all_inner_texts()
    assert_clean(page)


def test_bucket_missing_page_gets_the_404_page(page, bucket_site):
    response = page.goto(bucket_site + "p/KHONG-CO/")
    assert response.status == 404
    page.locator("a[href='/ocop/']").first.click()
    assert page.url == bucket_site
    assert_clean(page, ignore=("KHONG-CO",))
