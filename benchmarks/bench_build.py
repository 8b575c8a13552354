#!/usr/bin/env python3
"""Time builds of generated catalogs: fresh, no-change and one-edit, with peak memory; optionally
side by side with the Hugo site in benchmarks/hugo/ (same page set), alternating A B A B.

    python benchmarks/bench_build.py --sizes 1000 5000 20000
    python benchmarks/bench_build.py --sizes 20000 --repeat 3 --hugo --work /dev/shm/ocop-bench
    python benchmarks/bench_build.py --sizes 1000 --languages vi,en --cold-assets
    python benchmarks/bench_build.py --sizes 3000 --first --repeat 2

``--first`` times only *first-ever* builds: no output folder and no ``.ocop-cache/`` at all (no
records, manifests, QR codes, share cards or images), as in a CI run without a persisted cache
or on a new machine; it prints each build's stage timings (``build --timings``) and, with
``--hash``, a SHA-256 of the whole output (paths and bytes) to show that a change keeps the
output byte-identical.

Every build runs ``python build.py build`` in a fresh process. A *fresh* build
has no output folder and no build cache (records, manifests); the media cache
(QR codes, share cards, images: ``.ocop-cache/qr|card|img``, content-addressed
like Hugo's ``resources/_gen``) is kept from the first run unless
``--cold-assets`` empties it every time. The first run of a size fills it and
is reported as *first ever*. Timed runs are left alone: their peak RSS (of the
largest process) comes from ``wait4``. Memory over the whole process tree is
sampled from /proc in one more, untimed fresh build: "PSS" is the tree's
proportional total, which counts memory shared after fork once. (Sampling
smaps_rollup walks a process's page tables, about 50 ms a read for 1 GB here;
sampled every 20 ms, as this script once did, it took a core from the build.)
Catalogs come from generate_catalog.py (seed 1, 5 lots per product, a third
as many producers as products, 1,000 sales points at 20,000 products) with
``--languages`` (default ``vi``: the page set the Hugo site renders).
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
BUILD_CACHES = ("records", "builds")          # what a fresh build starts without
MEDIA_CACHES = ("qr", "card", "img")          # kept between fresh builds unless --cold-assets


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


def run_timed(cmd: list[str]) -> tuple[float, int]:
    """Run ``cmd`` untouched; return (seconds, peak RSS kB of its largest process, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return seconds, usage.ru_maxrss


def run_first(cmd: list[str], catalog: Path, out: Path) -> tuple[float, int, str]:
    """One first-ever build: no output, no cache. (seconds, peak RSS kB, CPU time and stage timings
    as printed). The CPU time counts the workers too (they are waited for before the build ends):
    on a shared machine it varies less than the wall time."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(catalog / ".ocop-cache", ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd + ["--timings"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{err[-3000:]}")
    stages = "".join(line + "\n" for line in err.splitlines() if line.startswith("  ") and " s  " in line)
    cpu = f"CPU {usage.ru_utime:.1f} s user + {usage.ru_stime:.1f} s system (the build and its workers)\n"
    return seconds, usage.ru_maxrss, cpu + stages


#: What a build writes from the hash of ocop-site's own code (core.cache.code_version): the
#: service worker's cache version and the output marker's state. Any change of the code changes
#: them, so a comparison of the output of two versions of the code leaves them out.
CODE_DEPENDENT = {"sw.js": re.compile(rb'"version": "[0-9a-f]+"'), ".ocop-site": re.compile(rb"state: [0-9a-f]+")}


def tree_hash(folder: Path) -> str:
    """SHA-256 over every file of ``folder``: its path, its bytes (symlinks by their target); the
    code-dependent parts of CODE_DEPENDENT's files are left out."""
    import hashlib
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, folder).encode() + b"\0")
            if os.path.islink(path):
                h.update(b"link:" + os.readlink(path).encode())
            else:
                with open(path, "rb") as f:
                    data = f.read()
                rel = os.path.relpath(path, folder)
                if rel in CODE_DEPENDENT:
                    data = CODE_DEPENDENT[rel].sub(b"", data)
                h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def run_sampled(cmd: list[str]) -> tuple[int, int]:
    """Run ``cmd`` sampling memory over its process tree; return (peak single RSS kB, peak tree PSS kB).

    Not timed: reading a process's smaps_rollup walks its page tables (about 50 ms for 1 GB here)
    and competes with the build for a core, so timings come from :func:`run_timed` runs."""
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        sizes = [memory_kb(pid) for pid in tree_pids(proc.pid)]
        peak_rss = max([peak_rss] + [r for r, _ in sizes])
        peak_pss = max(peak_pss, sum(p for _, p in sizes))
        time.sleep(0.1)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode})")
    return peak_rss, peak_pss


