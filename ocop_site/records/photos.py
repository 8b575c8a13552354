"""What a photo named by a record is, found cheaply: the catalog stage's checks of image files.

:func:`probe` reads a file's header and structure (not an image, an unsupported format, over the
pixel limit, truncated, a PNG chunk that fails its CRC) without decoding it, so ``check`` and
``build`` report warning W104 at the record's line and the page is published without that image.
:class:`StatMemo` remembers, by file status, the images the image stage (``media/images.py``)
processed: an unchanged photo is not read again. The settings of that processing live here too,
because the memo is keyed by them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from PIL import Image, features

from ..core.cache import cache_folder
from ..core.diagnostics import shortened
from ..core.files import write_atomic

#: Bump when the processing changes in a way that changes output bytes: it is part of every cache
#: key (with the settings and the Pillow and codec versions). Not a hash of this file on purpose:
#: reprocessing a national catalog's photos takes hours, so only a real change may cost that.
PIPELINE_VERSION = 1

#: File name endings that are treated as images (everything else is copied as is).
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
                              ".heic", ".heif", ".avif"})

#: The formats Pillow may open. Restricting the plugins keeps risky ones (EPS
#: runs Ghostscript) out of reach of a file that merely claims to be a photo.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP")     # a multi-picture JPEG (MPO) opens as JPEG

#: Images with more pixels than this are refused (decompression bombs; also a
#: 200-megapixel photo should be resized before it is put in the catalog).
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class ImageSettings:
    """What a published image looks like. Any change gives new cache keys."""

    widths: tuple[int, ...] = (320, 640, 1280)
    webp_quality: int = 80
    webp_method: int = 4
    jpeg_quality: int = 82
    max_pixels: int = MAX_PIXELS

    def key(self) -> bytes:
        codecs = {name: features.version(name) for name in ("jpg", "webp", "zlib", "littlecms2")}
        return json.dumps({"pipeline": PIPELINE_VERSION, "pillow": Image.__version__, "codecs": codecs,
                           "settings": self.__dict__}, sort_keys=True).encode()


DEFAULT_SETTINGS = ImageSettings()


def unusable_message(field_name: str, value: str, problem: str) -> str:
    """The W104 message of an image named by a record (the same from the catalog and the image stage)."""
    return f"{field_name}: the image '{shortened(value)}' {problem}; the page is published without it"


def is_image_path(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS


# --- cheap checks: the catalog stage ---------------------------------------------------------

class NotAnImage(Exception):
    """Pillow does not recognise the file as an image at all."""


class BadImage(Exception):
    """An image that cannot be used (the message completes a sentence starting with its name)."""


def probe(path: Path, max_pixels: int = MAX_PIXELS) -> Optional[str]:
    """What is wrong with an image file, or None. Reads the header and the structure, decodes nothing.

    The message completes a sentence that starts with the file's name.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        return probe_bytes(data, max_pixels)
    except NotAnImage as exc:
        return str(exc)


def probe_story_image(path: Path, max_pixels: int = MAX_PIXELS) -> tuple[Optional[str], bool]:
    """(problem or None, whether the file is no image at all) for an image linked from a story.

    A story may link any file; one that is not an image is published unchanged
    (with a warning), a broken or oversized image is left out.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})", False
    try:
        return probe_bytes(data, max_pixels), False
    except NotAnImage as exc:
        return str(exc), True


def probe_bytes(data: bytes, max_pixels: int) -> Optional[str]:
    """Like :func:`probe`, but raises NotAnImage for a file that is no image Pillow knows."""
    if data.startswith(_PNG_SIGNATURE):
        problem = _png_damage(data)
        if problem:
            return problem
    pillow_limit = Image.MAX_IMAGE_PIXELS
    try:
        # Only the header is read here, so Pillow's own bomb check is set aside to learn the size
        # (this limit is checked below); decoding happens later, in _encode, under both limits.
        Image.MAX_IMAGE_PIXELS = None
        with Image.open(io.BytesIO(data), formats=FORMATS) as im:
            fmt, (width, height) = im.format, im.size
    except Image.UnidentifiedImageError:
        raise NotAnImage(f"is not an image in a supported format ({_sniff(data)}); "
                         f"save it as JPEG, PNG or WebP") from None
    except Exception as exc:  # noqa: BLE001 - a broken header can raise anything
        if "truncat" in str(exc).lower():
            return "is truncated: the file ends in the middle of its header"
        return f"cannot be read as an image ({decode_reason(exc)})"
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit
    if width < 1 or height < 1:
        return "has no pixels"
    if width * height > max_pixels:
        return f"is {width}×{height} pixels, over the limit of {max_pixels:,}; resize it (a decompression bomb?)"
    if fmt in ("JPEG", "MPO") and not _jpeg_complete(data):
        return "is truncated: the JPEG data ends before its end marker"
    if fmt == "PNG" and data.rfind(b"IEND") < 0:
        return "is truncated: the PNG data has no IEND chunk"
    if fmt == "WEBP" and struct.unpack_from("<I", data, 4)[0] + 8 > len(data):
        return "is truncated: the WebP data is shorter than its header says"
    return None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_damage(data: bytes) -> Optional[str]:
    """What is wrong with a PNG's chunk structure, or None: a chunk running past the end of the
    file, no IEND chunk, or a chunk whose CRC does not match its content, as after a disk or
    transfer error. (Pillow checks the CRCs of the chunks before the image data when it opens
    a file, but not of the image data itself.) A CRC costs about a millisecond a megabyte."""
    view = memoryview(data)
    i, n = len(_PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        length, kind = struct.unpack_from(">I4s", data, i)
        end = i + 12 + length
        if end > n:
            return "is truncated: a PNG chunk ends after the end of the file"
        if zlib.crc32(view[i + 4:end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            name = kind.decode("latin-1") if kind.isalpha() else "a"
            return f"is corrupt: its PNG chunk {name} fails its checksum (damaged in a copy or on disk?)"
        if kind == b"IEND":
            return None
        i = end
    return "is truncated: the PNG data has no IEND chunk"


def _sniff(data: bytes) -> str:
    head = data[:512].lstrip()
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    if head[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in head[:512].lower():
        return "it is an SVG drawing; export it as PNG"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1", b"ftyphevc"):
        return "it is a HEIC photo; export it as JPEG"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "it is an AVIF image"
    if not data:
        return "the file is empty"
    return "the content is not recognised"


def decode_reason(exc: Exception) -> str:
    """An exception's message without memory addresses (diagnostics must not vary between runs)."""
    text = re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>", "", str(exc)).strip()
    return (text or type(exc).__name__)[:200]


