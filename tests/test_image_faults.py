"""Images that once came out wrong: corrupt PNGs (black), 16-bit grey (white), very tall images (dropped)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from helpers import PRODUCT, write_site
from PIL import Image

from ocop_site.commands.cli import main
from ocop_site.core import cache as build_cache
from ocop_site.media import images
from ocop_site.records import photos

TODAY = "2026-11-30"


def picture(size=(300, 200)) -> Image.Image:
    """Orange with a green top-left quarter: far from black and from white."""
    im = Image.new("RGB", size, (220, 120, 40))
    im.paste((30, 160, 60), (0, 0, size[0] // 2, size[1] // 2))
    return im


def png_bytes(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, i = [], 8
    while i < len(data):
        length, kind = struct.unpack_from(">I4s", data, i)
        found.append((kind, data[i + 8:i + 8 + length]))
        i += 12 + length
    return found


def assemble(parts: list[tuple[bytes, bytes]], fix_crc: bool = True, crc_of: dict | None = None) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in parts:
        crc = zlib.crc32(kind + body) if fix_crc else (crc_of or {}).get(kind, zlib.crc32(kind + body))
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    return out


def damaged_png(keep_checksums_valid: bool) -> bytes:
    """A PNG whose image data is damaged in the middle (its IEND chunk is intact).

    With ``keep_checksums_valid`` the chunk CRCs are recomputed, so only decoding finds the fault;
    otherwise the IDAT chunk keeps its original CRC, as after a disk or transfer error.
    """
    parts = chunks(png_bytes(picture()))
    original = {kind: zlib.crc32(kind + body) for kind, body in parts}
    broken = []
    for kind, body in parts:
        if kind == b"IDAT":
            body = bytearray(body)
            for k in range(len(body) // 3, len(body) // 3 + 24):
                body[k] ^= 0x5A
            body = bytes(body)
        broken.append((kind, body))
    return assemble(broken, fix_crc=keep_checksums_valid, crc_of=original)


def grey16(size=(256, 64)) -> Image.Image:
    """A 16-bit grey ramp, 0 on the left to 65535 on the right (mode I;16, as Pillow opens such PNGs)."""
    im = Image.new("I;16", size)
    ramp = [round(x * 65535 / (size[0] - 1)) for x in range(size[0])]
    im.putdata(ramp * size[1])
    return im


def variant(cache: images.Cache, p: images.Processed, width: int, ext: str) -> Image.Image:
    with Image.open(cache.path("img", p.key) / f"{width}.{ext}") as im:
        return im.convert("RGB")


def close(a, b, tolerance=6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


# --- corrupt PNGs -------------------------------------------------------------------------------

@pytest.mark.parametrize("valid_checksums", [True, False], ids=["data", "checksum"])
def test_a_corrupt_png_is_refused_never_published_black(tmp_path, valid_checksums):
    (tmp_path / "bad.png").write_bytes(damaged_png(valid_checksums))
    (tmp_path / "good.png").write_bytes(png_bytes(picture()))
    cache = build_cache.Cache(tmp_path / "cache")
    run = images.process_images(tmp_path, ["bad.png", "good.png"], cache, workers=1)
    bad, good = run.processed["bad.png"], run.processed["good.png"]
    assert bad.error and "corrupt" in bad.error and run.failed == 1
    assert not cache.path("img", bad.key).exists(), "nothing of the broken file is cached"
    out = variant(cache, good, 300, "jpg")
    assert close(out.getpixel((10, 10)), (30, 160, 60)) and close(out.getpixel((290, 190)), (220, 120, 40))


def test_a_png_with_a_bad_checksum_is_a_warning_in_check_too(tmp_path):
    assert "fails its checksum" in photos.probe(_write(tmp_path / "a.png", damaged_png(False)))
    assert photos.probe(_write(tmp_path / "b.png", png_bytes(picture()))) is None
    # any chunk's checksum, also of a chunk Pillow reads itself when it opens the file
    parts = chunks(png_bytes(picture()))
    text = assemble(parts[:1] + [(b"tEXt", b"Comment\0hi")] + parts[1:])
    text = text.replace(struct.pack(">I", zlib.crc32(b"tEXtComment\0hi")), b"\0\0\0\0")
    assert "PNG chunk tEXt fails its checksum" in photos.probe(_write(tmp_path / "c.png", text))
    # and a chunk cut by the end of the file
    assert "truncated" in photos.probe(_write(tmp_path / "d.png", png_bytes(picture())[:-40]))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_corrupt_png_in_a_build_is_w104_and_left_out(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))
    site = write_site(tmp_path / "site", {
        "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
        + "images: [QN-2023-0042/hong.png, QN-2023-0042/tot.png]\n",
        "products/QN-2023-0042/hong.png": damaged_png(keep_checksums_valid=True),
        "products/QN-2023-0042/tot.png": png_bytes(picture()),
    })
    out = tmp_path / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY]) == 0
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "hong.png" in line)
    assert line.startswith("products/QN-2023-0042.yaml:") and "corrupt" in line and line.endswith("[W104]")
    media = out / "media/products/QN-2023-0042"
    assert not list(media.glob("hong*")) and list(media.glob("tot.*-300.jpg"))
    assert "hong" not in (out / "p/QN-2023-0042/index.html").read_text(encoding="utf-8")


# --- 16-bit grey ------------------------------------------------------------------------------

def test_a_16_bit_grey_png_keeps_its_greys(tmp_path):
    grey16().save(tmp_path / "grey.png")
    with Image.open(tmp_path / "grey.png") as im:
        assert im.mode == "I;16"
    cache = build_cache.Cache(tmp_path / "cache")
    p = images.process_images(tmp_path, ["grey.png"], cache, workers=1).processed["grey.png"]
    assert p.error is None
    for ext in ("jpg", "webp"):
        out = variant(cache, p, 256, ext)
        for x in (2, 64, 128, 192, 253):
            assert close(out.getpixel((x, 32)), (x,) * 3, tolerance=8), (ext, x, out.getpixel((x, 32)))


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_16_bit_grey_modes_are_scaled_not_clipped(mode):
    im = grey16((256, 4)).convert("I")
    im = im if mode == "I" else im.convert(mode)
    rgb = images._normalise_mode(im)
    assert rgb.mode == "RGB"
    assert [rgb.getpixel((x, 0))[0] for x in (0, 51, 128, 255)] == [0, 51, 128, 255]


# --- very tall images --------------------------------------------------------------------------

def test_an_image_too_tall_for_webp_at_its_width_is_published_narrower(tmp_path):
    tall = picture((400, 17000))        # 400 wide it is 17,000 high; WebP stops at 16,383
    tall.paste((20, 20, 200), (0, 16500, 400, 17000))        # a blue foot: the whole height is kept
    tall.save(tmp_path / "tall.png")
    cache = build_cache.Cache(tmp_path / "cache")
    p = images.process_images(tmp_path, ["tall.png"], cache, workers=1).processed["tall.png"]
    assert p.error is None
    assert max(p.heights) <= 16383 and p.widths[0] == 320 and 380 < p.widths[-1] < 400
    for w, h in zip(p.widths, p.heights):
        assert abs(h - w * 17000 / 400) <= 1
        for ext in ("webp", "jpg"):
            out = variant(cache, p, w, ext)
            assert out.size == (w, h)
            assert close(out.getpixel((w - 2, h - 2)), (20, 20, 200), 12) and close(out.getpixel((2, 2)), (30, 160, 60), 12)


def test_an_image_too_tall_at_any_width_is_refused_honestly(tmp_path):
    Image.new("RGB", (1, 20000), (200, 100, 0)).save(tmp_path / "strip.png")
    cache = build_cache.Cache(tmp_path / "cache")
    p = images.process_images(tmp_path, ["strip.png"], cache, workers=1).processed["strip.png"]
    assert p.error and "16,383" in p.error and "decoded" not in p.error
