"""Images: every photo, packaging image, logo and story image in responsive sizes, once.

Each source image is published as WebP in up to three widths (320, 640 and
1280 pixels, never wider than the source) with a JPEG fallback in the same
widths (PNG when the image has real transparency), so that templates can
write ``<picture>``/``srcset`` markup with ``width`` and ``height`` set. On the
way the EXIF orientation is applied, colours are converted to sRGB through
the embedded ICC profile, and every piece of metadata (EXIF with GPS
positions, XMP, ICC, comments) is left behind: the published files carry
pixels only.

The work is done once per image, not per page or language, on every core,
and is cached: the cache key is a SHA-256 hash of the source bytes and of the
settings (sizes, qualities, pipeline version and the Pillow and codec
versions), so an unchanged image is never processed twice, whatever happens
to the output folder. The cache lives in ``<source>/.ocop-cache/`` unless
``OCOP_CACHE_DIR`` names another folder; deleting it only costs time.

Broken images never crash a build: :func:`probe` is a cheap check of the
header and structure (not an image, an unsupported format, over the pixel
limit, truncated, a PNG chunk that fails its CRC) used by the catalog stage, so ``check`` and ``build`` report
warning W104 at the record's line and the page is published without that
image; a file that still fails to decode later is reported the same way by
the image stage. (A warning, not an error: one bad photo must not stop the
publication of a whole catalog.)
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from PIL import Image, ImageCms

from ..core.cache import Cache, cache_folder
from ..core.diagnostics import Diagnostic, Position, shortened
from ..core.vietnamese import bounded_slug
from ..core.workers import WorkerDied, parallel_map
from ..records.photos import (
    DEFAULT_SETTINGS,
    FORMAT_REVISIONS,
    FORMATS,
    BadImage,
    ImageSettings,
    NotAnImage,
    StatMemo,
    decode_reason,
    probe_bytes,
    unusable_message,
)

_ORIENTATION = 0x0112
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


# --- processing one image -------------------------------------------------------------------

@dataclass(frozen=True)
class Processed:
    """What the cache knows about one source image."""

    key: str
    width: int = 0                     # of the largest variant
    height: int = 0
    widths: tuple[int, ...] = ()
    heights: tuple[int, ...] = ()
    fallback: str = "jpg"              # "jpg" | "png"
    error: Optional[str] = None
    cached: bool = field(default=True, compare=False)     # found in the cache (not made in this run)




def image_key(data: bytes, settings: ImageSettings) -> str:
    h = hashlib.sha256(settings.key())
    h.update(b"\0")
    for signature, revision in FORMAT_REVISIONS:
        if data.startswith(signature):
            h.update(revision + b"\0")
    h.update(data)
    return h.hexdigest()


def _look_up(path: str, cache: Cache, settings: ImageSettings) -> Processed | tuple[str, str]:
    """Phase 1, in a worker: hash the file and look in the cache."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Processed("", error=f"cannot be read ({exc.strerror or exc})")
    key = image_key(data, settings)
    meta = cache.read("img", key, "/meta.json")   # failures are not cached: they are retried, and rare
    if meta is not None:
        return _from_meta(key, meta)
    return key, path


def _from_meta(key: str, raw: bytes) -> Processed:
    meta = json.loads(raw)
    return Processed(key, meta["width"], meta["height"], tuple(meta["widths"]), tuple(meta["heights"]),
                     meta["fallback"])


