#!/usr/bin/env python3
"""Time cold builds of generated catalogs and report pages per second and peak memory.

    python benchmarks/bench_build.py                 # 1,000, 5,000 and 20,000 products
    python benchmarks/bench_build.py --sizes 1000 --repeat 3 --work /dev/shm/ocop-bench

Each build runs ``python build.py build --quiet`` in a fresh process into an
empty output folder (a cold build: no cache, no previous output). Memory is
sampled every 20 ms from /proc over the whole process tree (the build and its
worker processes): "peak RSS" is the largest single process, "peak PSS" the
tree's proportional total, which counts memory shared after fork once.
Catalogs come from generate_catalog.py (seed 1, 5 lots per product) and are
kept in the work folder between runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = "2026-11-30"


def tree_pids(root: int) -> list[int]:
    """The process and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_measured(cmd: list[str]) -> tuple[float, int, int, str]:
    """Run ``cmd``; return (seconds, peak single RSS kB, peak tree PSS kB, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        sizes = [memory_kb(pid) for pid in tree_pids(proc.pid)]
        peak_rss = max([peak_rss] + [r for r, _ in sizes])
        peak_pss = max(peak_pss, sum(p for _, p in sizes))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{err}")
    return seconds, peak_rss, peak_pss, err


def ensure_catalog(work: Path, products: int, lots: int) -> Path:
    folder = work / f"catalog-{products}-{lots}"
    if not (folder / "site.yaml").is_file():
        subprocess.run([sys.executable, str(HERE / "generate_catalog.py"), str(folder), "--products", str(products),
                        "--lots", str(lots), "--force"], check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--lots", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="builds per size (the median is reported)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ocop-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the last output (work/out-N) for bench_search.py --site")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{'products':>9} {'pages':>8} {'cold s':>8} {'pages/s':>8} {'peak RSS':>9} {'peak PSS':>9} "
          f"{'no-change s':>11} {'one-edit s':>10}")
    for size in args.sizes:
        catalog = ensure_catalog(args.work, size, args.lots)
        runs = []
        for _ in range(args.repeat):
            out = args.work / f"out-{size}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(catalog / ".ocop-cache", ignore_errors=True)   # cold: no cache either
            cmd = [sys.executable, str(REPO / "build.py"), "build", "--source", str(catalog), "--output", str(out),
                   "--today", TODAY]
            seconds, rss, pss, err = run_measured(cmd)
            pages = int(re.search(r"built ([\d,]+) pages", err).group(1).replace(",", ""))
            runs.append((seconds, rss, pss, pages))
        # incremental: the same build again, then one product renamed (and put back afterwards)
        again, _, _, _ = run_measured(cmd)
        record = sorted((catalog / "products").glob("*.yaml"))[0]
        original = record.read_bytes()
        text = original.decode("utf-8")
        record.write_text(text.replace("\nname: ", "\nname: Sửa ", 1), encoding="utf-8")
        try:
            edit, _, _, _ = run_measured(cmd)
        finally:
            record.write_bytes(original)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        seconds = statistics.median(r[0] for r in runs)
        rss, pss, pages = max(r[1] for r in runs), max(r[2] for r in runs), runs[0][3]
        print(f"{size:>9,} {pages:>8,} {seconds:>8.1f} {pages / seconds:>8,.0f} {rss / 1024:>7.0f}MB {pss / 1024:>7.0f}MB "
              f"{again:>11.1f} {edit:>10.1f}", flush=True)


if __name__ == "__main__":
    main()
