"""QR codes: every product and lot page has one, decoded with a real decoder (zxing-cpp)."""

from __future__ import annotations

import io

import pytest
from helpers import PRODUCT, write_site
from PIL import Image, ImageDraw, ImageFilter
from sitecheck import read

from ocop_site.commands.cli import main
from ocop_site.core import cache as build_cache
from ocop_site.media import qr

zxingcpp = pytest.importorskip("zxingcpp")

TODAY = "2026-11-30"
BASE = "https://so.example.gov.vn/ocop/"
CAMPAIGN = "hội chợ 2026"          # spaces and accents: URL-encoded in the code

SITE = {
    "site.yaml": f"title: Test OCOP\nbase_url: {BASE}\nlanguages: [vi, en]\nqr: {{campaign: {CAMPAIGN}}}\n",
    "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + "  - lot: L2024-04\n    produced: 2024-04-10\n",
    "products/LS-2022-0001.yaml": """\
code: LS-2022-0001
name: Bánh đa Đồng Đăng
category: food
producer: htx-mat-ong
location: {province: Lạng Sơn, commune: Đồng Đăng}
certifications:
  - decision: 77/QĐ-UBND
    issued: 2022-03-01
    issuer: UBND huyện Cao Lộc
    stars: 3
    revoked: {date: 2024-01-15, decision: 5/QĐ-UBND, reason: Không duy trì điều kiện}
batches:
  - {lot: A1, produced: 2023-01-05}
""",
    "products/HG-2030-0001.yaml": PRODUCT.format(code="HG-2030-0001").replace("issued: 2024-05-13", "issued: 2030-01-01"),
}
UTM = "?utm_source=qr&utm_campaign=h%E1%BB%99i%20ch%E1%BB%A3%202026"


def decode(im: Image.Image) -> list[str]:
    return sorted(r.text for r in zxingcpp.read_barcodes(im.convert("L")))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("qr")
    site = write_site(base / "site", SITE)
    out = base / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(build_cache.CACHE_ENV, str(base / "cache"))
        assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY, "--quiet"]) == 0
    return out


EXPECTED = {
    "p/QN-2023-0042/": BASE + "p/QN-2023-0042/" + UTM,
    "p/QN-2023-0042/lot/L2024-03/": BASE + "p/QN-2023-0042/lot/L2024-03/" + UTM,
    "p/QN-2023-0042/lot/L2024-04/": BASE + "p/QN-2023-0042/lot/L2024-04/" + UTM,
    "p/LS-2022-0001/": BASE + "p/LS-2022-0001/" + UTM,          # revoked: printed codes still lead somewhere
    "p/LS-2022-0001/lot/A1/": BASE + "p/LS-2022-0001/lot/A1/" + UTM,
}


def test_every_product_and_lot_page_has_both_files(built):
    for folder in EXPECTED:
        assert (built / folder / "index.html").is_file()
        assert (built / folder / "qr.svg").is_file() and (built / folder / "qr.png").is_file(), folder
    assert not (built / "p/HG-2030-0001").exists(), "a pending product has no page and no code"
    assert not list(built.glob("en/**/qr.*")), "one code per page, in the default language"


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_png_decodes_to_the_absolute_url(built, folder):
    with Image.open(built / folder / "qr.png") as im:
        assert decode(im) == [EXPECTED[folder]]
        assert im.mode == "1" and not im.info.get("exif")


def test_error_correction_is_at_least_m_and_modules_are_big_enough():
    for url in EXPECTED.values():
        code = qr.make(url)
        assert code.error in ("M", "Q", "H")
        assert code.version <= 7, "at 2 cm wide a module stays ≥ 0.38 mm"
    plain = qr.make("https://so.example.gov.vn/ocop/p/QN-2023-0042/")
    assert plain.error in ("Q", "H"), "a URL with room to spare gets more error correction for free"
    assert plain.size == qr._encode("https://so.example.gov.vn/ocop/p/QN-2023-0042/", "M").size, \
        "never a bigger symbol (smaller modules) for more correction"
    tight = qr.make("https://ocop.example.gov.vn/p/QN-2023-0042/")
    assert (tight.version, tight.error) == (3, "M"), "mixed segments: the smallest symbol the standard allows"