def _process(job: tuple[str, str], cache: Cache, settings: ImageSettings) -> Processed:
    """Phase 2, in a worker: make every variant into the cache. Never raises."""
    key, path = job
    try:
        data = Path(path).read_bytes()
        tmp = cache.new_dir()
        try:
            meta = _encode(data, settings, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        (tmp / "meta.json").write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
        cache.commit_dir(tmp, "img", key)
        return Processed(key, meta["width"], meta["height"], tuple(meta["widths"]), tuple(meta["heights"]),
                         meta["fallback"], cached=False)
    except (NotAnImage, BadImage) as exc:
        error = str(exc)
    except MemoryError:
        error = "is too large to process"
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's problem
        error = f"cannot be decoded ({decode_reason(exc)})"
    return Processed(key, error=error, cached=False)


def _encode(data: bytes, settings: ImageSettings, folder: Path) -> dict:
    """Decode, orient, convert to sRGB, resize and encode every variant into ``folder``."""
    problem = probe_bytes(data, settings.max_pixels)
    if problem:
        raise BadImage(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im = Image.open(io.BytesIO(data), formats=FORMATS)
        if im.format not in ("JPEG", "MPO"):
            # Decode now, so that a decoding error is seen: reading a PNG's EXIF decodes the pixels,
            # and a failure there (swallowed with the EXIF's) left a blank buffer that a second
            # load() returned as a black image. (JPEGs are decoded below, after their draft scale
            # is chosen; reading their EXIF decodes nothing.)
            _decode(im)
        try:
            orientation = int(im.getexif().get(_ORIENTATION, 1) or 1)
        except Exception:  # noqa: BLE001 - a broken EXIF block is ignored like any metadata
            orientation = 1
        swap = orientation in (5, 6, 7, 8)
        src_w, src_h = im.size
        disp_w, disp_h = (src_h, src_w) if swap else (src_w, src_h)
        widths = _fitting_widths(settings.widths, disp_w, disp_h)
        top_w = widths[-1]
        top_h = max(1, round(disp_h * top_w / disp_w))
        # JPEG draft: let libjpeg decode at 1/2, 1/4 or 1/8 scale when that is still large enough.
        im.draft(None, (top_h, top_w) if swap else (top_w, top_h))
        _decode(im)
        icc = im.info.get("icc_profile")
        im = _normalise_mode(im)
        target = (top_h, top_w) if swap else (top_w, top_h)
        if im.size != target:
            im = im.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        im = _to_srgb(im, icc)
        if orientation in _TRANSPOSE:
            im = im.transpose(_TRANSPOSE[orientation])
    alpha = im.mode == "RGBA"
    fallback = "png" if alpha else "jpg"
    heights = []
    current = im
    for w in reversed(widths):
        h = max(1, round(disp_h * w / disp_w))
        if current.size != (w, h):
            current = current.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        current.info = {}
        _save(current, folder / f"{w}.webp", "WEBP", settings)
        _save(current, folder / f"{w}.{fallback}", "PNG" if alpha else "JPEG", settings)
        heights.append(h)
    heights.reverse()
    return {"width": widths[-1], "height": heights[-1], "widths": widths, "heights": heights, "fallback": fallback}


#: The largest width or height of a WebP image (libwebp's limit; JPEG's is 65,535).
WEBP_MAX = 16383


def _fitting_widths(widths: Iterable[int], disp_w: int, disp_h: int) -> list[int]:
    """The published widths of a ``disp_w``×``disp_h`` image: the settings' widths, never wider than
    the source, nor so wide that the height exceeds WebP's limit (a long, narrow image, such as a
    label unrolled, is published narrower than usual, with its whole height)."""
    def height(w: int) -> int:
        return max(1, round(disp_h * w / disp_w))
    widest = min(disp_w, disp_w * WEBP_MAX // disp_h + 1)
    while widest > 0 and height(widest) > WEBP_MAX:
        widest -= 1
    if widest < 1:
        raise BadImage(f"is {disp_w}×{disp_h} pixels: too tall for its width to publish (a web image is at most "
                       f"{WEBP_MAX:,} pixels high, and this one would be even at 1 pixel wide); crop or split it")
    return sorted({min(w, widest) for w in widths})


def _decode(im: Image.Image) -> None:
    """``im.load()``; a failure to decode the pixels is the file's fault, said as such."""
    try:
        im.load()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as exc:
        raise BadImage(f"is corrupt: its pixel data cannot be decoded ({decode_reason(exc)})") from None


#: Modes of grey images with more than 8 bits (16-bit PNG and TIFF: values 0–65,535).
_DEEP_GREY = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


def _normalise_mode(im: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is not fully opaque. CMYK stays CMYK until the colour transform."""
    if im.mode == "CMYK":
        return im
    if im.mode in _DEEP_GREY:
        # 0–65,535 scaled to 0–255 (converting to RGB directly clips every value above 255 to white)
        return im.convert("I").point(lambda v: v / 257).convert("L").convert("RGB")
    has_alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        im = im.convert("RGBA")
        low, _high = im.getchannel("A").getextrema()
        return im if low < 255 else im.convert("RGB")
    return im if im.mode == "RGB" else im.convert("RGB")


_SRGB = None


def _to_srgb(im: Image.Image, icc: Optional[bytes]) -> Image.Image:
    """Pixels in sRGB: through the embedded ICC profile when there is one."""
    global _SRGB
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            description = (ImageCms.getProfileDescription(profile) or "").strip().lower()
            if not (description.startswith("srgb") and im.mode == "RGB"):
                if _SRGB is None:
                    _SRGB = ImageCms.createProfile("sRGB")
                out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
                return ImageCms.profileToProfile(im, profile, _SRGB, outputMode=out_mode,
                                                 renderingIntent=ImageCms.Intent.PERCEPTUAL)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the pixels as they are
    if im.mode == "CMYK":
        return im.convert("RGB")
    return im


def _save(im: Image.Image, path: Path, fmt: str, settings: ImageSettings) -> None:
    """Encode with fixed settings and no metadata (deterministic bytes)."""
    if fmt == "WEBP":
        im.save(path, "WEBP", quality=settings.webp_quality, method=settings.webp_method, exif=b"", icc_profile="",
                xmp=b"")
    elif fmt == "JPEG":
        im.save(path, "JPEG", quality=settings.jpeg_quality, optimize=True, progressive=True)
    else:
        im.save(path, "PNG", optimize=True)


# --- what templates get ---------------------------------------------------------------------

@dataclass(frozen=True)
class Picture:
    """A processed image as ``<picture>`` needs it (URLs root-relative, with the site's base path)."""

    width: int              # intrinsic size of the largest variant
    height: int
    src: str                # fallback at about 640 pixels wide
    srcset: str             # fallback widths
    webp_srcset: str
    type: str               # MIME type of the fallback
    largest: str            # the largest fallback (share previews, links to the full image)
    largest_output: str     # its output path ('media/products/X/main.<hash>-1280.jpg')


def output_stem(site_path: str, key: str) -> str:
    """'products/X/Ảnh chính.jpg' → 'media/products/X/anh-chinh.<hash>' (the hash changes when the image does).

    The file name is slugified (no space or comma can break a ``srcset``); the hash keeps names apart.
    """
    folder, _, name = site_path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"media/{folder + '/' if folder else ''}{bounded_slug(stem) or 'image'}.{key[:10]}"


def variant_files(site_path: str, p: Processed, cache: Cache) -> dict[str, str]:
    """Output path → cached file, for every variant of one image (plain strings: a national catalog has
    hundreds of thousands)."""
    stem = output_stem(site_path, p.key)
    entry = str(cache.path("img", p.key))
    out = {}
    for w in p.widths:
        out[f"{stem}-{w}.webp"] = f"{entry}/{w}.webp"
        out[f"{stem}-{w}.{p.fallback}"] = f"{entry}/{w}.{p.fallback}"
    return out


def make_picture(site_path: str, p: Processed, base_path: str) -> Picture:
    out_stem = output_stem(site_path, p.key)
    stem = base_path + quote(out_stem)
    fb = p.fallback
    src_w = min(p.widths, key=lambda w: (abs(w - 640), -w))
    return Picture(
        width=p.width, height=p.height, src=f"{stem}-{src_w}.{fb}",
        srcset=", ".join(f"{stem}-{w}.{fb} {w}w" for w in p.widths),
        webp_srcset=", ".join(f"{stem}-{w}.webp {w}w" for w in p.widths),
        type="image/png" if fb == "png" else "image/jpeg",
        largest=f"{stem}-{p.widths[-1]}.{fb}", largest_output=f"{out_stem}-{p.widths[-1]}.{fb}",
    )


# --- the image stage of a build ------------------------------------------------------------

@dataclass
class ImageRun:
    """The outcome of processing a site's images."""

    processed: dict[str, Processed] = field(default_factory=dict)     # site path → result
    diagnostics: list[Diagnostic] = field(default_factory=list)
    made: int = 0            # processed in this run
    from_cache: int = 0      # found in the cache
    failed: int = 0



def process_images(root: Path, site_paths: Iterable[str], cache: Cache, workers: int,
                   settings: ImageSettings = DEFAULT_SETTINGS) -> ImageRun:
    """Process every image once (sorted, deduplicated by content), in parallel, through the cache."""
    paths = sorted(set(site_paths))
    run = ImageRun()
    if not paths:
        return run
    memo = StatMemo(cache.folder, root, settings)
    status = {p: StatMemo.status(root / p) for p in paths}
    known: dict[str, Processed] = {}
    for p in paths:
        entry = memo.get(p, status[p])
        if entry is not None and cache.path("img", entry[4]).is_dir():
            known[p] = Processed(entry[4], entry[5], entry[6], tuple(entry[7]), tuple(entry[8]), entry[9])
    unknown = [p for p in paths if p not in known]
    looked = dict(zip(unknown, parallel_map(lambda p: _look_up(str(root / p), cache, settings), unknown, workers)))
    found = [known[p] if p in known else looked[p] for p in paths]
    todo: dict[str, tuple[str, str]] = {}
    for result in found:
        if isinstance(result, tuple):
            todo.setdefault(result[0], result)
    done: dict[str, Processed] = {}
    if todo:
        jobs = sorted(todo.values())
        try:
            made = parallel_map(lambda job: _process(job, cache, settings), jobs, workers, min_items=2)
        except WorkerDied:
            made = [Processed(key, error="could not be processed: a worker process died (out of memory?)",
                              cached=False) for key, _ in jobs]
        done = {job[0]: result for job, result in zip(jobs, made)}
    for site_path, result in zip(paths, found):
        if isinstance(result, tuple):
            result = done[result[0]]
        run.processed[site_path] = result
        memo.put(site_path, status[site_path], result)
        if result.error:
            run.failed += 1
        elif result.cached:
            run.from_cache += 1
    run.made = sum(1 for r in done.values() if not r.error)
    memo.save()
    return run


def record_image_refs(catalog) -> list[tuple[str, Any, tuple, str]]:
    """(site path, entry, location in the record, path as written) of every image named by a record.

    Positions are looked up only for a diagnostic: a cached catalog re-reads a file to find them.
    """
    import posixpath

    def site(entry_path: str, ref: str) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(entry_path), ref))

    refs = []
    for entry in catalog.products.values():
        p = entry.record
        for i, img in enumerate(p.images):
            refs.append((site(entry.path, img), entry, ("images", i), img))
        for i, v in enumerate(p.variants):
            if v.packaging_image:
                refs.append((site(entry.path, v.packaging_image), entry, ("variants", i, "packaging_image"),
                             v.packaging_image))
    for entry in catalog.producers.values():
        if entry.record.logo:
            refs.append((site(entry.path, entry.record.logo), entry, ("logo",), entry.record.logo))
    return refs


def prepare_site_images(catalog, media, base_path: str, workers: int,
                        cache: Optional[Cache] = None, settings: ImageSettings = DEFAULT_SETTINGS) -> ImageRun:
    """The image stage of a build: process every image named by a record or shown in a story
    (``media.story_images``, registered when the stories were rendered).

    Fills ``media.pictures`` (site path → Picture), ``media.generated`` (output path → cached
    file) and ``media.rejected``. Runs once, before the per-language views.
    """
    cache = cache or Cache(cache_folder(catalog.root))
    media.cache = cache
    refs = record_image_refs(catalog)
    story_paths = sorted(media.story_images)
    run = process_images(catalog.root, [r[0] for r in refs] + story_paths, cache, workers, settings)
    for site_path, result in run.processed.items():
        if result.error is None:
            media.pictures[site_path] = make_picture(site_path, result, base_path)
            media.generated.update(variant_files(site_path, result, cache))
    for site_path, entry, loc, value in refs:
        result = run.processed[site_path]
        if result.error:   # the catalog stage reported most of these already (same text: merged)
            media.rejected.add(site_path)
            name = next(part for part in reversed(loc) if isinstance(part, str))
            run.diagnostics.append(entry.smap.value(loc).warning("W104", unusable_message(name, value, result.error)))
    for site_path in story_paths:
        result = run.processed[site_path]
        if result.error:
            run.diagnostics.append(Position(site_path).warning(
                "W104", f"the story image '{shortened(site_path)}' {result.error}; it is left out"))
    return run
