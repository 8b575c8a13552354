"""Images: responsive sizes, no metadata, orientation, sRGB, cache, broken files, share cards, font."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from helpers import PRODUCER, PRODUCT, ROOT, write_site
from PIL import Image
from sitecheck import read

from ocop_site.commands.cli import main
from ocop_site.core import cache as build_cache
from ocop_site.media import images
from ocop_site.media.sharecard import font_file
from ocop_site.records import photos
from ocop_site.records.catalog import load_catalog

TODAY = "2026-11-30"
P = "products/QN-2023-0042.yaml"
GPS = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 50.0, 10.0)}


# --- test images ------------------------------------------------------------------------------

def jpeg(size=(1600, 1200), orientation=None, icc=None, colour=(40, 90, 160), marker=True, **extra) -> bytes:
    """A JPEG with a red marker in its stored top-left corner, EXIF (GPS, camera) and XMP."""
    im = Image.new("RGB", size, colour)
    if marker:
        im.paste((230, 20, 20), (0, 0, size[0] // 5, size[1] // 5))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone X"
    exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, comment=b"secret comment",
            xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPS here</x:xmpmeta>', **extra)
    return out.getvalue()


def png(mode="RGBA", size=(200, 100), alpha=128) -> bytes:
    im = Image.new(mode, size, (20, 120, 60, alpha) if mode == "RGBA" else (20, 120, 60))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def swapped_profile() -> bytes:
    """An ICC v2 RGB profile whose red and green colorants are sRGB's green and red.

    A pixel that is red in this profile's space is green in sRGB, so a missing
    colour conversion cannot go unnoticed.
    """
    def xyz(x, y, z):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))

    def curve(gamma):
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"

    def text(s):
        return b"desc\0\0\0\0" + struct.pack(">I", len(s) + 1) + s.encode() + b"\0" + b"\0" * 11 + b"\0" * 67

    tags = [(b"desc", text("Swapped RG test")), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", curve(2.2)), (b"gTRC", curve(2.2)),
            (b"bTRC", curve(2.2)), (b"cprt", b"text\0\0\0\0public domain\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    body = struct.pack(">I", len(tags)) + table + data
    header = struct.pack(">I4sI4s4s4s", 128 + len(body), b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 28 + struct.pack(">iii", 63190, 65536, 54061) + b"\0" * 48
    assert len(header) == 128
    return header + body


# --- metadata inspection --------------------------------------------------------------------

def metadata_blocks(data: bytes) -> list[str]:
    """Names of the metadata blocks of a JPEG, PNG or WebP file (APPn/COM segments, chunks)."""
    found = []
    if data[:2] == b"\xff\xd8":
        i = 2
        while i < len(data) and data[i] == 0xFF:
            marker = data[i + 1]
            if marker == 0xDA:
                break
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xE1 <= marker <= 0xEF or marker == 0xFE:   # APP1..APP15 (EXIF, XMP, ICC…), comments
                found.append(f"APP{marker - 0xE0}" if marker != 0xFE else "COM")
            i += 2 + length
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        i = 8
        while i < len(data):
            length, kind = struct.unpack(">I4s", data[i:i + 8])
            if kind not in (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"):
                found.append(kind.decode())
            i += 12 + length
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        i = 12
        while i < len(data):
            kind, length = struct.unpack("<4sI", data[i:i + 8])
            if kind not in (b"VP8 ", b"VP8L", b"VP8X", b"ALPH"):
                found.append(kind.decode())
            i += 8 + length + (length & 1)
    else:
        raise AssertionError("not a JPEG, PNG or WebP file")
    return found


def published(out: Path, stem: str) -> dict[str, Path]:
    """'products/QN-2023-0042/main' → {'320.webp': path, …} of its published variants."""
    folder = out / "media" / stem.rsplit("/", 1)[0]
    name = stem.rsplit("/", 1)[1]
    return {p.name.rsplit("-", 1)[1]: p for p in folder.glob(f"{name}.*-*") if p.is_file()}


# --- the fixture site --------------------------------------------------------------------------

SITE = {
    P: PRODUCT.format(code="QN-2023-0042") + """\