def test_a_code_printed_2_cm_wide_survives_smudges(built):
    """Printed 2 cm wide at 300 dpi, blurred, a blot over part of it, and a JPEG phone photo of it."""
    with Image.open(built / "p/QN-2023-0042/lot/L2024-03/qr.png") as im:
        px = round(2 / 2.54 * 300)          # 2 cm at 300 dpi
        printed = im.convert("L").resize((px, px), Image.Resampling.BOX)
    smudged = printed.filter(ImageFilter.GaussianBlur(1.2))
    draw = ImageDraw.Draw(smudged)
    draw.ellipse((px * 0.42, px * 0.55, px * 0.58, px * 0.68), fill=0)        # an ink blot
    draw.line((px * 0.2, px * 0.3, px * 0.75, px * 0.8), fill=255, width=3)   # a scratch
    photo = io.BytesIO()
    smudged.resize((px // 2 * 3, px // 2 * 3), Image.Resampling.BICUBIC).save(photo, "JPEG", quality=40)
    with Image.open(photo) as seen:
        assert decode(seen) == [EXPECTED["p/QN-2023-0042/lot/L2024-03/"]]


# The SVG rendered to pixels by Chromium and decoded: tests/browser/test_images_qr.py


def test_shown_on_valid_product_pages_with_download_links(built):
    page = read(built, "p/QN-2023-0042/index.html")
    img, = [a for a in page.find("img") if a.get("class") == "qr"]
    assert img["src"] == "/ocop/p/QN-2023-0042/qr.svg" and img["alt"]
    downloads = {a["href"]: a["download"] for a in page.find("a") if a.get("download")}
    assert downloads == {"/ocop/p/QN-2023-0042/qr.svg": "QN-2023-0042-qr.svg",
                         "/ocop/p/QN-2023-0042/qr.png": "QN-2023-0042-qr.png"}
    en = read(built, "en/p/QN-2023-0042/index.html")
    assert [a for a in en.find("img") if a.get("class") == "qr"][0]["src"] == "/ocop/p/QN-2023-0042/qr.svg"
    lot = read(built, "p/QN-2023-0042/lot/L2024-03/index.html")
    assert "/ocop/p/QN-2023-0042/lot/L2024-03/qr.png" in [a.get("href") for a in lot.find("a")]
    # no code to print on the page of a product that lost its rating (the file stays, for old prints)
    revoked = read(built, "p/LS-2022-0001/index.html")
    assert not [a for a in revoked.find("img") if a.get("class") == "qr"]


def test_without_a_campaign_the_code_is_the_bare_url(tmp_path):
    site = write_site(tmp_path / "site", {})
    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))
        assert main(["build", "--source", str(site), "--output", str(out), "--today", TODAY, "--quiet"]) == 0
    with Image.open(out / "p/QN-2023-0042/qr.png") as im:
        assert decode(im) == ["https://ocop.example.gov.vn/p/QN-2023-0042/"]
    assert qr.with_campaign("https://x.vn/p/A/", "a&b=c") == "https://x.vn/p/A/?utm_source=qr&utm_campaign=a%26b%3Dc"


def test_files_are_deterministic_and_cached(tmp_path):
    code = qr.make(EXPECTED["p/QN-2023-0042/"])
    assert qr.svg(code) == qr.svg(qr.make(EXPECTED["p/QN-2023-0042/"]))
    assert qr.png(code) == qr.png(qr.make(EXPECTED["p/QN-2023-0042/"]))


def test_a_code_that_cannot_be_made_is_a_warning(tmp_path, monkeypatch, capsys):
    site = write_site(tmp_path / "site", {})
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))

    def too_long(text):
        raise ValueError("data too large for any QR code version")
    monkeypatch.setattr(qr, "make", too_long)
    assert main(["build", "--source", str(site), "--output", str(tmp_path / "out"), "--today", TODAY]) == 0
    err = capsys.readouterr().err
    assert "site.yaml:1:1: warning: QR code for https://ocop.example.gov.vn/p/QN-2023-0042/: " \
           "ValueError: data too large for any QR code version [W105]" in err


