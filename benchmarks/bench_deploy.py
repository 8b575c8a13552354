#!/usr/bin/env python3
"""Time deploys of a generated catalog to a local S3-compatible store (SeaweedFS).

    python benchmarks/bench_deploy.py --products 5000
    python benchmarks/bench_deploy.py --products 5000 --work /dev/shm/ocop-deploy --languages vi,en

Generates a catalog with generate_catalog.py (seed 1, 5 lots per product), builds it, starts
``weed server -s3`` on loopback (tests/seaweed.py: every port given, a temporary data folder, its
own credentials), then times, each as ``python build.py deploy --yes`` in a fresh process:

- the **first deploy** into an empty bucket (every file goes up);
- the same deploy again with **no change** (one listing, nothing moves);
- the same again **without the deploy cache** (``.ocop-cache/deploy/`` removed, as on a CI runner
  that lost its cache: every object's hash is asked with a HEAD request, nothing is uploaded);
- a deploy after **one product was renamed** and the site rebuilt (its pages, the listings,
  the search index, the exports move; nothing else).

Prints one line per deploy with the summary the command printed. The store is stopped by its PID
at the end; the work folder is kept unless ``--clean``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = "2026-11-30"
sys.path.insert(0, str(REPO / "tests"))

import seaweed  # noqa: E402  (tests/seaweed.py: the same store the tests use)


def run(args: list[str], env=None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True, env=env,
                          cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:1])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=5000)
    ap.add_argument("--languages", default="vi", help="languages of the generated site (default vi)")
    ap.add_argument("--work", type=Path, help="work folder (default: a new temporary folder)")
    ap.add_argument("--clean", action="store_true", help="remove the work folder at the end")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ocop-bench-deploy-"))
    if work.exists():
        shutil.rmtree(work)
    site = work / "site"
    subprocess.run([sys.executable, str(HERE / "generate_catalog.py"), str(site), "--products", str(args.products),
                    "--languages", args.languages], check=True, cwd=REPO)
    seconds, line = run(["build", "--source", str(site), "--today", TODAY])
    files = sum(1 for p in (site / "public").rglob("*") if p.is_file())
    print(f"build: {seconds:.1f} s, {files:,} files ({line})", flush=True)

    server = seaweed.start(work / "store")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))    # a timeout's TERM still stops the store
    try:
        seaweed.make_bucket(server, "ocop-bench")
        with open(site / "site.yaml", "a", encoding="utf-8") as f:
            f.write(f"deploy:\n  targets:\n    - name: bench\n      url: s3://ocop-bench/site\n"
                    f"      endpoint_url: {server.endpoint}\n      region: us-east-1\n")
        env = server.env()
        deploy = ["deploy", "--source", str(site), "--yes"]
        for label in ("first deploy", "no change"):
            seconds, line = run(deploy, env)
            print(f"{label}: {seconds:.1f} s — {line}", flush=True)
        shutil.rmtree(site / ".ocop-cache" / "deploy")
        seconds, line = run(deploy, env)
        print(f"no change, deploy cache lost: {seconds:.1f} s — {line}", flush=True)

        record = sorted((site / "products").glob("*.yaml"))[len(list((site / "products").glob("*.yaml"))) // 2]
        text = record.read_text(encoding="utf-8")
        record.write_text(re.sub(r"^name: (.*)$", r"name: \1 (mới)", text, count=1, flags=re.M), encoding="utf-8")
        seconds, line = run(["build", "--source", str(site), "--today", TODAY])
        print(f"rebuild after renaming {record.stem}: {seconds:.1f} s ({line})", flush=True)
        seconds, line = run(deploy, env)
        print(f"one product renamed: {seconds:.1f} s — {line}", flush=True)
    finally:
        seaweed.stop(server)
        if args.clean:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