images: [QN-2023-0042/photo.jpg, QN-2023-0042/icc.jpg, QN-2023-0042/truncated.jpg, QN-2023-0042/text.jpg,
         QN-2023-0042/bomb.png, "QN-2023-0042/Ảnh vườn, 2.jpg"]
variants:
  - {sku: MO-250, label: Chai 250 ml, packaging_image: QN-2023-0042/opaque.png}
""",
    "content/producers/htx-mat-ong.md": PRODUCER.replace("type: cooperative", "type: cooperative\nlogo: logo.png")
    + "\n![Tổ ong](anh/to-ong.jpg)\n\n![Giả](anh/gia.jpg)\n\n[Ảnh lớn](anh/to-ong.jpg)\n",
    "products/LS-2022-0001.yaml": """\
code: LS-2022-0001
name: Bánh đa Đồng Đăng
category: food
producer: htx-mat-ong
location: {province: Lạng Sơn, commune: Đồng Đăng}
images: [QN-2023-0042/icc.jpg]
certifications:
  - {decision: 77/QĐ-UBND, issued: 2020-03-01, issuer: UBND huyện Cao Lộc, level: district, stars: 3}
""",
}


def bomb_png(width=20000, height=20000) -> bytes:
    """A PNG whose header promises 400 million pixels (its data is never reached)."""
    import zlib
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def site_files() -> dict:
    photo = jpeg(orientation=6)
    return {
        **SITE,
        "products/QN-2023-0042/photo.jpg": photo,
        "products/QN-2023-0042/icc.jpg": jpeg((400, 300), icc=swapped_profile(), colour=(200, 30, 30), marker=False),
        "products/QN-2023-0042/truncated.jpg": photo[: len(photo) // 2],
        "products/QN-2023-0042/text.jpg": b"this is not a photo\n",
        "products/QN-2023-0042/bomb.png": bomb_png(),
        "products/QN-2023-0042/opaque.png": png("RGBA", (300, 300), alpha=255),
        "products/QN-2023-0042/Ảnh vườn, 2.jpg": jpeg((500, 400)),
        "content/producers/logo.png": png("RGBA", (200, 100), alpha=128),
        "content/producers/anh/to-ong.jpg": jpeg((900, 600)),
        "content/producers/anh/gia.jpg": b"\xff\xd8\xffnot really",
    }


def build(site: Path, out: Path, *extra) -> int:
    return main(["build", "--source", str(site), "--output", str(out), "--today", TODAY, "--quiet", *extra])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("images")
    site = write_site(base / "site", site_files())
    out = base / "out"
    mp = pytest.MonkeyPatch()
    mp.setenv(build_cache.CACHE_ENV, str(base / "cache"))
    try:
        assert build(site, out) == 0
    finally:
        mp.undo()
    return site, out, base / "cache"


# --- sizes, formats, markup --------------------------------------------------------------------

def test_every_width_in_webp_and_jpeg_never_upscaled(built):
    _, out, _ = built
    photo = published(out, "products/QN-2023-0042/photo")
    # 1600×1200 stored, EXIF orientation 6: shown 1200 wide and 1600 high; 1280 is capped at 1200
    assert sorted(photo) == sorted(f"{w}.{ext}" for w in (320, 640, 1200) for ext in ("webp", "jpg"))
    for name, path in photo.items():
        w = int(name.split(".")[0])
        with Image.open(path) as im:
            assert im.format == ("WEBP" if name.endswith("webp") else "JPEG")
            assert im.size == (w, round(1600 * w / 1200))
    small = published(out, "products/QN-2023-0042/icc")
    assert sorted(small) == ["320.jpg", "320.webp", "400.jpg", "400.webp"]      # 400 wide: no 640, no 1280


def test_transparent_images_fall_back_to_png_opaque_ones_to_jpeg(built):
    _, out, _ = built
    logo = published(out, "content/producers/logo")
    assert sorted(logo) == ["200.png", "200.webp"]
    with Image.open(logo["200.webp"]) as im:
        assert im.mode == "RGBA" and im.getchannel("A").getextrema()[0] < 255
    assert sorted(published(out, "products/QN-2023-0042/opaque")) == ["300.jpg", "300.webp"]


def test_no_metadata_survives(built):
    site, out, _ = built
    files = [p for p in (out / "media").rglob("*") if p.is_file() and p.suffix in (".jpg", ".webp", ".png")
             and p.name != "gia.jpg"]     # a story's file that is no image, published unchanged
    files += list((out / "p").rglob("*.png")) + list((out / "p").rglob("share-*.jpg"))
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        assert metadata_blocks(data) == [], path
        assert b"GPS" not in data and b"PhoneMaker" not in data and b"secret comment" not in data, path
        with Image.open(path) as im:
            assert not im.getexif() and "icc_profile" not in im.info and "xmp" not in im.info, path
    # the sources did carry it
    assert metadata_blocks((site / "products/QN-2023-0042/photo.jpg").read_bytes())


def test_exif_orientation_is_applied(built):
    _, out, _ = built
    with Image.open(published(out, "products/QN-2023-0042/photo")["320.jpg"]) as im:
        im = im.convert("RGB")
        w, h = im.size
        assert h > w
        # the red marker was in the stored top-left corner; orientation 6 shows it top-right
        r, g, b = im.getpixel((w - 8, 8))
        assert r > 180 and g < 80 and b < 80
        r, g, b = im.getpixel((8, 8))
        assert r < 100


def test_colours_are_converted_to_srgb(built):
    _, out, _ = built
    with Image.open(published(out, "products/QN-2023-0042/icc")["320.jpg"]) as im:
        r, g, b = im.convert("RGB").getpixel((100, 100))
    assert g > 150 and r < 100, (r, g, b)   # red in the swapped profile is green in sRGB


def test_picture_markup_with_sizes_and_lazy_loading(built):
    _, out, _ = built
    page = read(out, "p/QN-2023-0042/index.html")
    imgs = [a for a in page.find("img") if "srcset" in a]
    assert len(imgs) >= 3
    first = imgs[0]
    assert first["width"] == "1200" and first["height"] == "1600"
    assert "loading" not in first and first.get("fetchpriority") == "high"
    assert all(a.get("loading") == "lazy" for a in imgs[1:])
    sources = page.find("source", type="image/webp")
    assert len(sources) == len(imgs)
    for a in imgs + sources:
        for url in [part.split()[0] for part in a["srcset"].split(",")] + ([a["src"]] if "src" in a else []):
            assert " " not in url and "," not in url
            assert (out / unquote(url).lstrip("/")).is_file(), url
    assert any("/anh-vuon-2." in a["src"] for a in imgs), "file names are slugified (a space would break srcset)"
    card = read(out, "index.html").find("img", **{"class": "card-img"})
    assert card and card[0]["loading"] == "lazy" and card[0]["width"]
    logo, = read(out, "producers/htx-mat-ong/index.html").find("img", **{"class": "logo"})
    assert logo["width"] == "200" and logo["height"] == "100" and logo["src"].endswith(".png")
    # JSON-LD and og:image never point at an original file
    html = (out / "p/QN-2023-0042/index.html").read_text()
    assert "photo.jpg" not in html and "/media/products/QN-2023-0042/photo." in html


def test_story_images_become_pictures_and_links_point_at_the_largest(built):
    _, out, _ = built
    page = read(out, "producers/htx-mat-ong/index.html")
    img, = [a for a in page.find("img") if a.get("alt") == "Tổ ong"]
    assert img["width"] == "900" and "srcset" in img and img["loading"] == "lazy"
    link, = [a for a in page.find("a") if a.get("href", "").startswith("/media/content/producers/anh/to-ong.")]
    assert link["href"].endswith("-900.jpg")
    assert not (out / "media/content/producers/anh/to-ong.jpg").exists(), "the original (with GPS) is not published"
    fake, = [a for a in page.find("img") if a.get("alt") == "Giả"]
    assert (out / fake["src"].lstrip("/")).read_bytes() == b"\xff\xd8\xffnot really"


def test_a_site_that_overrides_the_picture_macro_changes_its_stories_too(tmp_path, monkeypatch):
    """Story images are written with the theme's ``_picture.html`` macro, so a site's own copy of it
    (in ``templates/``) shapes them as it shapes the products' pictures."""
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))
    theme_macro = (ROOT / "themes/default/templates/_picture.html").read_text(encoding="utf-8")
    own = theme_macro.replace("<picture>", '<picture data-site-macro="yes">')
    assert own != theme_macro
    site = write_site(tmp_path / "site", {**site_files(), "templates/_picture.html": own})
    assert build(site, tmp_path / "out") == 0
    html = (tmp_path / "out/producers/htx-mat-ong/index.html").read_text(encoding="utf-8")
    alt = html.index('alt="Tổ ong"')
    story_image = html[html.rindex("<picture", 0, alt):alt]
    assert '<picture data-site-macro="yes"><source type="image/webp"' in story_image
    assert 'width="900"' in story_image
    assert html.count('<picture data-site-macro="yes">') == html.count("<picture") > 0