def _varied_urls(count: int, seed: int) -> list[str]:
    """Product and lot URLs, with and without a campaign, short and long (versions 1 to about 15)."""
    import random
    rnd = random.Random(seed)
    chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
    urls = []
    for _ in range(count):
        code = f"{rnd.choice(['HN', 'QN', 'ND', 'HG'])}-20{rnd.randint(10, 30)}-{rnd.randint(0, 99999):0{rnd.choice([4, 5])}d}"
        url = f"https://{rnd.choice(['ocop.example.gov.vn', 'so.example.gov.vn/ocop', 'x.vn'])}/p/{code}/"
        if rnd.random() < 0.7:
            url += "lot/" + "".join(rnd.choice(chars[26:62]) for _ in range(rnd.randint(1, 14))) + "/"
        if rnd.random() < 0.5:
            url = qr.with_campaign(url, "".join(rnd.choice(chars + " &=ăễ") for _ in range(rnd.randint(1, 40))))
        if rnd.random() < 0.1:
            url += "#" + "".join(rnd.choice(chars) for _ in range(rnd.randint(1, 300)))
        urls.append(url)
    return urls


def test_png_is_written_with_pillows_bytes():
    """``png`` writes the PNG itself (rows, filters, zlib, chunks) to spare Pillow's time: the
    bytes must be those Pillow writes, for every kind of symbol and any scale it takes."""
    assert qr._direct_png_matches_pillow(), "this Python's zlib compresses as Pillow's does"
    for i, url in enumerate(_varied_urls(400, seed=5)):
        code = qr.make(url)
        for scale in (10,) if i % 20 else (8, 9, 10, 12, 16):
            direct = qr._png_direct(code, scale)
            assert direct is not None and direct == qr._png_pillow(code, scale), (url, scale)
    assert qr.png(code) == qr._png_pillow(code)
    assert qr.png(code, 3) == qr._png_pillow(code, 3), "small scales: Pillow's own path"


def _svg_runs(code):
    """The SVG of ``qr.svg``, formatted run by run from ``qr.modules``: the plain form."""
    size = (code.size + 2 * qr.BORDER) * qr.SVG_SCALE
    path = "".join(f"M{(col + qr.BORDER) * qr.SVG_SCALE} {(row + qr.BORDER) * qr.SVG_SCALE}h{length * qr.SVG_SCALE}"
                   f"v{qr.SVG_SCALE}h-{length * qr.SVG_SCALE}z" for row, col, length in qr.modules(code))
    return qr._svg_document(size, path)


def test_svg_is_the_run_by_run_text():
    for url in _varied_urls(400, seed=6):
        code = qr.make(url)
        assert qr.svg(code) == _svg_runs(code), url


def test_a_level_is_not_encoded_when_no_encoding_could_fit():
    """``make`` skips encoding a level whose symbol is bigger for sure: the result is that of
    encoding every level it tries, for URLs and for texts mixing digits, capitals and others."""
    import random
    rnd = random.Random(7)
    texts = _varied_urls(300, seed=8) + ["https://so.example.gov.vn/ocop/p/QN-2023-0042/", "0" * 40, "HELLO WORLD" * 3]
    for _ in range(300):
        kinds = ["0123456789", "ABCXYZ $%*+-./:", "abcxyz?=&#_", "ăễ"]
        texts.append("".join(rnd.choice(rnd.choice(kinds)) for _ in range(rnd.randint(1, 40))
                             for _ in range(rnd.randint(1, 3))) * rnd.randint(1, 8))
    skipped = 0
    for text in texts:
        code = qr.make(text)
        assert code == qr.make(text, shortcut=False), text
        skipped += qr._cannot_fit(text, code.version, "Q")
    assert skipped > len(texts) // 3, "the shortcut is taken"


@pytest.mark.parametrize("level", ["Q", "H"])
def test_capacities_are_the_encoders(level):
    """The longest lowercase text (byte mode) that fits in each version, from ``_data_bits``,
    gives that version; one byte more, the next one."""
    for version in range(1, 41):
        length = (qr._data_bits(version, level) - 4 - (8 if version <= 9 else 16)) // 8
        assert qr._encode("a" * length, level).version == version
        if version < 40:
            assert qr._encode("a" * (length + 1), level).version == version + 1
    for text in ("a" * qr._SHORTCUT_LENGTH, "a%B1" * (qr._SHORTCUT_LENGTH // 4)):
        assert qr._encode(text, "H").version <= 40, "any short ASCII text fits at every level (none raises)"
