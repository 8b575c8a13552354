#!/usr/bin/env python3
"""Measure search on a generated catalog in headless Chromium: bytes on the wire and latency.

    python benchmarks/bench_search.py                    # 20,000 products
    python benchmarks/bench_search.py --products 1000 --throttle 4

Builds the catalog (generate_catalog.py, seed 1) once into the work folder,
serves it gzip-compressed on 127.0.0.1 (as any static host does), opens
``/search/`` in Debian's Chromium with the CPU throttled (CDP
``Emulation.setCPUThrottlingRate``), types each query one key at a time and
reports, from the browser's network log (``encodedDataLength``), the bytes
transferred up to the first query's results, and from the page the time from
the key press to the results being shown (``data-search-ms``).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import mimetypes
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
QUERIES = ["mat ong", "banh da dong dang", "che shan tuyet", "tuyeet", "mien dong", "mat onh", "banh dda"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path.split("?", 1)[0]))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if "gzip" in self.headers.get("Accept-Encoding", "") and not ctype.startswith("image/"):
            data = gzip.compress(data, 6)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = lambda *a, **k: GzipHandler(*a, directory=str(folder), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def build(work: Path, products: int) -> Path:
    catalog, out = work / f"catalog-{products}-5", work / f"site-{products}"
    if not (catalog / "site.yaml").is_file():
        subprocess.run([sys.executable, str(HERE / "generate_catalog.py"), str(catalog), "--products", str(products),
                        "--force"], check=True)
    if not (out / "search").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--source", str(catalog), "--output", str(out),
                        "--today", "2026-11-30", "--quiet"], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--throttle", type=float, default=4)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ocop-bench"))
    parser.add_argument("--site", type=Path, help="an already built site (e.g. bench_build.py --keep's work/out-N)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    site = args.site or build(args.work, args.products)
    base, server = serve(site)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        print(f"{args.products:,} products, CPU throttled {args.throttle:g}x")
        print(f"{'query':<20} {'first-query KB':>14} {'requests':>8} {'median ms/key':>13} {'max ms/key':>10} {'results':>8}")
        for query in QUERIES:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            sizes: dict[str, int] = {}
            cdp.on("Network.loadingFinished", lambda e, sizes=sizes: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
            page.goto(base + "search/")
            page.wait_for_selector("[data-search-loaded]", timeout=60000)
            latencies = []
            for i in range(1, len(query) + 1):
                page.focus("#search-q")
                page.keyboard.type(query[i - 1])
                page.wait_for_function("q => document.querySelector('.search-results').dataset.searchQuery === q + '|'",
                                       arg=query[:i], timeout=60000)
                latencies.append(int(page.get_attribute(".search-results", "data-search-ms")))
            results = page.get_attribute(".search-results", "data-search-count")
            total = sum(sizes.values())
            print(f"{query:<20} {total / 1024:>14.0f} {len(sizes):>8} {statistics.median(latencies):>13.0f} "
                  f"{max(latencies):>10} {results:>8}", flush=True)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