# --- broken images -----------------------------------------------------------------------------

BROKEN = {
    "truncated.jpg": "is truncated: the JPEG data ends before its end marker",
    "text.jpg": "is not an image in a supported format (the content is not recognised)",
    "bomb.png": "is 20000×20000 pixels, over the limit of 100,000,000",
}


def test_broken_images_are_warnings_in_check_naming_the_file(built, capsys):
    site, _, _ = built
    assert main(["check", "--source", str(site), "--today", TODAY]) == 0
    err = capsys.readouterr().err
    for name, problem in BROKEN.items():
        line = next(l for l in err.splitlines() if f"QN-2023-0042/{name}'" in l)
        assert line.startswith(f"{P}:1") and problem in line and line.endswith("[W104]"), line
    assert "content/producers/htx-mat-ong.md" in err and "the story image 'anh/gia.jpg' is not an image" in err


def test_broken_images_are_left_out_of_the_build(built, tmp_path, capsys):
    site, out, cache = built
    for name in BROKEN:
        assert not list((out / "media/products/QN-2023-0042").glob(name.split(".")[0] + "*"))
    page = (out / "p/QN-2023-0042/index.html").read_text()
    assert "truncated" not in page and "bomb" not in page and "text.jpg" not in page
    # and build says so, file by file
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(build_cache.CACHE_ENV, str(cache))
        assert main(["build", "--source", str(site), "--output", str(tmp_path / "o"), "--today", TODAY]) == 0
    err = capsys.readouterr().err
    assert all(f"QN-2023-0042/{name}' {problem}" in err for name, problem in BROKEN.items())


