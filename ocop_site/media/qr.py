"""QR codes of product and lot pages, made with zxing-cpp.

Every product page gets ``p/<CODE>/qr.svg`` and ``qr.png``, every lot page
``p/<CODE>/lot/<LOT>/qr.svg`` and ``qr.png``. A code holds the page's absolute
URL in the site's default language, plus ``?utm_source=qr&utm_campaign=<name>``
when ``qr.campaign`` is set in site.yaml (or ``--campaign`` is given to
``print``).

The symbol comes from zxing-cpp's encoder (libzint, in C): it follows ISO/IEC
18004 — mixed byte and alphanumeric segments where they make the symbol
smaller, the mask with the lowest penalty — and makes a code in about 0.3 ms,
where a pure-Python encoder needs several milliseconds for the mask choice
alone; a national catalog has over 100,000 codes. The same library reads the
codes back in the tests.

Error correction: level M (15 % of the code may be lost) at least, raised to
Q or H whenever that fits in the same symbol version, so a bigger level never
makes the modules smaller. Product URLs give versions 3–7 (29–45 modules);
printed 2 cm wide with the 4-module quiet zone, a module is 0.38–0.54 mm, which
phone cameras read from a hand's length even through a smudge or a scratch.

Codes are cached by a hash of their text and settings, and made on every core.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Optional
from urllib.parse import quote

import zxingcpp
from PIL import Image

from ..core.cache import Cache, cache_folder
from ..core.workers import parallel_map
from ..records.validity import standing

#: Bump when the output of ``svg``/``png`` changes.
QR_VERSION = 3
LEVELS = ("M", "Q", "H")   # error correction: the first is the minimum, the others are taken when free
BORDER = 4           # quiet zone in modules, as the standard asks
SVG_SCALE = 10       # user units per module in the SVG (its size when opened alone)
PNG_SCALE = 10       # pixels per module in the PNG


def with_campaign(url: str, campaign: Optional[str]) -> str:
    """The URL a code carries: ``url`` plus the UTM parameters of a campaign."""
    if not campaign:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}utm_source=qr&utm_campaign={quote(campaign, safe='')}"


@dataclass(frozen=True)
class Symbol:
    """One QR symbol: its module rows (``1`` dark, ``0`` light; no quiet zone), version and error level."""

    rows: tuple[bytes, ...]
    error: str

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def version(self) -> int:
        return (self.size - 17) // 4


def _encode(text: str, level: str) -> Symbol:
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=level)
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    n = image.shape[0]
    pixels = image.tobytes().translate(_DARK)
    return Symbol(tuple(pixels[i:i + n] for i in range(0, n * n, n)), barcode.ec_level)


_DARK = bytes([1] + [0] * 255)       # zxing draws dark modules as 0 and light ones as 255


def make(text: str) -> Symbol:
    """The code of ``text``: level M, or Q or H when the symbol stays the same size.

    Levels are tried upwards and the first one that needs a bigger symbol ends the search: a
    higher level never fits in a smaller symbol than a lower one (it holds less in each version),
    so once Q is bigger, H is too. Most URLs stop there: two encodings instead of three.
    """
    symbol = _encode(text, LEVELS[0])
    for level in LEVELS[1:]:
        bigger = _encode(text, level)
        if bigger.size != symbol.size:
            break
        symbol = bigger
    return symbol


def svg(code: Symbol) -> bytes:
    """A standalone SVG with a white background (it also prints on coloured paper): one path of dark runs."""
    size = (code.size + 2 * BORDER) * SVG_SCALE
    path = "".join(f"M{(col + BORDER) * SVG_SCALE} {(row + BORDER) * SVG_SCALE}h{length * SVG_SCALE}"
                   f"v{SVG_SCALE}h-{length * SVG_SCALE}z" for row, col, length in modules(code))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>\n').encode()


def png(code: Symbol, scale: int = PNG_SCALE) -> bytes:
    """A black-and-white PNG, ``scale`` pixels a module, with the quiet zone."""
    n = code.size
    symbol = Image.frombytes("L", (n, n), b"".join(code.rows).translate(_LIGHT_255)).convert("1")
    size = n + 2 * BORDER
    im = Image.new("1", (size, size), 1)
    im.paste(symbol, (BORDER, BORDER))
    im = im.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


_LIGHT_255 = bytes([255, 0] + [0] * 254)   # module value → grey level


def modules(code: Symbol) -> list[tuple[int, int, int]]:
    """Dark runs ``(row, first column, length)`` of the symbol, without the quiet zone (for vector drawing)."""
    runs = []
    for y, row in enumerate(code.rows):
        x = row.find(1)
        while x != -1:
            end = row.find(0, x)
            if end == -1:
                end = len(row)
            runs.append((y, x, end - x))
            x = row.find(1, end)
    return runs


@lru_cache(maxsize=1)
def _settings() -> bytes:
    return json.dumps({"v": QR_VERSION, "zxing-cpp": metadata.version("zxing-cpp"), "pillow": Image.__version__,
                       "levels": LEVELS, "border": BORDER, "svg": SVG_SCALE, "png": PNG_SCALE}, sort_keys=True).encode() + b"\0"


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
        rel = routes.rel("product", code)
        out[rel] = with_campaign(routes.root + rel, campaign)
        for b in entry.record.batches:
            rel = routes.rel("lot", code, b.lot)
            out[rel] = with_campaign(routes.root + rel, campaign)
    return out


def make_codes(catalog, today, routes, campaign: Optional[str], workers: int,
               cache: Optional[Cache] = None) -> tuple[dict[str, str], list[str]]:
    """Every page's ``qr.svg`` and ``qr.png``: (output path → cached file, errors)."""
    cache = cache or Cache(cache_folder(catalog.root))
    codes = page_codes(catalog, today, routes, campaign)
    keys = {folder: _key(text) for folder, text in codes.items()}
    present = cache.present("qr", ".svg")   # the SVG is written last: its presence means both are there
    missing = sorted({(keys[f], codes[f]) for f in codes if keys[f] not in present})
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
