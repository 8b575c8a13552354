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
import math
import re
import struct
import zlib
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


def make(text: str, shortcut: bool = True) -> Symbol:
    """The code of ``text``: level M, or Q or H when the symbol stays the same size.

    Levels are tried upwards and the first one that needs a bigger symbol ends the search: a
    higher level never fits in a smaller symbol than a lower one (it holds less in each version),
    so once Q is bigger, H is too. Most URLs stop there, and most of those without encoding
    again: when even the shortest encoding of the text the standard allows (:func:`_fewest_bits`)
    overflows the next level's capacity in that version, its symbol is bigger for sure. Without
    ``shortcut`` every level tried is encoded (the reference the tests compare the shortcut with).
    """
    symbol = _encode(text, LEVELS[0])
    for level in LEVELS[1:]:
        if shortcut and _cannot_fit(text, symbol.version, level):
            break
        bigger = _encode(text, level)
        if bigger.size != symbol.size:
            break
        symbol = bigger
    return symbol


# Error correction code words per block and blocks per version (index 0 unused), for levels Q
# and H (ISO/IEC 18004 table 9); a test checks the capacities they give against the encoder.
_EC_PER_BLOCK = {
    "Q": (0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30,
          28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30,
          30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}
_EC_BLOCKS = {
    "Q": (0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35,
          38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42,
          45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}


def _data_bits(version: int, level: str) -> int:
    """The data capacity in bits of a symbol of ``version`` at error ``level`` ('Q' or 'H')."""
    modules = (16 * version + 128) * version + 64          # all modules but the function patterns
    if version >= 2:
        align = version // 7 + 2
        modules -= (25 * align - 10) * align - 55
        if version >= 7:
            modules -= 36
    return (modules // 8 - _EC_PER_BLOCK[level][version] * _EC_BLOCKS[level][version]) * 8


_SHORTCUT_LENGTH = 1000    # below this, any ASCII text fits at level H in version 40 (1,273 bytes)
_RUNS = re.compile(r"[0-9]+|[A-Z $%*+\-./:]+|[^0-9A-Z $%*+\-./:]+")


def _cannot_fit(text: str, version: int, level: str) -> bool:
    """Whether no encoding of ``text`` fits in ``version`` at error ``level``: then the encoder
    makes a bigger symbol (it does make one: short ASCII texts fit at any level)."""
    if version >= 40 or len(text) > _SHORTCUT_LENGTH or not text.isascii():
        return False
    return _fewest_bits(text, version) > 6 * _data_bits(version, level)


def _fewest_bits(text: str, version: int) -> int:
    """A lower bound, in sixths of a bit, of the data bits of any QR encoding of the ASCII
    ``text`` in ``version``: the cheapest split into numeric, alphanumeric and byte segments,
    each segment's mode indicator and character count in full, its characters at 10/3, 11/2
    and 8 bits (no real segment costs less). The cost of a run of characters of one kind grows
    linearly with its length in every mode, so a cheapest split changes mode only where the
    kind changes: one step per run."""
    count = 0 if version <= 9 else 1 if version <= 26 else 2
    header = (6 * (4 + (10, 12, 14)[count]), 6 * (4 + (9, 11, 13)[count]), 6 * (4 + (8, 16, 16)[count]))
    numeric = alnum = byte = None
    for run in _RUNS.findall(text):
        k = len(run)
        if numeric is None and alnum is None and byte is None:
            low = 0
            numeric, alnum, byte = header[0], header[1], header[2]
        else:
            low = min(c for c in (numeric, alnum, byte) if c is not None)
            numeric = low + header[0] if numeric is None else min(numeric, low + header[0])
            alnum = low + header[1] if alnum is None else min(alnum, low + header[1])
            byte = min(byte, low + header[2])
        first = run[0]
        if first.isdigit():
            numeric, alnum, byte = numeric + 20 * k, alnum + 33 * k, byte + 48 * k
        elif first in _ALNUM:
            numeric, alnum, byte = None, alnum + 33 * k, byte + 48 * k
        else:
            numeric, alnum, byte = None, None, byte + 48 * k
    return min(c for c in (numeric, alnum, byte) if c is not None) if byte is not None else 0


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def svg(code: Symbol) -> bytes:
    """A standalone SVG with a white background (it also prints on coloured paper): one path of dark runs.

    The runs are found by a regular expression over all rows at once and their text is put
    together from strings made once per symbol size (coordinates and run lengths): half the
    time of formatting each run's numbers from :func:`modules` (a test compares the two)."""
    n = code.size
    size = (n + 2 * BORDER) * SVG_SCALE
    at, run = _svg_parts(n)
    width = n + 1                       # each row and the separator after it
    path = "".join([f"M{at[start % width]} {at[start // width]}{run[end - start]}"
                    for start, end in map(re.Match.span, _DARK_RUN.finditer(b"\0".join(code.rows)))])
    return _svg_document(size, path)


def _svg_document(size: int, path: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>\n').encode()


_DARK_RUN = re.compile(rb"\x01+")


@lru_cache(maxsize=64)
def _svg_parts(n: int) -> tuple[list[str], list[str]]:
    """For a symbol of ``n`` modules: the SVG coordinate of each module row or column, and the
    path text after ``M x y`` of a dark run of each length."""
    at = [str((i + BORDER) * SVG_SCALE) for i in range(n + 1)]
    run = [f"h{length * SVG_SCALE}v{SVG_SCALE}h-{length * SVG_SCALE}z" for length in range(n + 1)]
    return at, run


def png(code: Symbol, scale: int = PNG_SCALE) -> bytes:
    """A black-and-white PNG, ``scale`` pixels a module, with the quiet zone.

    The bytes are those Pillow writes for the mode "1" image (:func:`_png_pillow`), written
    directly (:func:`_png_direct`) where that is known to give the same bytes: a code costs
    about a third of Pillow's time, most of it zlib's."""
    if scale >= 8 and _direct_png_matches_pillow():
        data = _png_direct(code, scale)
        if data is not None:
            return data
    return _png_pillow(code, scale)


def _png_pillow(code: Symbol, scale: int = PNG_SCALE) -> bytes:
    """The PNG as Pillow writes it: the reference for :func:`_png_direct`."""
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


# A PNG written as Pillow's PNG plugin writes a mode "1" image: the signature, IHDR (1 bit, grey),
# one IDAT when the compressed data is shorter than Pillow's output block (64 KiB), IEND. The
# image data is zlib's (level 6, window 15, memory level 9, strategy Z_FILTERED: Pillow's
# defaults) over the rows, each led by the filter Pillow's encoder (ZipEncode.c) picks: the
# first, in the order None, Up, Sub, Paeth, with the least sum of |byte| (bytes read as signed;
# Average is tried only with ``optimize``), a later one only when strictly less.
#
# Rows are 1 bit a pixel, most significant first, light = 1, the last byte padded with 0. With
# ``scale`` ≥ 8 a byte spans at most two modules, and which two depends only on its position
# modulo ``period`` bytes (lcm(8, scale) / 8: 5 bytes, 4 modules at scale 10). Within a
# position class a byte is one of four values, told apart by its first and last bits; so each
# filter's output at a byte is a table lookup (per class) on the classes of the byte, the one
# before it (Sub), above it (Up) and above-before (Paeth): four 2-bit codes, one index byte.
# That makes every filter of every distinct row a few ``bytes.translate`` calls. Equal rows
# (all but the first of a module's ``scale`` rows, the quiet zone) always take Up, all zero.

_ZIP_BLOCK = 65536     # Pillow's ImageFile.MAXBLOCK: the IDAT chunk size of its PNG writer
_DISTANCE = bytes(v if v < 128 else 256 - v for v in range(256))   # |byte read as signed|
#: A byte's first and last bits as a 2-bit code, shifted into place for its part of the index.
_CLASS = [bytes((((v >> 7) & 1) << 1 | (v & 1)) << shift for v in range(256)) for shift in (0, 2, 4, 6)]
_LIGHT_BIT = bytes([ord("1"), ord("0")] + [0] * 254)   # module (1 dark) → its pixel bit as text


def _paeth(a: int, b: int, c: int) -> int:
    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


class _Scaled:
    """Tables for PNG rows at one scale (``scale`` ≥ 8 pixels a module)."""

    def __init__(self, scale: int):
        self.scale = scale
        self.period = math.lcm(8, scale) // 8
        # 8 modules (a byte of their bits, light = 1) → their 8·scale pixels: byte k of each, as a table
        spread = [int("".join(("1" if m >> (7 - k) & 1 else "0") * scale for k in range(8)), 2).to_bytes(scale, "big")
                  for m in range(256)]
        self.columns = [bytes(s[k] for s in spread) for k in range(scale)]

        def value(phase: int, code: int) -> int:     # the byte at ``phase`` whose first and last bits are ``code``
            first = 8 * phase
            return sum(((code >> 1) if (first + p) // scale == first // scale else (code & 1)) << (7 - p) for p in range(8))

        self.filters = []
        for phase in range(self.period):
            here = [value(phase, c) for c in range(4)]
            before = [value((phase - 1) % self.period, c) for c in range(4)]
            up, sub, paeth = bytearray(256), bytearray(256), bytearray(256)
            for i in range(256):
                x, a, b, c = here[i & 3], before[i >> 2 & 3], here[i >> 4 & 3], before[i >> 6]
                up[i], sub[i], paeth[i] = (x - b) & 255, (x - a) & 255, (x - _paeth(a, b, c)) & 255
            self.filters.append((bytes(up), bytes(sub), bytes(paeth)))


@lru_cache(maxsize=4)
def _scaled(scale: int) -> _Scaled:
    return _Scaled(scale)


def _png_direct(code: Symbol, scale: int) -> Optional[bytes]:
    """The PNG Pillow writes (see above), or None where that is not known here (the data does
    not fit in one IDAT chunk)."""
    t = _scaled(scale)
    n = code.size
    modules = n + 2 * BORDER
    width = modules * scale
    row_bytes = (width + 7) // 8
    pad = 8 - modules % 8          # dark modules after each row: its padding bits, then zero bytes
    stride = (modules + pad) // 8 * scale    # a multiple of the period, longer than a row
    light = b"1" * BORDER
    tail = light + b"0" * pad
    # the distinct rows in order, quiet zone first and last, with how many image rows each makes
    quiet = light + b"1" * n + tail
    texts, counts = [quiet], [BORDER * scale]
    previous = None
    for row in code.rows:
        if row == previous:
            counts[-1] += scale
        else:
            texts.append(light + row.translate(_LIGHT_BIT) + tail)
            counts.append(scale)
            previous = row
    if texts[-1] == quiet:
        counts[-1] += BORDER * scale
    else:
        texts.append(quiet)
        counts.append(BORDER * scale)
    bits = b"".join(texts)
    packed = int(bits, 2).to_bytes(len(bits) // 8, "big")
    rows = bytearray(len(packed) * scale)          # the rows, each at a multiple of ``stride``
    for k, column in enumerate(t.columns):
        rows[k::scale] = packed.translate(column)
    rows = bytes(rows)
    # the index byte of every position: its class, the one before (Sub), above (Up), above-before
    x = int.from_bytes(rows.translate(_CLASS[0]), "big")
    index = (x | (x >> 8) << 2 | (x >> 8 * stride) << 4 | (x >> 8 * (stride + 1)) << 6).to_bytes(len(rows), "big")
    up, sub, paeth = bytearray(len(rows)), bytearray(len(rows)), bytearray(len(rows))
    period = t.period
    for phase, (to_up, to_sub, to_paeth) in enumerate(t.filters):
        part = index[phase::period]
        up[phase::period] = part.translate(to_up)
        sub[phase::period] = part.translate(to_sub)
        paeth[phase::period] = part.translate(to_paeth)
    # sums of distances by row: zlib.adler32's low half is 1 + the sum of the bytes (below 65521)
    far = [memoryview(d.translate(_DISTANCE)) for d in (rows, up, sub, paeth)]
    adler = zlib.adler32
    zero = bytes(row_bytes)
    lines = []
    for i, count in enumerate(counts):
        start = i * stride
        end = start + row_bytes
        best = none = adler(far[0][start:end]) & 0xFFFF
        line = b"\0" + rows[start:end]
        for kind, filtered, distance in ((b"\2", up, far[1]), (b"\1", sub, far[2]), (b"\4", paeth, far[3])):
            if best == 1:
                break
            s = adler(distance[start:end]) & 0xFFFF
            if s < best:
                best, line = s, kind + filtered[start:end]
        lines.append(line)
        if count > 1:
            lines += [(b"\2" if none > 1 else b"\0") + zero] * (count - 1)
    z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15, 9, zlib.Z_FILTERED)
    data = z.compress(b"".join(lines)) + z.flush()
    if len(data) >= _ZIP_BLOCK:
        return None
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)),
                     _chunk(b"IDAT", data), _chunk(b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


@lru_cache(maxsize=1)
def _direct_png_matches_pillow() -> bool:
    """Whether :func:`_png_direct` writes Pillow's bytes here: Python's zlib and the one Pillow
    was built with must compress alike (checked once a process, on a code and its rows' filters)."""
    code = _encode("https://ocop.example.gov.vn/p/QN-2023-0042/lot/L2024-03/?utm_source=qr&utm_campaign=tet", "M")
    return _png_direct(code, PNG_SCALE) == _png_pillow(code, PNG_SCALE)


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


@dataclass
class CodePlan:
    """Every page's code, keyed in the cache, and those the cache does not have yet (``missing``,
    jobs for :meth:`make` on any process). Planned apart from the drawing so that a build can
    draw codes and share cards on the same workers."""

    codes: dict[str, str]                  # output folder → text of its code
    keys: dict[str, str]                   # output folder → cache key
    missing: list[tuple[str, str]]         # (cache key, text) of the codes to make
    cache: Cache

    def make(self, job: tuple[str, str]) -> Optional[str]:
        """Make one missing code's files (in a worker): an error text, or None."""
        return _make_files(job, self.cache)

    def finish(self, made: list[Optional[str]]) -> tuple[dict[str, str], list[str]]:
        """(output path → cached file, errors), from :meth:`make`'s results for ``missing``."""
        errors = [f"QR code for {text}: {err}" for (_, text), err in zip(self.missing, made) if err]
        failed = {key for (key, _), err in zip(self.missing, made) if err}
        files: dict[str, str] = {}
        for folder in sorted(self.codes):
            key = self.keys[folder]
            if key not in failed:
                files[folder + "qr.svg"] = self.cache.where("qr", key, ".svg")
                files[folder + "qr.png"] = self.cache.where("qr", key, ".png")
        return files, errors


def plan_codes(catalog, today, routes, campaign: Optional[str], cache: Cache) -> CodePlan:
    """The codes of every product and lot page, and which of them the cache lacks."""
    codes = page_codes(catalog, today, routes, campaign)
    keys = {folder: _key(text) for folder, text in codes.items()}
    present = cache.present("qr", ".svg")   # the SVG is written last: its presence means both are there
    missing = sorted({(keys[f], codes[f]) for f in codes if keys[f] not in present})
    return CodePlan(codes, keys, missing, cache)


def make_codes(catalog, today, routes, campaign: Optional[str], workers: int,
               cache: Optional[Cache] = None) -> tuple[dict[str, str], list[str]]:
    """Every page's ``qr.svg`` and ``qr.png``: (output path → cached file, errors)."""
    plan = plan_codes(catalog, today, routes, campaign, cache or Cache(cache_folder(catalog.root)))
    return plan.finish(parallel_map(plan.make, plan.missing, workers, min_items=16))