def test_probe_tells_what_is_wrong(tmp_path):
    good = jpeg((64, 48))
    cases = {
        "ok.jpg": (good, None),
        "trailer.jpg": (good + b"SEFHmotion-photo-trailer" * 100, None),      # data after the end marker
        "cut.jpg": (good[:-300], "truncated"),
        "cut.png": (png("RGB", (64, 64))[:-12], "truncated"),
        "empty.jpg": (b"", "the file is empty"),
        "doc.jpg": (b"%PDF-1.7\n...", "it is a PDF document"),
        "logo.png": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        "bomb.png": (bomb_png(12000, 9000), "over the limit"),
        "eps.jpg": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),
    }
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        problem = photos.probe(path)
        assert (problem is None) if expected is None else (expected in (problem or "")), (name, problem)


def test_a_real_decompression_bomb_is_refused_without_decoding(tmp_path):
    import zlib
    width = height = 12_000        # 144 million pixels of zeros compress to ~140 kB
    raw = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    data = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    crc = lambda kind, body: struct.pack(">I", zlib.crc32(kind + body))  # noqa: E731
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + crc(b"IHDR", ihdr)
            + struct.pack(">I", len(data)) + b"IDAT" + data + crc(b"IDAT", data) + b"\0\0\0\0IEND" + crc(b"IEND", b""))
    assert len(bomb) < 1_000_000
    cache = build_cache.Cache(tmp_path / "cache")
    (tmp_path / "bomb.png").write_bytes(bomb)
    run = images.process_images(tmp_path, ["bomb.png"], cache, workers=1)
    assert "over the limit" in run.processed["bomb.png"].error and run.failed == 1


