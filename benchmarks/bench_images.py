#!/usr/bin/env python3
"""Time the image stage on phone-sized photos: cold (empty cache) and warm (everything cached).

    python benchmarks/bench_images.py                      # 500 photos of 4000×3000, 2 workers
    python benchmarks/bench_images.py --count 100 --workers 1 --work /dev/shm/ocop-img

The photos are generated once into ``<work>/photos`` (deterministic, kept
between runs): 4000×3000 JPEGs at quality 90, 2.5–3 MB each, with EXIF
(camera, GPS, orientation 6 on every fourth one), like the ones producers
send from their phones. Each run then processes all of them through
``ocop_site.media.images.process_images`` — the same call a build makes — into a
fresh cache (cold), again with that cache (warm: every file's status matches
the one recorded, nothing is read), and once more after touching every file
(warm, touched: every file is read and hashed again, and found in the cache).
Peak memory is the largest resident set of a worker.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from PIL import Image, ImageChops, ImageDraw  # noqa: E402

from ocop_site.core.workers import parallel_map  # noqa: E402
from ocop_site.media import images  # noqa: E402

SIZE = (4000, 3000)


def _layers(seed: int = 1) -> tuple[Image.Image, Image.Image]:
    """A smooth colour field and a fine-grain layer, made once and shifted for every photo."""
    random.seed(seed)
    w, h = SIZE
    channels = [Image.effect_noise((w // 40, h // 40), 90).resize(SIZE, Image.Resampling.BICUBIC) for _ in range(2)]
    channels.append(Image.linear_gradient("L").resize(SIZE))
    base = Image.merge("RGB", channels)
    grain = Image.effect_noise(SIZE, 24).convert("RGB")
    return base, grain


def make_photo(i: int, base: Image.Image, grain: Image.Image) -> bytes:
    rnd = random.Random(i)
    w, h = SIZE
    im = ImageChops.offset(base, rnd.randrange(w), rnd.randrange(h))
    im = Image.blend(im, ImageChops.offset(grain, rnd.randrange(w), rnd.randrange(h)), 0.12)
    draw = ImageDraw.Draw(im)
    for _ in range(6):
        x, y, r = rnd.randrange(w), rnd.randrange(h), rnd.randrange(150, 900)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Phone 12"
    exif[0x8825] = {1: "N", 2: (21.0, float(i % 60), 30.0), 3: "E", 4: (105.0, 50.0, float(i % 60))}
    if i % 4 == 0:
        exif[0x0112] = 6
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def generate(folder: Path, count: int, workers: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"photo-{i:04d}.jpg" for i in range(count)]
    missing = [i for i, n in enumerate(names) if not (folder / n).is_file()]
    if missing:
        started = time.perf_counter()
        print(f"generating {len(missing)} photos of {SIZE[0]}×{SIZE[1]} in {folder} …", flush=True)
        base, grain = _layers()

        def one(i: int) -> None:
            (folder / names[i]).write_bytes(make_photo(i, base, grain))
        parallel_map(one, missing, workers)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return names


def peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ocop-bench-images"))
    parser.add_argument("--keep-cache", action="store_true", help="start with the cache of the last run (no cold run)")
    args = parser.parse_args()

    photos = args.work / "photos"
    names = generate(photos, args.count, args.workers)
    source_mb = sum((photos / n).stat().st_size for n in names) / 1e6
    cache_dir = args.work / "cache"
    if not args.keep_cache:
        shutil.rmtree(cache_dir, ignore_errors=True)
    cache = images.Cache(cache_dir)
    s = photos.DEFAULT_SETTINGS
    print(f"{len(names)} photos, {source_mb:,.0f} MB; widths {s.widths}, WebP q{s.webp_quality} m{s.webp_method}, "
          f"JPEG q{s.jpeg_quality}; {args.workers} worker(s) on {os.cpu_count()} CPU(s)", flush=True)

    results = []
    for label in (("warm",) if args.keep_cache else ("cold", "warm")) + ("warm, touched",):
        if label == "warm, touched":
            for n in names:
                os.utime(photos / n)
        started = time.perf_counter()
        run = images.process_images(photos, names, cache, args.workers)
        seconds = time.perf_counter() - started
        assert run.failed == 0, [r.error for r in run.processed.values() if r.error]
        results.append((label, seconds, run.made, run.from_cache))
        print(f"{label:>13}: {seconds:7.1f} s  {len(names) / seconds:7.1f} photos/s  {seconds / len(names) * 1000:6.0f} ms/photo"
              f"  (processed {run.made}, from cache {run.from_cache})", flush=True)
    out_files = [p for p in (cache_dir / "img").rglob("*") if p.is_file() and p.name != "meta.json"]
    out_mb = sum(p.stat().st_size for p in out_files) / 1e6
    print(f"published files: {len(out_files):,}, {out_mb:,.1f} MB ({out_mb / len(names) * 1000:,.0f} kB a photo for "
          f"all {len(out_files) // len(names)} variants); peak worker RSS {peak_child_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
