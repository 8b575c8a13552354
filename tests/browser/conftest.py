"""Browser-test harness: a real headless Chromium (Debian's ``chromium``)
driven by Playwright for Python, plus a tiny local HTTP server.

Fixtures
--------
``chromium_path`` (session)  -> str
    Path of the Chromium executable. Skips the test when Chromium is missing,
    but FAILS it when the ``CI`` environment variable is true (CI must install
    chromium). The same rule applies to a missing ``playwright`` package.
``browser`` (session)  -> playwright.sync_api.Browser
    Headless Chromium launched with ``executable_path=chromium_path``.
``serve_dir`` (function)  -> callable ``serve_dir(path, prefix="/") -> str``
    Serves a folder on 127.0.0.1 (ephemeral port) in a background thread,
    mounted under ``prefix``; returns the base URL, e.g.
    ``http://127.0.0.1:PORT/ocop/``. All servers stop after the test.
``page`` (function)  -> playwright.sync_api.Page
    A fresh phone-sized context (390x844, vi-VN, Asia/Ho_Chi_Minh). The page
    records ``console_errors``, ``console_warnings``, ``page_errors``,
    ``failed_requests`` and ``external_requests`` (lists of str); every
    request to a host other than 127.0.0.1/localhost is aborted. A load that
    fails only because the page navigated away (net::ERR_ABORTED of the
    document left behind) is not listed.

Helper
------
``assert_clean(page, *, ignore=(), warnings=False)`` fails listing whatever
went wrong on ``page``. Import it in a test module of this package with
``from .conftest import assert_clean``.
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Root, closed network: without the background-networking flags Chromium keeps
# trying to reach Google services and floods the log with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

PHONE_VIEWPORT = {"width": 390, "height": 844}
LOCALE = "vi-VN"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_TIMEOUT_MS = 10_000

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
}


# --------------------------------------------------------------------------
# Skip locally, fail on CI


def ci_enabled() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str):
    """Skip with ``reason`` - or fail when running on CI, where it must exist."""
    if ci_enabled():
        pytest.fail(f"{reason} (CI is set: CI must install it)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _sync_api():
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    return sync_api


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        unavailable("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    sync_api = _sync_api()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=60_000,
        )
        try:
            yield browser
        finally:
            browser.close()


# --------------------------------------------------------------------------
# Static file server


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser often drops connections (aborted loads, closed pages).
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``root`` under URL ``prefix``, like a static host would."""

    root: Path
    prefix: str = "/"
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **CONTENT_TYPES,
    }

    def __init__(self, *args, **kwargs):
        self._outside_mount = False
        super().__init__(*args, directory=str(self.root), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - base signature
        pass

    def _mounted(self) -> bool:
        path = urlsplit(self.path).path
        if path.startswith(self.prefix):
            return True
        if path + "/" == self.prefix:  # /ocop -> /ocop/
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        self._outside_mount = True
        self.send_error(404, "Outside the mounted prefix " + self.prefix)
        return False

    def do_GET(self):
        if self._mounted():
            super().do_GET()

    def do_HEAD(self):
        if self._mounted():
            super().do_HEAD()

    def translate_path(self, path):
        path = urlsplit(path).path
        return super().translate_path("/" + path[len(self.prefix):])

    def list_directory(self, path):
        # Static hosts do not list folders without an index.html.
        self.send_error(404, "No index.html")
        return None

    def send_error(self, code, message=None, explain=None):
        page_404 = self.root / "404.html"
        if code == 404 and not self._outside_mount and page_404.is_file():
            body = page_404.read_bytes()
            self.send_response(404, message)
            self.send_header("Content-Type", CONTENT_TYPES[".html"])
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def _normalize_prefix(prefix: str) -> str:
    prefix = "/" + prefix.strip("/")
    return prefix if prefix == "/" else prefix + "/"


@pytest.fixture
def serve_dir():
    servers: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []

    def serve(path, prefix: str = "/") -> str:
        root = Path(path).resolve()
        if not root.is_dir():
            raise ValueError(f"serve_dir: not a folder: {root}")
        prefix = _normalize_prefix(prefix)
        handler = type(
            "SiteHandler", (_SiteHandler,), {"root": root, "prefix": prefix}
        )
        server = _QuietServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"serve_dir {root}",
            daemon=True,
        )
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield serve

    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------
# Page with error recording and no network beyond this machine


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return True  # data:, blob:, about: never leave the machine
    return parts.hostname in LOCAL_HOSTS


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale=LOCALE,
        timezone_id=TIMEZONE,
        viewport=PHONE_VIEWPORT,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)

    console_errors: list[str] = []
    console_warnings: list[str] = []
    page_errors: list[str] = []
    failed_requests: list[str] = []
    external_requests: list[str] = []

    def block_external(route):
        url = route.request.url
        if _is_local(url):
            route.fallback()
        else:
            external_requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", block_external)

    page = context.new_page()

    def on_console(msg):
        if msg.type not in {"error", "warning"}:
            return
        loc = msg.location or {}
        where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
        target = console_errors if msg.type == "error" else console_warnings
        target.append(msg.text + where)

    def on_pageerror(exc):
        page_errors.append(exc.stack or f"{exc.name}: {exc.message}")

    # A navigation of the main frame abandons the loads of the document it leaves
    # (Chromium reports them as net::ERR_ABORTED). Those are the test moving on,
    # not a fault of the site: each request remembers which document asked for it.
    documents = [0]
    asked_by: dict = {}

    def on_request(request):
        if request.is_navigation_request() and request.frame == page.main_frame:
            documents[0] += 1
        else:
            asked_by[request] = documents[0]

    def on_requestfailed(request):
        if request.url in external_requests:
            return  # already listed in external_requests
        if request.failure == "net::ERR_ABORTED" and asked_by.get(request, documents[0]) < documents[0]:
            return  # abandoned by navigating away
        failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response):
        if response.status >= 400:
            failed_requests.append(
                f"{response.request.method} {response.url}: HTTP {response.status}"
            )

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("request", on_request)
    page.on("requestfailed", on_requestfailed)
    page.on("response", on_response)

    page.console_errors = console_errors
    page.console_warnings = console_warnings
    page.page_errors = page_errors
    page.failed_requests = failed_requests
    page.external_requests = external_requests

    try:
        yield page
    finally:
        context.close()


def assert_clean(page, *, ignore=(), warnings: bool = False) -> None:
    """Fail listing console errors, page errors, failed and external requests.

    ``ignore``: substrings; entries containing any of them are not reported
    (e.g. the URL of a page that is meant to 404). ``warnings=True`` also
    fails on console warnings.
    """
    groups = {
        "console errors": page.console_errors,
        "page errors": page.page_errors,
        "failed requests": page.failed_requests,
        "external requests (blocked)": page.external_requests,
    }
    if warnings:
        groups["console warnings"] = page.console_warnings
    lines = []
    for name, entries in groups.items():
        kept = [e for e in entries if not any(s in e for s in ignore)]
        if kept:
            lines.append(f"{name}:")
            lines.extend(f"  - {e}" for e in kept)
    if lines:
        raise AssertionError(f"page {page.url} is not clean:\n" + "\n".join(lines))