# --- the cache ---------------------------------------------------------------------------------

def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".ocop-site"}


def test_a_second_build_processes_no_image(built, tmp_path, monkeypatch):
    site, out, cache = built
    monkeypatch.setenv(build_cache.CACHE_ENV, str(cache))

    def fail(*args, **kwargs):
        raise AssertionError("an image was processed again")
    monkeypatch.setattr(images, "_encode", fail)
    moved = tmp_path / "moved"
    shutil.move(str(out), moved)          # the output folder is moved away: the cache still serves
    try:
        assert build(site, out) == 0
        assert tree(out) == tree(moved)
    finally:
        shutil.rmtree(out)
        shutil.move(str(moved), out)


def test_the_cache_is_safe_to_delete_and_builds_are_byte_identical(built, tmp_path, monkeypatch):
    site, out, _ = built
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "fresh-cache"))
    assert build(site, tmp_path / "again") == 0          # everything made anew, in worker processes
    assert tree(tmp_path / "again") == tree(out)


def test_cache_folder_defaults_to_the_source_and_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.delenv(build_cache.CACHE_ENV, raising=False)
    assert build_cache.cache_folder(tmp_path) == tmp_path / ".ocop-cache"
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert build_cache.cache_folder(tmp_path) == tmp_path / "elsewhere"
    cache = build_cache.Cache(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        fallback = build_cache.Cache(read_only / "cache")
        if fallback.folder != read_only / "cache":      # (root ignores permissions)
            assert fallback.folder.is_dir()
    finally:
        read_only.chmod(0o700)
    del cache


# --- share cards -------------------------------------------------------------------------------

def test_share_card_for_valid_products(built):
    _, out, _ = built
    page = read(out, "p/QN-2023-0042/index.html")
    og, = [a["content"] for a in page.find("meta") if a.get("property") == "og:image"]
    assert og.startswith("https://ocop.example.gov.vn/p/QN-2023-0042/share-") and og.endswith(".jpg")
    with Image.open(out / og.split("gov.vn/", 1)[1]) as im:
        assert im.size == (1200, 630) and im.format == "JPEG"
        assert not im.getexif()
    assert [a["content"] for a in page.find("meta") if a.get("property") == "og:image:width"] == ["1200"]
    # a revoked or expired product gets no card with stars
    ended = read(out, "p/LS-2022-0001/index.html")
    og = [a["content"] for a in ended.find("meta") if a.get("property") == "og:image"]
    assert og and "share-" not in og[0]
    assert not list((out / "p/LS-2022-0001").glob("share-*"))


def test_share_card_draws_vietnamese_text(tmp_path):
    from ocop_site.media import sharecard
    spec = sharecard.CardSpec("X-1", "Nước mắm Phú Quốc ưu hạng Đặc biệt — Ễ Ỡ Ự Ầ Ẫ", 5, "Hợp tác xã Đồng Tháp",
                              "Thừa Thiên Huế", "ocop.example.gov.vn", None, None)
    data = sharecard.render(spec)
    assert data == sharecard.render(spec), "deterministic"
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (1200, 630)


def test_card_text_is_measured_as_the_font_measures_it():
    """Cards wrap text by summing cached word widths; that must equal Pillow's own measure."""
    from ocop_site.media import sharecard
    catalog, _ = load_catalog(ROOT)
    texts = {e.record.name for e in catalog.products.values()} | {e.record.name for e in catalog.producers.values()}
    texts |= {"Nước  mắm — Ễ Ỡ Ự…", " lead and trail "}
    for weight, size in (("Bold", 60), ("Bold", 36), ("SemiBold", 30), ("Regular", 28), ("Medium", 26)):
        font = sharecard._font(weight, size)
        for text in texts:
            assert sharecard._measure(font, text) == font.getlength(text), (weight, size, text)


def test_font_has_a_glyph_for_every_character_of_the_sample_names():
    from fontTools.ttLib import TTFont
    catalog, _ = load_catalog(ROOT)
    texts = set()
    for entry in catalog.products.values():
        p = entry.record
        texts |= {p.name, p.location.province, p.location.commune, p.location.district or ""}
        texts |= {getattr(tr, "name", None) or "" for tr in p.translations.values()}
    for entry in [*catalog.producers.values(), *catalog.sales_points.values()]:
        texts |= {entry.record.name, getattr(entry.record, "address", None) or ""}
    texts.add(catalog.config.title)
    chars = {c for t in texts for c in unicodedata.normalize("NFC", t)}
    assert {"ế", "Đ", "ổ", "ự"} <= chars and len(chars) > 60
    for weight in ("Regular", "Bold", "SemiBold", "Medium"):
        cmap = TTFont(str(font_file(weight))).getBestCmap()
        missing = sorted(c for c in chars if ord(c) not in cmap)
        assert not missing, f"{weight} lacks {missing}"
    # and every Vietnamese letter, not only those the sample happens to use
    vowels = "aăâeêioôơuưy"
    letters = {unicodedata.normalize("NFC", v + tone) for v in vowels for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")}
    letters |= {c.upper() for c in letters} | set("đĐ")
    cmap = TTFont(str(font_file("Regular"))).getBestCmap()
    assert not sorted(c for c in letters if ord(c) not in cmap)


def test_unchanged_files_are_not_even_read_again_and_changed_ones_are_noticed(tmp_path, monkeypatch):
    root = tmp_path / "site"
    root.mkdir()
    (root / "a.jpg").write_bytes(jpeg((320, 240)))
    (root / "b.jpg").write_bytes(jpeg((330, 240)))
    cache = build_cache.Cache(tmp_path / "cache")
    first = images.process_images(root, ["a.jpg", "b.jpg"], cache, workers=1)
    assert first.made == 2

    looked = []
    real_look_up = images._look_up
    monkeypatch.setattr(images, "_look_up", lambda path, *a: looked.append(Path(path).name) or real_look_up(path, *a))
    again = images.process_images(root, ["a.jpg", "b.jpg"], cache, workers=1)
    assert looked == [] and again.made == 0 and again.processed == first.processed

    import os
    os.utime(root / "a.jpg")                                  # touched: read and hashed, found in the cache
    (root / "b.jpg").write_bytes(jpeg((330, 240), colour=(1, 2, 3)))      # same size, new content
    third = images.process_images(root, ["a.jpg", "b.jpg"], cache, workers=1)
    assert sorted(looked) == ["a.jpg", "b.jpg"]
    assert third.processed["a.jpg"] == first.processed["a.jpg"] and third.made == 1
    assert third.processed["b.jpg"].key != first.processed["b.jpg"].key
    # check trusts the record of a sound image, and looks again at a changed one
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))
    photos._MEMOS.clear()
    monkeypatch.setattr(photos, "probe", lambda path: f"probed {path.name}")
    assert photos.probe_known(root, root / "a.jpg") is None
    (root / "a.jpg").write_bytes(b"broken now")
    assert photos.probe_known(root, root / "a.jpg") == "probed a.jpg"
    photos._MEMOS.clear()