def _jpeg_complete(data: bytes) -> bool:
    """True when the JPEG has a start-of-scan and an end marker after it.

    Inside entropy-coded data a 0xFF byte is always followed by 0x00 or a
    restart marker, so an 0xFFD9 after the first scan is the real end (data
    that phones append after it, such as Samsung's trailers, does not matter).
    """
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        if marker == 0xDA:          # start of scan
            return data.find(b"\xff\xd9", i + 2) >= 0
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        i += 2 + struct.unpack_from(">H", data, i + 2)[0]
    return False



#: Revisions of the processing of one source format, part of the cache keys of that format only,
#: so that a fix reprocesses the images it concerns and not a whole catalog's photos (see
#: PIPELINE_VERSION). PNG and TIFF 2: a file whose pixel data cannot be decoded is refused (a
#: corrupt PNG was once cached as a black image) and 16-bit grey is scaled (it was white).
FORMAT_REVISIONS = ((b"\x89PNG\r\n\x1a\n", b"png:2"), (b"II*\0", b"tiff:2"), (b"MM\0*", b"tiff:2"))


class StatMemo:
    """What the last builds learnt about each source image, by its file status (like git's index).

    Reading and hashing every photo on every build costs more than the rest
    of a warm build, so an image whose size, modification and change times
    and inode are those recorded keeps the recorded cache key without being
    read. A copy, a ``touch`` or an edit changes the change time: the file is
    hashed again (and an unchanged one is still found in the cache). One file
    per site folder under ``<cache>/stat/``; only sound images are recorded.
    """

    def __init__(self, folder: Path, root: Path, settings: ImageSettings = DEFAULT_SETTINGS):
        ident = hashlib.sha256(str(Path(root).resolve()).encode() + b"\0" + settings.key() + b"\0"
                               + repr(FORMAT_REVISIONS).encode()).hexdigest()[:24]
        self.path = Path(folder) / "stat" / f"{ident}.json"
        self.changed = False
        try:
            self.entries: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def status(path: Path) -> Optional[list]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def get(self, site_path: str, status: Optional[list]) -> Optional[list]:
        entry = self.entries.get(site_path)
        return entry if entry is not None and status is not None and entry[:4] == status else None

    def put(self, site_path: str, status: Optional[list], p: Any) -> None:
        """Remember ``p`` (an images.Processed) for the file of that status."""
        if status is None or p.error:
            return
        entry = status + [p.key, p.width, p.height, list(p.widths), list(p.heights), p.fallback]
        if self.entries.get(site_path) != entry:
            self.entries[site_path] = entry
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            write_atomic(self.path, json.dumps(self.entries, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        except OSError:
            pass    # only speed is lost


_MEMOS: dict[tuple[str, str], StatMemo] = {}


def probe_known(root: Path, target: Path) -> Optional[str]:
    """:func:`probe`, skipped for an image that a build processed and that has not changed since."""
    cache_dir = cache_folder(root)
    key = (str(cache_dir), str(root))
    if key not in _MEMOS:
        if not (cache_dir / "stat").is_dir():
            return probe(target)
        _MEMOS[key] = StatMemo(cache_dir, root)
    try:
        site_path = target.resolve().relative_to(Path(root).resolve()).as_posix()
    except (OSError, ValueError):
        return probe(target)
    if _MEMOS[key].get(site_path, StatMemo.status(target)) is not None:
        return None
    return probe(target)

