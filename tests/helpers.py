"""Small inline sites for tests: a minimal valid site and a writer for overlays."""

from __future__ import annotations

import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: Test OCOP
base_url: https://ocop.example.gov.vn/
languages: [vi, en]
"""

PRODUCER = """\
---
name: HTX Mật ong Pả Vi
type: cooperative
---
Câu chuyện của chúng tôi.
"""

SALES_POINT = """\
---
name: Điểm OCOP Mèo Vạc
kind: shop
address: Thị trấn Mèo Vạc
coordinates: {lat: 23.16, lon: 105.41}
---
"""

PRODUCT = """\
code: {code}
name: Mật ong bạc hà
category: food
producer: htx-mat-ong
location:
  province: Hà Giang
  commune: Pả Vi
certifications:
  - decision: 1234/QĐ-UBND
    issued: 2024-05-13
    issuer: UBND huyện Mèo Vạc
    level: district
    stars: 4
sales_points: [diem-meo-vac]
batches:
  - lot: L2024-03
    produced: 2024-03-10
"""


def write_site(root: Path, files: dict[str, str | bytes], base: bool = True) -> Path:
    """Write a site folder: a minimal valid site (when ``base``) overlaid with ``files``."""
    contents: dict[str, str | bytes] = {}
    if base:
        contents = {
            "site.yaml": SITE_YAML,
            "content/producers/htx-mat-ong.md": PRODUCER,
            "content/sales-points/diem-meo-vac.md": SALES_POINT,
            "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042"),
        }
    contents.update(files)
    for rel, text in contents.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            continue
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return root




def serve_in_thread(site: Path):
    """``serve`` on a free port in a thread (serve.build looked up when it runs, so a test may replace
    it first); returns (port, its terminal output, the stop event, the thread) as soon as the port is
    known, which is before the first build ends."""
    import io
    import re
    import threading
    import time
    from datetime import date

    import ocop_site.commands.serve as serve_module
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve_module.serve, args=(site, 0, lambda: date(2026, 11, 30), out, stop),
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (found := re.search(r"building the site; http://127\.0\.0\.1:(\d+)/", out.getvalue())):
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.02)
    return int(found.group(1)), out, stop, thread
