"""The browser harness itself works, on a tiny site written here (not the
project's generated site)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from .conftest import assert_clean, unavailable

INDEX = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>chưa chạy</title>
<link rel="stylesheet" href="style.css">
<script type="module" src="module.js"></script>
</head><body><h1>Sản phẩm OCOP</h1><img src="logo.svg" alt="logo"></body></html>
"""

# A module script only runs when served with a JavaScript MIME type.
MODULE_JS = 'document.title = "Đã chạy: " + document.querySelector("h1").textContent;\n'

THROWS = """<!doctype html>
<html><head><meta charset="utf-8"><title>throws</title></head><body>
<script>
console.warn("harness-warning");
console.error("harness-console-error");
throw new Error("harness-boom");
</script></body></html>
"""

CDN = """<!doctype html>
<html><head><meta charset="utf-8"><title>cdn</title>
<script src="https://cdn.example.com/x.js"></script>
</head><body><p>needs a CDN</p></body></html>
"""

NOT_FOUND = """<!doctype html>
<html><head><meta charset="utf-8"><title>404</title></head>
<body><p>Không tìm thấy trang</p></body></html>
"""

FILES = {
    "index.html": INDEX,
    "module.js": MODULE_JS,
    "style.css": "h1 { color: rgb(0, 128, 0); }\n",
    "logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>\n',
    "throws.html": THROWS,
    "cdn.html": CDN,
    "404.html": NOT_FOUND,
    "data/points.geojson": '{"type": "FeatureCollection", "features": []}\n',
    "data/catalog.json": "{}\n",
    "sitemap.xml": "<urlset/>\n",
    "img/photo.webp": b"RIFF\x00\x00\x00\x00WEBP",
    "empty/.keep": "",
}


@pytest.fixture
def site(tmp_path, serve_dir):
    root = tmp_path / "site"
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return serve_dir(root, prefix="/ocop/")


def fetch(url: str, path: str):
    """GET ``path`` from the server of ``url``; no redirects followed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()  # msg: case-insensitive headers
    finally:
        conn.close()


# --------------------------------------------------------------------------
# The server alone (no browser needed)


def test_serve_dir_returns_prefixed_base_url(site):
    assert site.startswith("http://127.0.0.1:")
    assert site.endswith("/ocop/")
    status, _, body = fetch(site, "/ocop/")
    assert status == 200
    assert "Sản phẩm OCOP" in body.decode("utf-8")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/ocop/index.html", "text/html"),
        ("/ocop/module.js", "text/javascript"),
        ("/ocop/style.css", "text/css"),
        ("/ocop/logo.svg", "image/svg+xml"),
        ("/ocop/img/photo.webp", "image/webp"),
        ("/ocop/data/catalog.json", "application/json"),
        ("/ocop/data/points.geojson", "application/geo+json"),
        ("/ocop/sitemap.xml", "application/xml"),
    ],
)
def test_content_types(site, path, content_type):
    status, headers, _ = fetch(site, path)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == content_type


def test_missing_path_serves_404_html(site):
    status, headers, body = fetch(site, "/ocop/khong-co/")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert "Không tìm thấy trang" in body.decode("utf-8")
    # A folder without index.html is not listed.
    status, _, body = fetch(site, "/ocop/empty/")
    assert status == 404
    assert "Không tìm thấy trang" in body.decode("utf-8")


def test_prefix_mount_refuses_outside_paths(site):
    for path in ("/", "/index.html", "/other/index.html", "/ocopx/index.html"):
        status, _, body = fetch(site, path)
        assert status == 404, path
        assert "Không tìm thấy trang" not in body.decode("utf-8", "replace"), path
    status, headers, _ = fetch(site, "/ocop")
    assert status == 301
    assert headers["Location"] == "/ocop/"


def test_serve_dir_without_prefix(tmp_path, serve_dir):
    (tmp_path / "index.html").write_text("<p>gốc</p>", encoding="utf-8")
    base = serve_dir(tmp_path)
    assert base.endswith("/") and not base.endswith("//")
    status, _, body = fetch(base, "/index.html")
    assert status == 200 and "gốc" in body.decode("utf-8")
    status, _, _ = fetch(base, "/missing.html")
    assert status == 404  # no 404.html there: the plain error page


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_tool_fails_on_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI must install"):
        unavailable("chromium is not installed")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_tool_skips_locally(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        unavailable("chromium is not installed")


# --------------------------------------------------------------------------
# In Chromium


def test_good_page_runs_its_module_and_is_clean(page, site):
    response = page.goto(site)
    assert response.status == 200
    assert page.title() == "Đã chạy: Sản phẩm OCOP"
    assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
    assert page.eval_on_selector("img", "e => e.naturalWidth") == 8
    env = page.evaluate(
        """() => ({
            width: innerWidth, height: innerHeight,
            lang: navigator.language,
            tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
            offset: new Date(2024, 0, 1).getTimezoneOffset(),
        })"""
    )
    # A Vietnamese phone. ICU names Asia/Ho_Chi_Minh by its alias Asia/Saigon.
    assert env.pop("tz") in {"Asia/Ho_Chi_Minh", "Asia/Saigon"}
    assert env == {"width": 390, "height": 844, "lang": "vi-VN", "offset": -420}
    assert_clean(page, warnings=True)


def test_throwing_page_is_caught(page, site):
    page.goto(site + "throws.html")
    assert any("harness-boom" in e for e in page.page_errors), page.page_errors
    assert any("harness-console-error" in e for e in page.console_errors), page.console_errors
    assert any("harness-warning" in w for w in page.console_warnings), page.console_warnings
    with pytest.raises(AssertionError) as failure:
        assert_clean(page)
    message = str(failure.value)
    assert "harness-boom" in message and "harness-console-error" in message


def test_cdn_request_is_blocked_and_recorded(page, site):
    page.goto(site + "cdn.html")
    assert page.external_requests == ["https://cdn.example.com/x.js"]
    assert page.failed_requests == []  # listed once, as external
    assert any("ERR_BLOCKED_BY_CLIENT" in e for e in page.console_errors), page.console_errors
    with pytest.raises(AssertionError, match=r"external requests[\s\S]*cdn\.example\.com/x\.js"):
        assert_clean(page)


def test_missing_and_outside_paths_in_browser(page, site):
    response = page.goto(site + "khong-co.html")
    assert response.status == 404
    assert "Không tìm thấy trang" in page.inner_text("body")
    assert page.failed_requests == [f"GET {site}khong-co.html: HTTP 404"]
    assert_clean(page, ignore=["khong-co.html"])

    outside = site.removesuffix("ocop/") + "index.html"
    response = page.goto(outside)
    assert response.status == 404
    assert "Sản phẩm OCOP" not in page.content()
    assert "Không tìm thấy trang" not in page.content()


def test_loads_abandoned_by_navigating_away_are_not_failures(page, site):
    """A test that moves on mid-load is not a fault of the site; an abort within the page still is."""
    held = []
    page.route("**/slow.json", lambda route: held.append(route))  # never answered
    page.goto(site + "throws.html")
    page.evaluate("() => { fetch('slow.json').catch(() => {}); }")
    page.wait_for_timeout(50)  # the request reaches the route and hangs there
    page.goto(site)
    assert held and page.failed_requests == [], page.failed_requests

    page.evaluate("""() => {
        const stop = new AbortController();
        fetch('slow.json', {signal: stop.signal}).catch(() => {});
        setTimeout(() => stop.abort(), 50);
    }""")
    page.wait_for_timeout(300)
    assert page.failed_requests == [f"GET {site}slow.json: net::ERR_ABORTED"], page.failed_requests
