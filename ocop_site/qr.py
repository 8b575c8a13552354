"""QR codes of product and lot pages, made with segno.

Every product page gets ``p/<CODE>/qr.svg`` and ``qr.png``, every lot page
``p/<CODE>/lot/<LOT>/qr.svg`` and ``qr.png``. A code holds the page's absolute
URL in the site's default language, plus ``?utm_source=qr&utm_campaign=<name>``
when ``qr.campaign`` is set in site.yaml (or ``--campaign`` is given to
``print``).

Error correction: level M (15 % of the code may be lost) at least, raised to
Q or H whenever that fits in the same symbol version (segno's
``boost_error``), so a bigger level never makes the modules smaller. Product
URLs give versions 4–7 (33–45 modules); printed 2 cm wide with the 4-module
quiet zone, a module is 0.4–0.5 mm, which phone cameras read from a hand's
length even through a smudge or a scratch.

Making a code is slow in pure Python (segno tries the eight masks), so codes
are cached by a hash of their text and settings, and made on every core.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import quote

import segno
from PIL import Image

from .images import Cache, default_cache_dir, parallel_map
from .validity import standing

#: Bump when the output of ``svg``/``png`` changes.
QR_VERSION = 2
ERROR = "m"          # the minimum; boosted when free
BORDER = 4           # quiet zone in modules, as the standard asks
SVG_SCALE = 10       # user units per module in the SVG (its size when opened alone)
PNG_SCALE = 10       # pixels per module in the PNG


def with_campaign(url: str, campaign: Optional[str]) -> str:
    """The URL a code carries: ``url`` plus the UTM parameters of a campaign."""
    if not campaign:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}utm_source=qr&utm_campaign={quote(campaign, safe='')}"


def make(text: str) -> segno.QRCode:
    return segno.make_qr(text, error=ERROR, boost_error=True)


def svg(code: segno.QRCode) -> bytes:
    """A standalone SVG with a white background (it also prints on coloured paper)."""
    out = io.BytesIO()
    code.save(out, kind="svg", scale=SVG_SCALE, border=BORDER, xmldecl=False, svgclass=None, lineclass=None,
              light="#fff", dark="#000")
    return out.getvalue() + b"\n"


def png(code: segno.QRCode, scale: int = PNG_SCALE) -> bytes:
    """A black-and-white PNG, ``scale`` pixels a module, drawn by Pillow from the module matrix."""
    matrix = code.matrix
    width = len(matrix[0])
    row_bytes = (width + 7) // 8
    packed = b"".join(int("".join("0" if dark else "1" for dark in row).ljust(row_bytes * 8, "1"), 2)
                      .to_bytes(row_bytes, "big") for row in matrix)
    symbol = Image.frombytes("1", (width, len(matrix)), packed)
    size = width + 2 * BORDER
    im = Image.new("1", (size, size), 1)
    im.paste(symbol, (BORDER, BORDER))
    im = im.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def modules(code: segno.QRCode) -> list[tuple[int, int, int]]:
    """Dark runs ``(row, first column, length)`` of the symbol, without the quiet zone (for vector drawing)."""
    runs = []
    for y, row in enumerate(code.matrix):
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


@lru_cache(maxsize=1)
def _settings() -> bytes:
    return json.dumps({"v": QR_VERSION, "segno": segno.__version__, "pillow": Image.__version__, "error": ERROR,
                       "border": BORDER, "svg": SVG_SCALE, "png": PNG_SCALE}, sort_keys=True).encode() + b"\0"


def _key(text: str) -> str:
    """The cache key of a code: its text and everything that changes how it is drawn."""
    return hashlib.sha256(_settings() + text.encode()).hexdigest()


def _make_files(job: tuple[str, str], cache: Cache) -> Optional[str]:
    """In a worker: write both files of one code into the cache. Returns an error text or None."""
    key, text = job
    try:
        code = make(text)
        cache.write("qr", key, ".png", png(code))
        cache.write("qr", key, ".svg", svg(code))   # written last: its presence means both are there
        return None
    except Exception as exc:  # noqa: BLE001 - e.g. a URL too long for any QR version
        return f"{type(exc).__name__}: {exc}"


def page_codes(catalog, today, routes, campaign: Optional[str]) -> dict[str, str]:
    """Output folder ('p/CODE/' or 'p/CODE/lot/LOT/') → text of the code, for every product and lot page."""
    out: dict[str, str] = {}
    for code, entry in catalog.products.items():
        if not standing(entry.record, today).has_page:
            continue
        out[routes.rel("product", code)] = with_campaign(routes.abs_url("product", code), campaign)
        for b in entry.record.batches:
            out[routes.rel("lot", code, b.lot)] = with_campaign(routes.abs_url("lot", code, b.lot), campaign)
    return out


def make_codes(catalog, today, routes, campaign: Optional[str], workers: int,
               cache: Optional[Cache] = None) -> tuple[dict[str, str], list[str]]:
    """Every page's ``qr.svg`` and ``qr.png``: (output path → cached file, errors)."""
    cache = cache or Cache(default_cache_dir(catalog.root))
    codes = page_codes(catalog, today, routes, campaign)
    keys = {folder: _key(text) for folder, text in codes.items()}
    missing = sorted({(keys[f], codes[f]) for f in codes if not os.path.isfile(cache.where("qr", keys[f], ".svg"))})
    made = parallel_map(lambda job: _make_files(job, cache), missing, workers, min_items=16)
    errors = [f"QR code for {text}: {err}" for (_, text), err in zip(missing, made) if err]
    failed = {key for (key, _), err in zip(missing, made) if err}
    files: dict[str, str] = {}
    for folder in sorted(codes):
        key = keys[folder]
        if key not in failed:
            files[folder + "qr.svg"] = cache.where("qr", key, ".svg")
            files[folder + "qr.png"] = cache.where("qr", key, ".png")
    return files, errors
