"""The print kit: A4 PDF of QR cards and shelf posters, read back with pdftoppm/pdftotext and zxing-cpp."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from helpers import PRODUCT, ROOT, write_site
from PIL import Image

from ocop_site.commands.cli import main
from ocop_site.records.catalog import load_catalog
from ocop_site.records.validity import standing

zxingcpp = pytest.importorskip("zxingcpp")

TODAY = "2026-11-30"


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes", "on"):
            pytest.fail(f"{tool} is not installed (apt-get install poppler-utils; CI must install it)")
        pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")
    return path


def pages(pdf: Path, dpi: int = 150) -> list[Image.Image]:
    """The PDF rasterised by poppler, one image a page."""
    prefix = pdf.with_suffix("")
    subprocess.run([poppler("pdftoppm"), "-r", str(dpi), "-gray", "-png", str(pdf), str(prefix)], check=True)
    out = []
    for path in sorted(pdf.parent.glob(prefix.name + "-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with Image.open(path) as im:
            out.append(im.copy())
    return out


def text(pdf: Path) -> str:
    return subprocess.run([poppler("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def codes(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def run(*args: str) -> int:
    return main(["print", "--today", TODAY, *args])


@pytest.fixture(scope="module")
def sample_kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit") / "the kit.pdf"
    assert run("--source", str(ROOT), "--output", str(out), "--campaign", "hoi-cho-2026") == 0
    return out


def valid_sample_products() -> dict[str, object]:
    catalog, _ = load_catalog(ROOT)
    return {code: e.record for code, e in catalog.products.items()
            if standing(e.record, date.fromisoformat(TODAY)).is_valid}


def test_cards_of_every_valid_product_decode_to_their_urls(sample_kit):
    valid = valid_sample_products()
    rendered = pages(sample_kit)
    assert len(rendered) == -(-len(valid) // 8), "eight cards a page"
    found = [c for im in rendered for c in codes(im)]
    expected = [f"https://ocop.example.gov.vn/p/{code}/?utm_source=qr&utm_campaign=hoi-cho-2026" for code in valid]
    assert sorted(found) == sorted(expected)


def test_cards_show_names_stars_producer_url_and_valid_until_in_vietnamese(sample_kit):
    words = " ".join(text(sample_kit).split())
    catalog, _ = load_catalog(ROOT)
    today = date.fromisoformat(TODAY)
    for code, entry in catalog.products.items():
        st = standing(entry.record, today)
        short = f"ocop.example.gov.vn/p/{code}/"
        if st.is_valid:
            assert short in words and code in words
            assert f"Hiệu lực đến {st.valid_until:%d/%m/%Y}" in words, code
            assert catalog.producers[entry.record.producer].record.name.split()[-1] in words
        else:
            assert short not in words, f"{code} is not valid today and must not be printed"
    # a sample of names, exactly as written (NFC, with every diacritic)
    for name in ("Mật ong bạc hà Mèo Vạc", "Bạch trà Shan tuyết cổ thụ", "Chả mực giã tay Vân Đồn"):
        assert " ".join(name.split()[:2]) in words, name


def test_qr_codes_are_vector_and_the_pdf_is_reproducible(sample_kit, tmp_path):
    data = sample_kit.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Subtype /Image" not in data, "no raster image: vector QR codes"
    assert re.search(rb"/CreationDate \(D:20261130000000\+07'00'\)", data), "the --today date, not the clock"
    again = tmp_path / "again.pdf"
    assert run("--source", str(ROOT), "--output", str(again), "--campaign", "hoi-cho-2026") == 0
    assert again.read_bytes() == data


def test_small_codes_still_decode_at_print_resolution(sample_kit):
    """At 100 dpi a module of the 4.4 cm codes is about 3 pixels: still read."""
    first = pages(sample_kit, dpi=100)[0]
    assert len(codes(first)) == 8


# --- a small site: filters, poster, errors ------------------------------------------------------

SITE = {
    "site.yaml": "title: Test OCOP\nbase_url: https://ocop.example.gov.vn/\nlanguages: [vi, en]\nqr: {campaign: site-wide}\n",
    "content/sales-points/cho-dong-dang.md": "---\nname: Chợ Đồng Đăng\naddress: Thị trấn Đồng Đăng\ncoordinates: {lat: 21.95, lon: 106.7}\n---\n",
    "products/LS-2024-0019.yaml": PRODUCT.format(code="LS-2024-0019")
    .replace("name: Mật ong bạc hà", "name: Bánh đa Đồng Đăng").replace("province: Hà Giang", "province: Lạng Sơn")
    .replace("[diem-meo-vac]", "[diem-meo-vac, cho-dong-dang]"),
    "products/LS-2024-0020.yaml": PRODUCT.format(code="LS-2024-0020")
    .replace("name: Mật ong bạc hà", "name: Khăn thổ cẩm Lũng Cú").replace("category: food", "category: handicraft")
    .replace("province: Hà Giang", "province: Lạng Sơn").replace("[diem-meo-vac]", "[cho-dong-dang]"),
    "products/HG-2024-0007.yaml": PRODUCT.format(code="HG-2024-0007")                 # Hà Giang, as written
    .replace("name: Mật ong bạc hà", "name: Trà shan tuyết").replace("category: food", "category: herbal"),
    "products/LS-2020-0001.yaml": PRODUCT.format(code="LS-2020-0001")
    .replace("name: Mật ong bạc hà", "name: Sản phẩm đã hết hạn").replace("issued: 2024-05-13", "issued: 2020-05-13")
    .replace("[diem-meo-vac]", "[cho-dong-dang]"),
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("small") / "site", SITE)


def test_filters_by_category_and_province(small, tmp_path):
    out = tmp_path / "a.pdf"
    assert run("--source", str(small), "--output", str(out), "--category", "handicraft") == 0
    assert codes(pages(out)[0]) == ["https://ocop.example.gov.vn/p/LS-2024-0020/?utm_source=qr&utm_campaign=site-wide"]
    assert run("--source", str(small), "--output", str(out), "--province", "lạng sơn", "--campaign", "") == 0
    assert sorted(codes(pages(out)[0])) == ["https://ocop.example.gov.vn/p/LS-2024-0019/",
                                            "https://ocop.example.gov.vn/p/LS-2024-0020/"]


def test_shelf_poster_of_a_sales_point(small, tmp_path):
    out = tmp_path / "poster.pdf"
    assert run("--source", str(small), "--output", str(out), "--sales-point", "cho-dong-dang") == 0
    assert sorted(codes(pages(out)[0])) == [f"https://ocop.example.gov.vn/p/{c}/?utm_source=qr&utm_campaign=site-wide"
                                            for c in ("LS-2024-0019", "LS-2024-0020")]
    words = " ".join(text(out).split())
    assert "Chợ Đồng Đăng" in words and "Thị trấn Đồng Đăng" in words
    assert "LS-2024-0019" in words and "LS-2024-0020" in words and "Khăn thổ cẩm Lũng Cú" in words
    assert "LS-2020-0001" not in words and "hết hạn" not in words, "only valid products"


def test_wrong_usage_and_nothing_to_print(small, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert run("--source", str(small)) == 2                                          # no --output
    assert run("--source", str(small), "--output", str(out), "--category", "food-x") == 2
    assert run("--source", str(small), "--output", str(out), "--sales-point", "cho-dong-dan") == 2
    assert "did you mean 'cho-dong-dang'" in capsys.readouterr().err
    assert run("--source", str(small), "--output", str(tmp_path)) == 2               # a folder
    assert run("--source", str(small), "--output", str(out), "--province", "Cà Mau") == 1   # a province, no product
    assert "no valid product matches" in capsys.readouterr().err and not out.exists()
    assert run("--source", str(small), "--output", str(out), "--province", "Cà Mao") == 2
    assert "--province Cà Mao: not a province of Vietnam, before or after the July 2025 reform, nor one the " \
           "records name; did you mean 'Cà Mau'?" in capsys.readouterr().err and not out.exists()


def test_province_selection_across_the_2025_reform(small, tmp_path):
    """Tuyên Quang takes in the records that still say Hà Giang; Hà Giang takes only those."""
    out = tmp_path / "p.pdf"
    written_ha_giang = sorted(f"https://ocop.example.gov.vn/p/{c}/" for c in ("HG-2024-0007", "QN-2023-0042"))
    for name in ("Tuyên Quang", "tuyen-quang", "Hà Giang", "tỉnh Hà Giang"):
        assert run("--source", str(small), "--output", str(out), "--province", name, "--campaign", "") == 0, name
        assert sorted(codes(pages(out)[0])) == written_ha_giang, name


def test_data_errors_print_nothing(tmp_path, capsys):
    site = write_site(tmp_path / "site", {"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
                                          .replace("stars: 4", "stars: 6")})
    out = tmp_path / "kit.pdf"
    assert run("--source", str(site), "--output", str(out)) == 1
    assert "[E206]" in capsys.readouterr().err and not out.exists()


# --- stamp sheets: print --lots -----------------------------------------------------------------

def test_lot_labels_of_the_sample_decode_to_their_lot_pages_at_200_dpi(tmp_path, capsys):
    out = tmp_path / "tem lô.pdf"
    assert run("--source", str(ROOT), "--output", str(out), "--lots") == 0
    err = capsys.readouterr().err
    catalog, _ = load_catalog(ROOT)
    today = date.fromisoformat(TODAY)
    valid = valid_sample_products()
    expected = sorted(f"https://ocop.example.gov.vn/p/{code}/lot/{b.lot}/?utm_source=qr&utm_campaign=hoi-cho-ocop-2026"
                      for code, record in valid.items() for b in record.batches)
    rendered = pages(out, dpi=200)
    assert len(rendered) == -(-len(expected) // 42), "42 labels a page"
    assert sorted(c for im in rendered for c in codes(im)) == expected
    words = " ".join(text(out).split())
    for record in valid.values():
        assert record.name in words or record.name[:20] in words
        assert all(b.lot in words for b in record.batches)
    assert f"printed {len(expected)} lot label(s)" in err
    ended = [code for code, e in catalog.products.items()
             if standing(e.record, today).has_page and not standing(e.record, today).is_valid and e.record.batches]
    assert ended, "the sample has expired and revoked products with lots"
    for code in ended:
        assert f"products/{code}.yaml:" in err and f": warning: {code} (" in err
        assert not any(f"/p/{code}/" in c for c in expected)
    assert err.count("[W115]") == len(ended)


def test_lot_labels_are_2_cm_with_crop_marks(small, tmp_path):
    from ocop_site.commands import printkit
    out = tmp_path / "lots.pdf"
    assert run("--source", str(small), "--output", str(out), "--lots", "--product", "LS-2024-0019", "--campaign", "") == 0
    page = pages(out, dpi=200)[0]
    found = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == ["https://ocop.example.gov.vn/p/LS-2024-0019/lot/L2024-03/"]
    pos = found[0].position
    side_mm = (pos.top_right.x - pos.top_left.x) / 200 * 25.4
    assert 19.0 <= side_mm <= 20.5, side_mm   # the finder corners span the symbol, 2 cm without its quiet zone
    px = lambda mm: round(mm / 25.4 * 200)  # noqa: E731
    grey = page.convert("L")
    # a mark in the top margin on the label's left and right cut lines, none between them
    for x_mm in (printkit.LABEL_X0, printkit.LABEL_X0 + printkit.LABEL_W):
        y_mm = printkit.LABEL_Y0 - printkit.CROP_GAP - printkit.CROP_LEN / 2
        assert min(grey.getpixel((px(x_mm) + d, px(y_mm))) for d in (-1, 0, 1)) < 128, x_mm
    assert grey.getpixel((px(printkit.LABEL_X0 + printkit.LABEL_W / 2), px(printkit.LABEL_Y0 - 3))) > 200
    words = " ".join(text(out).split())
    assert "L2024-03" in words and "Bánh đa Đồng Đăng" in words


def test_lots_of_an_ended_product_are_refused(small, tmp_path, capsys):
    out = tmp_path / "lots.pdf"
    assert run("--source", str(small), "--output", str(out), "--lots", "--product", "LS-2020-0001") == 1
    err = capsys.readouterr().err
    assert "products/LS-2020-0001.yaml:" in err and "[E403]" in err
    assert "--product LS-2020-0001 (Sản phẩm đã hết hạn): its OCOP rating expired on 13/05/2023" in err
    assert "nothing was written" in err and not out.exists()
    # a producer's sheets: its valid products' lots, the ended one named and left out
    assert run("--source", str(small), "--output", str(out), "--lots", "--producer", "htx-mat-ong") == 0
    err = capsys.readouterr().err
    assert "LS-2020-0001 (Sản phẩm đã hết hạn): its OCOP rating expired on 13/05/2023" in err and "[W115]" in err
    found = sorted(codes(pages(out, dpi=200)[0]))
    assert found == sorted(f"https://ocop.example.gov.vn/p/{c}/lot/L2024-03/?utm_source=qr&utm_campaign=site-wide"
                           for c in ("LS-2024-0019", "LS-2024-0020", "HG-2024-0007", "QN-2023-0042"))


def test_product_and_producer_narrow_cards_too(small, tmp_path):
    out = tmp_path / "cards.pdf"
    assert run("--source", str(small), "--output", str(out), "--product", "LS-2024-0020", "--campaign", "") == 0
    assert codes(pages(out)[0]) == ["https://ocop.example.gov.vn/p/LS-2024-0020/"]
    assert run("--source", str(small), "--output", str(out), "--producer", "htx-mat-ong", "--campaign", "") == 0
    assert len(codes(pages(out)[0])) == 4


def test_lots_wrong_usage(small, tmp_path, capsys):
    out = tmp_path / "lots.pdf"
    assert run("--source", str(small), "--output", str(out), "--lots", "--product", "LS-2024-001") == 2
    assert "--product LS-2024-001: there is no products/LS-2024-001.yaml" in capsys.readouterr().err
    assert run("--source", str(small), "--output", str(out), "--lots", "--producer", "htx-mat-on") == 2
    assert "did you mean 'htx-mat-ong'" in capsys.readouterr().err
    assert run("--source", str(small), "--output", str(out), "--lots", "--category", "tourism") == 1
    assert "no lot of a valid product matches" in capsys.readouterr().err and not out.exists()