def ensure_catalog(work: Path, products: int, lots: int, languages: str) -> Path:
    folder = work / f"catalog-{products}-{lots}-{languages.replace(',', '-')}"
    if not (folder / "site.yaml").is_file():
        points = 1000 if products >= 20000 else max(6, products // 20)
        subprocess.run([sys.executable, str(HERE / "generate_catalog.py"), str(folder), "--products", str(products),
                        "--lots", str(lots), "--sales-points", str(points), "--languages", languages, "--force"],
                       check=True, stdout=subprocess.DEVNULL)
    return folder


def clear_caches(catalog: Path, names) -> None:
    for name in names:
        shutil.rmtree(catalog / ".ocop-cache" / name, ignore_errors=True)


def count_pages(out: Path) -> tuple[int, int]:
    """(product pages, lot pages) in an output folder (default language only)."""
    products = lots = 0
    p = out / "p"
    for code in os.scandir(p) if p.is_dir() else []:
        if os.path.isfile(os.path.join(code.path, "index.html")):
            products += 1
        lot_dir = os.path.join(code.path, "lot")
        if os.path.isdir(lot_dir):
            lots += sum(1 for e in os.scandir(lot_dir) if os.path.isfile(os.path.join(e.path, "index.html")))
    return products, lots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--lots", type=int, default=5)
    parser.add_argument("--languages", default="vi", help="site languages (default vi, as the Hugo site)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh builds per size (medians are reported)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ocop-bench"))
    parser.add_argument("--hugo", action="store_true",
                        help="also build each catalog with benchmarks/hugo/build.sh (hugo on PATH), alternating")
    parser.add_argument("--cold-assets", action="store_true", help="empty the media cache before every build")
    parser.add_argument("--first", action="store_true",
                        help="time first-ever builds only (no .ocop-cache at all), with stage timings")
    parser.add_argument("--hash", action="store_true", help="with --first: print a SHA-256 of the whole output")
    parser.add_argument("--keep", action="store_true", help="keep the last output (work/out-N) for bench_search.py --site")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        catalog = ensure_catalog(args.work, size, args.lots, args.languages)
        out = args.work / f"out-{size}"
        cmd = [sys.executable, str(REPO / "build.py"), "build", "--source", str(catalog), "--output", str(out),
               "--today", TODAY, "--quiet"]
        print(f"== {size:,} products, {args.lots} lots each, languages {args.languages}", flush=True)
        if args.first:
            runs = []
            for n in range(args.repeat):
                seconds, rss, stages = run_first(cmd, catalog, out)
                runs.append(seconds)
                print(f"first ever (nothing cached), run {n + 1}: {seconds:.1f} s, peak RSS {rss / 1024:.0f} MB "
                      f"(largest process)\n{stages}", end="", flush=True)
            print(f"first ever: median {statistics.median(runs):.1f} s of {[round(r, 1) for r in runs]}", flush=True)
            if args.hash:
                print(f"output sha256 {tree_hash(out)}", flush=True)
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
            continue
        if not (catalog / ".ocop-cache" / "qr").is_dir() or args.cold_assets:
            shutil.rmtree(out, ignore_errors=True)
            clear_caches(catalog, BUILD_CACHES + MEDIA_CACHES)
            first, rss = run_timed(cmd)
            print(f"first ever (nothing cached): {first:.1f} s, peak RSS {rss / 1024:.0f} MB", flush=True)
        hugo_cmd = [str(HERE / "hugo" / "build.sh"), str(catalog), str(args.work / f"hugo-{size}")]
        ours, theirs = [], []
        for _ in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            clear_caches(catalog, BUILD_CACHES + (MEDIA_CACHES if args.cold_assets else ()))
            ours.append(run_timed(cmd))
            if args.hugo:
                shutil.rmtree(args.work / f"hugo-{size}", ignore_errors=True)
                theirs.append(run_timed(hugo_cmd))
        fresh = statistics.median(r[0] for r in ours)
        products, lots = count_pages(out)
        shutil.rmtree(out, ignore_errors=True)
        clear_caches(catalog, BUILD_CACHES + (MEDIA_CACHES if args.cold_assets else ()))
        rss, pss = run_sampled(cmd)
        print(f"fresh build: median {fresh:.1f} s of {[round(r[0], 1) for r in ours]}, "
              f"peak RSS {max(r[1] for r in ours) / 1024:.0f} MB (largest process); sampled once more: "
              f"{rss / 1024:.0f} MB largest process, {pss / 1024:.0f} MB PSS over all; "
              f"{products:,} product and {lots:,} lot pages", flush=True)
        if theirs:
            hugo = statistics.median(r[0] for r in theirs)
            h_products, h_lots = count_pages(args.work / f"hugo-{size}")
            ratios = [round(a[0] / b[0], 2) for a, b in zip(ours, theirs)]
            print(f"hugo build:  median {hugo:.1f} s of {[round(r[0], 1) for r in theirs]}, "
                  f"peak RSS {max(r[1] for r in theirs) / 1024:.0f} MB; {h_products:,} product and {h_lots:,} lot pages; "
                  f"ours/hugo per pair {ratios}", flush=True)
        again = [run_timed(cmd)[0] for _ in range(max(1, args.repeat))]
        record = sorted((catalog / "products").glob("*.yaml"))[0]
        original = record.read_bytes()
        edits = []
        try:
            for n in range(max(1, args.repeat)):
                record.write_text(original.decode("utf-8").replace("\nname: ", f"\nname: Sửa {n} ", 1), encoding="utf-8")
                edits.append(run_timed(cmd)[0])
        finally:
            record.write_bytes(original)
            run_timed(cmd)
        print(f"no-change rebuild: median {statistics.median(again):.2f} s; "
              f"one product renamed: median {statistics.median(edits):.1f} s", flush=True)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
