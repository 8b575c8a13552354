#!/usr/bin/env python3
"""CPU time of one QR code (encoding, PNG and SVG) and of one share card, on one core, on a catalog's
own data, with a hash of everything made (to compare two versions of the code byte for byte).

    python benchmarks/bench_media_cpu.py /dev/shm/ocop-bench-img/catalog-3000-5-vi
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_media_cpu.py CATALOG   # the other code

The catalog comes from generate_catalog.py (bench_build.py makes one under its --work folder).
Nothing is written: this measures the drawing and encoding a first-ever build does per file,
without the file system and without the other processes of a busy machine (CPU time, not wall).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from datetime import date
from pathlib import Path

from ocop_site.core.routes import Routes
from ocop_site.media import qr, sharecard
from ocop_site.records.catalog import load_catalog
from ocop_site.records.validity import standing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--codes", type=int, default=3000)
    parser.add_argument("--cards", type=int, default=900)
    parser.add_argument("--today", default="2026-11-30")
    args = parser.parse_args()
    catalog, _ = load_catalog(args.catalog)
    today = date.fromisoformat(args.today)
    routes = Routes.create(catalog.config.base_url, catalog.config.languages)
    texts = sorted(qr.page_codes(catalog, today, routes, None).values())
    random.Random(1).shuffle(texts)
    texts = texts[:args.codes]
    digest = hashlib.sha256()
    start = time.process_time()
    for text in texts:
        code = qr.make(text)
        digest.update(qr.png(code))
        digest.update(qr.svg(code))
    qr_ms = (time.process_time() - start) / len(texts) * 1000
    specs = []
    for code, entry in catalog.products.items():
        p = entry.record
        st = standing(p, today)
        if st.is_valid:
            producer = catalog.producers.get(p.producer)
            specs.append(sharecard.CardSpec(code, p.name, st.stars or 0, producer.record.name if producer else p.producer,
                                            p.location.province, "ocop.example.gov.vn", None, None))
    specs = specs[:args.cards]
    start = time.process_time()
    for spec in specs:
        digest.update(sharecard.render(spec))
    card_ms = (time.process_time() - start) / len(specs) * 1000
    print(f"{len(texts)} QR codes: {qr_ms:.2f} ms CPU each; {len(specs)} share cards: {card_ms:.2f} ms CPU each; "
          f"sha256 of all {digest.hexdigest()}")


if __name__ == "__main__":
    main()
