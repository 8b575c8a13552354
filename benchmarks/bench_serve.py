#!/usr/bin/env python3
"""How soon an edit is visible in ``ocop-site serve``, on a generated catalog.

    python benchmarks/bench_serve.py --products 20000 --edits 5 --work /dev/shm/ocop-bench

Starts ``serve`` (its first build fills the caches, or reuses the catalog's
``.ocop-cache``; the time until its first answer, the building page, and until
the site is served are printed), then renames a product several times. For each edit it
measures, from the moment the file is saved: the time until the product page
served over HTTP shows the new name (what the maintainer sees), and the time
until the full rebuild that follows is done (listings, search, exports).
The serve watcher is told of the save by a file event and waits 0.2 s for a
burst of saves to settle; that wait is included. With OCOP_SERVE_POLL=1 in
the environment, serve polls every 0.2 s instead. Last, the time serve takes to
exit after SIGTERM.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import REPO, TODAY, ensure_catalog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--lots", type=int, default=5)
    parser.add_argument("--languages", default="vi")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ocop-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    catalog = ensure_catalog(args.work, args.products, args.lots, args.languages)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--source", str(catalog), "--port", "0",
                             "--today", TODAY], stderr=subprocess.PIPE, text=True, cwd=REPO)
    lines: list[tuple[float, str]] = []
    port: list[int] = []
    answering: list[int] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append((time.perf_counter(), line))
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port.append(int(m.group(1)))
            m = re.search(r"building the site; http://127\.0\.0\.1:(\d+)/", line)
            if m:
                answering.append(int(m.group(1)))

    threading.Thread(target=read, daemon=True).start()
    try:
        while not answering:
            if proc.poll() is not None:
                raise SystemExit("serve stopped:\n" + "".join(l for _, l in lines))
            time.sleep(0.01)
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{answering[0]}/")
            except urllib.error.HTTPError as exc:
                if exc.code == 503:   # the building page
                    break
            time.sleep(0.01)
        print(f"first answer (the building page) after {time.perf_counter() - started:.2f} s")
        while not port:
            if proc.poll() is not None:
                raise SystemExit("serve stopped:\n" + "".join(l for _, l in lines))
            time.sleep(0.1)
        print(f"{args.products:,} products: first build and serving after {time.perf_counter() - started:.1f} s")
        record = sorted((catalog / "products").glob("*.yaml"))[len(list((catalog / "products").glob("*.yaml"))) // 2]
        url = f"http://127.0.0.1:{port[0]}/p/{record.stem}/"
        original = record.read_bytes()
        visible, rebuilt = [], []
        try:
            for n in range(args.edits):
                name = f"Tên sửa lần {n} {time.time_ns()}"
                seen = len(lines)
                saved = time.perf_counter()
                record.write_text(original.decode("utf-8").replace("\nname: ", f"\nname: {name} ", 1), encoding="utf-8")
                while name not in urllib.request.urlopen(url).read().decode("utf-8"):
                    time.sleep(0.02)
                visible.append(time.perf_counter() - saved)
                while not any("rebuilt" in l or "errors" in l for _, l in lines[seen:]):
                    time.sleep(0.05)
                done = next(t for t, l in lines[seen:] if "rebuilt" in l or "errors" in l)
                rebuilt.append(done - saved)
                print(f"edit {n + 1}: visible after {visible[-1]:.2f} s, full rebuild done after {rebuilt[-1]:.1f} s",
                      flush=True)
        finally:
            record.write_bytes(original)
        print(f"median: visible {statistics.median(visible):.2f} s, full rebuild {statistics.median(rebuilt):.1f} s")
    finally:
        stopping = time.perf_counter()
        proc.terminate()
        proc.wait(timeout=300)
        print(f"exited {time.perf_counter() - stopping:.2f} s after SIGTERM")


if __name__ == "__main__":
    main()
