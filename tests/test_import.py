"""``ocop-site import`` (SPEC §8): spreadsheets as offices keep them → records that ``check`` accepts.

The sheets are made here with openpyxl (merged title rows, Excel dates), odfpy (.ods), xlwt
(.xls) and Python's cp1258 codec (CSV as Excel writes it on a Vietnamese Windows). The expected
records are worked out by hand from the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from helpers import ROOT

from ocop_site.commands.cells import Bad, header_role, parse_address, parse_date, parse_decision, parse_stars
from ocop_site.commands.cli import main
from ocop_site.commands.importer import append_certification
from ocop_site.records.sources import CONTROL_CHARACTERS

PRODUCT_WITH_COMMENTS = """\
# Hồ sơ do cán bộ huyện nhập tay — đừng xoá dòng này
code: LS-2021-0009
name: Bánh đa Đồng Đăng
category: food
subgroup: Bánh
producer: hkd-banh-da-dong-dang   # hộ kinh doanh
location: {province: Lạng Sơn, district: Cao Lộc, commune: Đồng Đăng}
certifications:
  # lần đầu
  - decision: 4521/QĐ-UBND
    issued: 2021-09-14
    issuer: "UBND huyện Cao Lộc"
    level: district
    stars: 3     # ba sao

# các lô sản xuất
batches:
  - {lot: L2024-01, produced: 2024-01-05}
"""

PRODUCER_BANH_DA = """\
---
name: Hộ kinh doanh Bánh đa Đồng Đăng
type: household
---
"""


@pytest.fixture
def site(make_site):
    """An office's site: site.yaml, one producer and one product (from the shared test site)."""
    return make_site()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_import(capsys, *args) -> tuple[int, str, str]:
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": error: " in line or ": warning: " in line]


# --- the sheets -------------------------------------------------------------------------------

def annex_xlsx(path: Path) -> Path:
    """An annex of a rating decision as provinces publish it: title rows merged across the table,
    the decision in the title, a two-row header (Địa chỉ over Xã, Huyện, Tỉnh), a row of column
    numbers, groups as section rows, stars in words and symbols, a score without stars."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws["A1"] = "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
    ws.merge_cells("A1:H1")
    ws["A2"] = "DANH SÁCH SẢN PHẨM ĐẠT CHUẨN OCOP NĂM 2024"
    ws.merge_cells("A2:H2")
    ws["A3"] = "(Kèm theo Quyết định số 1234/QĐ-UBND ngày 27/02/2024 của UBND tỉnh Lạng Sơn)"
    ws.merge_cells("A3:H3")
    ws.append([])
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", None, None, "Hạng sao", "Điểm"])
    ws.merge_cells("D5:F5")
    ws.append([None, None, None, "Xã/Phường", "Huyện", "Tỉnh", None, None])
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"])
    ws.append(["I", "NHÓM THỰC PHẨM"])
    ws.append([1, "Bánh đa Đồng Đăng", "Hộ kinh doanh Bánh đa Đồng Đăng", "Thị trấn Đồng Đăng", "Cao Lộc",
               "Lạng Sơn", "Bốn sao", 76])
    ws.append([2, "Miến dong Văn Quan", "HTX Nông sản Văn Quan", "xã Văn An", "huyện Văn Quan", "tỉnh Lạng Sơn",
               "3 sao", None])
    ws.append(["II", "NHÓM ĐỒ UỐNG"])
    ws.append([3, "Rượu men lá Mẫu Sơn", "Công ty TNHH Rượu Mẫu Sơn", "Mẫu Sơn", "Lộc Bình", "Lạng Sơn", "5★", 91])
    ws.append([4, "Trà hoa vàng Bình Gia", "Tổ hợp tác Trà Bình Gia", "Hoa Thám", "Bình Gia", "Lạng Sơn", None, 72.5])
    ws.append([])
    ws.append([None, "Tổng cộng: 4 sản phẩm"])
    wb.save(path)
    return path


ANNEX_BANH_DA = """\
# Imported from annex.xlsx, sheet 'Phụ lục', row 9.
code: LS-2024-0001
name: Bánh đa Đồng Đăng
category: food
producer: hkd-banh-da-dong-dang
location:
  province: Lạng Sơn
  district: Cao Lộc
  commune: Đồng Đăng
certifications:
  - decision: 1234/QĐ-UBND
    issued: 2024-02-27
    issuer: UBND tỉnh Lạng Sơn
    level: province
    stars: 4
"""

ANNEX_TRA = """\
# Imported from annex.xlsx, sheet 'Phụ lục', row 13.
code: LS-2024-0004
name: Trà hoa vàng Bình Gia
category: beverage
producer: tht-tra-binh-gia
location:
  province: Lạng Sơn
  district: Bình Gia
  commune: Hoa Thám
certifications:
  - decision: 1234/QĐ-UBND
    issued: 2024-02-27
    issuer: UBND tỉnh Lạng Sơn
    level: province
    stars: 4
"""

ANNEX_PRODUCER = """\
---
# Imported from annex.xlsx, sheet 'Phụ lục', row 9.
name: Hộ kinh doanh Bánh đa Đồng Đăng
type: household
location:
  province: Lạng Sơn
  district: Cao Lộc
  commune: Đồng Đăng
---
"""


def consolidated_xlsx(path: Path) -> Path:
    """A consolidated list in other words: codes, the decision and its date in one cell or as an
    Excel date, text dates, an address as the only location, groups and sub-groups by name."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["TT", "Mã SP", "Sản phẩm", "Đơn vị sản xuất", "Người đại diện", "Số điện thoại", "Địa chỉ",
               "Ngành hàng", "Bộ sản phẩm", "Số sao", "Quyết định công nhận", "Ngày công nhận", "Cơ quan công nhận",
               "Ghi chú"])
    ws.append([1, "LS-2023-0200", "Hồng vành khuyên sấy dẻo", "HTX Hồng Bảo Lâm", "Hoàng Văn Tính", "0912345678",
               "Thôn Pác Lạn, xã Bảo Lâm, huyện Cao Lộc, tỉnh Lạng Sơn", "Thực phẩm", "Rau, củ, quả sấy", "4 sao",
               "512/QĐ-UBND ngày 05/03/2023", None, "UBND tỉnh Lạng Sơn", "đạt lần đầu"])
    ws.append([2, "LS-2024-0311", "Tinh dầu hồi Văn Quan", "Cty TNHH Tinh dầu An Phú", None, None,
               "Phố Đức Tâm, thị trấn Văn Quan, huyện Văn Quan, Lạng Sơn", "Thảo dược", "Tinh dầu", 3,
               "88/QĐ-UBND", datetime(2024, 1, 9), "UBND huyện Văn Quan", None])
    ws.append([3, None, "Gốm men tro Bát Tràng", "Xưởng gốm Minh An", None, None,
               "Thôn 3, xã Bát Tràng, thành phố Hà Nội", "Thủ công mỹ nghệ", "Gốm sứ", "Ba sao",
               "6022/QĐ-UBND", "ngày 5 tháng 3 năm 2024", "UBND thành phố Hà Nội", None])
    wb.save(path)
    return path


# --- reading values ----------------------------------------------------------------------------

@pytest.mark.parametrize("cell,stars", [
    (4, 4), (4.0, 4), ("4", 4), ("4 sao", 4), ("4★", 4), ("★★★★★", 5), ("Bốn sao", 4), ("BA SAO", 3),
    ("năm sao", 5), ("Hạng 3 sao", 3), (50, 3), (69.5, 3), (70, 4), (89, 4), (90, 5), (100, 5), ("75,5", 4),
])
def test_stars_as_offices_write_them(cell, stars):
    assert parse_stars(cell)[0] == stars


@pytest.mark.parametrize("cell,message", [
    ("sáu sao", "'sáu sao' is not 3, 4 or 5"), (2, "'2' is not 3, 4 or 5"), (6, "a score of 6 is below 50: the product is not rated OCOP"),
    (45, "a score of 45 is below 50: the product is not rated OCOP"), (101, "a score of 101 is above 100, the most the criteria give"),
    ("đạt", "'đạt' is not a number of stars (3, 4 or 5, '4 sao', 'Bốn sao') or a score"),
])
def test_stars_that_cannot_be(cell, message):
    with pytest.raises(Bad) as exc:
        parse_stars(cell)
    assert str(exc.value) == message


@pytest.mark.parametrize("cell", [
    date(2024, 2, 27), datetime(2024, 2, 27), "27/02/2024", "27-2-2024", "27.02.2024", "2024-02-27",
    "ngày 27 tháng 02 năm 2024", "Ngày 27 tháng 2 năm 2024", 45349, 45349.0,
])
def test_dates_as_offices_write_them(cell):
    assert parse_date(cell) == date(2024, 2, 27)


@pytest.mark.parametrize("cell,message", [
    ("30/02/2024", "'30/02/2024' is not a date: there is no day 30 in month 2 of 2024"),
    ("27/13/2024", "'27/13/2024' is not a date: there is no month 13"),
    ("tháng 2/2024", "'tháng 2/2024' is not a date; write it as 27/02/2024"),
])
def test_impossible_dates(cell, message):
    with pytest.raises(Bad) as exc:
        parse_date(cell)
    assert str(exc.value) == message


def test_a_decision_cell_gives_number_date_and_issuer():
    cell = parse_decision("Quyết định số 1234 / QĐ-UBND ngày 27 tháng 02 năm 2024 của UBND tỉnh Lạng Sơn")
    assert (cell.number, cell.issued, cell.issuer) == ("1234/QĐ-UBND", date(2024, 2, 27), "UBND tỉnh Lạng Sơn")
    cell = parse_decision("1234/QĐ-UBND ngày 27/02/2024")
    assert (cell.number, cell.issued, cell.issuer) == ("1234/QĐ-UBND", date(2024, 2, 27), None)
    assert parse_decision("88/QĐ-UBND").number == "88/QĐ-UBND"
    cell = parse_decision("Quyết định số 12/QĐ-UBND của UBND tỉnh Lạng Sơn ngày 1/2/2024")   # the date last
    assert (cell.number, cell.issued, cell.issuer) == ("12/QĐ-UBND", date(2024, 2, 1), "UBND tỉnh Lạng Sơn")


@pytest.mark.parametrize("address,expected", [
    ("Thôn Nà Pàn, xã Đồng Đăng, huyện Cao Lộc, tỉnh Lạng Sơn",
     {"province": "Lạng Sơn", "district": "Cao Lộc", "commune": "Đồng Đăng"}),
    ("Đồng Đăng, Cao Lộc, Lạng Sơn", {"province": "Lạng Sơn", "district": "Cao Lộc", "commune": "Đồng Đăng"}),
    ("Thôn Pả Vi Hạ, xã Pả Vi, huyện Mèo Vạc, tỉnh Hà Giang",
     {"province": "Hà Giang", "district": "Mèo Vạc", "commune": "Pả Vi"}),
    ("xã Pả Vi, tỉnh Tuyên Quang", {"province": "Tuyên Quang", "commune": "Pả Vi"}),   # after the 2025 reform
    ("Số 12 phố Hàng Bạc, phường Hoàn Kiếm, TP. Hà Nội", {"province": "Hà Nội", "commune": "Hoàn Kiếm"}),
])
def test_an_address_gives_commune_district_and_province(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize("header,role", [
    ("STT", "index"), ("TT", "index"), ("Tên sản phẩm", "name"), ("TÊN SẢN PHẨM", "name"), (" Sản phẩm ", "name"),
    ("Chủ thể", "producer"), ("Tên chủ thể", "producer"), ("Đơn vị sản xuất", "producer"), ("Địa chỉ", "address"),
    ("Xã/Phường", "commune"), ("Huyện", "district"), ("Tỉnh", "province"), ("Nhóm", "category"),
    ("Ngành hàng", "category"), ("Bộ sản phẩm", "subgroup"), ("Phân nhóm", "subgroup"), ("Hạng sao", "stars"),
    ("Số sao", "stars"), ("Phân hạng", "stars"), ("Kết quả", "stars"), ("Điểm", "score"), ("Số quyết định", "decision"),
    ("Quyết định công nhận", "decision"), ("Ngày công nhận", "issued"), ("Mã sản phẩm", "code"),
    ("Hạng sao (3-5)", "stars"), ("Số quyết định công nhận lại", "decision"), ("Ghi chú", None),
])
def test_header_names(header, role):
    assert header_role(header) == role


# --- importing -----------------------------------------------------------------------------------

def test_an_annex_with_title_rows_sections_and_a_two_row_header(site, tmp_path, capsys):
    sheet = annex_xlsx(tmp_path / "annex.xlsx")
    code, _, err = run_import(capsys, sheet, "--source", site)
    assert code == 0, err
    assert errors_of(err) == []
    assert (site / "products/LS-2024-0001.yaml").read_text(encoding="utf-8") == ANNEX_BANH_DA
    assert (site / "products/LS-2024-0004.yaml").read_text(encoding="utf-8") == ANNEX_TRA
    assert (site / "content/producers/hkd-banh-da-dong-dang.md").read_text(encoding="utf-8") == ANNEX_PRODUCER
    miến = (site / "products/LS-2024-0002.yaml").read_text(encoding="utf-8")
    assert "producer: htx-nong-san-van-quan\n" in miến and "  district: Văn Quan\n  commune: Văn An\n" in miến
    assert "stars: 3\n" in miến and "category: food\n" in miến
    rượu = (site / "products/LS-2024-0003.yaml").read_text(encoding="utf-8")
    assert "category: beverage\n" in rượu and "stars: 5\n" in rượu and "producer: cty-ruou-mau-son\n" in rượu
    assert "type: enterprise" in (site / "content/producers/cty-ruou-mau-son.md").read_text(encoding="utf-8")
    assert "type: group" in (site / "content/producers/tht-tra-binh-gia.md").read_text(encoding="utf-8")
    assert err.splitlines()[-1] == ("4 product row(s) of sheet 'Phụ lục': 4 new product(s), 4 new producer(s), "
                                    "0 certification(s) added, 0 already recorded")
    assert main(["check", "--source", str(site), "--today", "2025-01-01"]) == 0
    assert "0 error(s)" in capsys.readouterr().err


def test_a_consolidated_list_in_other_words(site, tmp_path, capsys):
    sheet = consolidated_xlsx(tmp_path / "tong-hop.xlsx")
    code, _, err = run_import(capsys, sheet, "--source", site, "--prefix", "HN")
    assert code == 0, err
    assert errors_of(err) == [
        f"{sheet}:1:14: warning: column 'Ghi chú' is not one ocop-site knows; it is not imported (cell N1) [W501]"]
    assert (site / "products/LS-2023-0200.yaml").read_text(encoding="utf-8") == """\
# Imported from tong-hop.xlsx, sheet 'Tổng hợp', row 2.
code: LS-2023-0200
name: Hồng vành khuyên sấy dẻo
category: food
subgroup: Rau, củ, quả sấy
producer: htx-hong-bao-lam
location:
  province: Lạng Sơn
  district: Cao Lộc
  commune: Bảo Lâm
certifications:
  - decision: 512/QĐ-UBND
    issued: 2023-03-05
    issuer: UBND tỉnh Lạng Sơn
    level: province
    stars: 4
"""
    assert (site / "content/producers/htx-hong-bao-lam.md").read_text(encoding="utf-8") == """\
---
# Imported from tong-hop.xlsx, sheet 'Tổng hợp', row 2.
name: HTX Hồng Bảo Lâm
type: cooperative
representative: Hoàng Văn Tính
location:
  province: Lạng Sơn
  district: Cao Lộc
  commune: Bảo Lâm
address: Thôn Pác Lạn, xã Bảo Lâm, huyện Cao Lộc, tỉnh Lạng Sơn
phone: 0912345678
---
"""
    tinh_dau = (site / "products/LS-2024-0311.yaml").read_text(encoding="utf-8")
    assert "category: herbal\nsubgroup: Tinh dầu\n" in tinh_dau
    assert "    issued: 2024-01-09\n    issuer: UBND huyện Văn Quan\n    level: district\n    stars: 3\n" in tinh_dau
    assert "  district: Văn Quan\n  commune: Văn Quan\n" in tinh_dau
    gom = (site / "products/HN-2024-0001.yaml").read_text(encoding="utf-8")   # no code: --prefix, year, number
    assert "    issued: 2024-03-05\n    issuer: UBND thành phố Hà Nội\n    level: province\n    stars: 3\n" in gom
    assert "location:\n  province: Hà Nội\n  commune: Bát Tràng\n" in gom
    assert main(["check", "--source", str(site), "--today", "2025-01-01"]) == 0


def cp1258(text: str) -> bytes:
    """Text as Excel saves 'CSV' on a Vietnamese Windows: code page 1258, tone marks as separate
    combining characters after the letter (ă â ê ô ơ ư đ precomposed)."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append((base + "".join(c for c in parts if c in tones)).encode("cp1258"))
    return b"".join(out)


CSV = """\
STT,Tên sản phẩm,Tên chủ thể,Địa chỉ,Nhóm,Số sao,Số quyết định,Ngày công nhận
1,Mật ong bạc hà Pả Vi,HTX Mật ong Pả Vi,"xã Pả Vi, huyện Mèo Vạc, tỉnh Hà Giang",Thực phẩm,4 sao,3318/QĐ-UBND,22/12/2023
"""


@pytest.mark.parametrize("encoding,separator", [("cp1258", ","), ("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", ";"),
                                                ("utf-16", "\t")])
def test_csv_saved_by_excel(site, tmp_path, capsys, encoding, separator):
    import csv
    import io
    buf = io.StringIO()
    csv.writer(buf, delimiter=separator, lineterminator="\r\n").writerows(csv.reader(io.StringIO(CSV)))
    path = tmp_path / "danh-sach.csv"
    text = buf.getvalue()
    path.write_bytes(cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    if encoding == "cp1258":
        assert b"\xcc" in path.read_bytes() or b"\xd2" in path.read_bytes()   # tone marks as separate bytes
    code, _, err = run_import(capsys, path, "--source", site, "--issuer", "UBND tỉnh Hà Giang", "--prefix", "HG")
    assert code == 0, err
    record = (site / "products/HG-2023-0001.yaml").read_text(encoding="utf-8")
    assert "name: Mật ong bạc hà Pả Vi\n" in record
    assert "producer: htx-mat-ong\n" in record   # 'HTX Mật ong Pả Vi' is the test site's producer htx-mat-ong
    assert "  commune: Pả Vi\n" in record and "    issued: 2023-12-22\n" in record


def test_a_csv_that_is_no_known_encoding_is_an_error_naming_the_file(site, tmp_path, capsys):
    path = tmp_path / "hong.csv"
    path.write_bytes("Tên sản phẩm,Chủ thể\n".encode("utf-16-le"))   # UTF-16 without its BOM
    before = tree(site)
    code, _, err = run_import(capsys, path, "--source", site)
    assert code == 1
    assert errors_of(err)[0].startswith(f"{path}:1:3: error: the text is neither UTF-8 nor Windows Vietnamese (cp1258)")
    assert errors_of(err)[0].endswith("save it again from Excel as 'CSV UTF-8' [E503]")
    assert tree(site) == before


def test_ods_and_xls(site, tmp_path, capsys):
    odf = pytest.importorskip("odf.opendocument")
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = odf.OpenDocumentSpreadsheet()
    table = Table(name="Danh sách")
    rows = [["DANH SÁCH SẢN PHẨM OCOP"], [], ["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", "Nhóm", "Phân hạng"],
            ["1", "Chè Shan tuyết Cao Bồ", "HTX Chè Cao Bồ", "xã Cao Bồ, huyện Vị Xuyên, tỉnh Hà Giang", "Đồ uống",
             "4 sao"]]
    for cells in rows:
        tr = TableRow()
        for value in cells:
            tc = TableCell(valuetype="string")
            tc.addElement(P(text=value))
            tr.addElement(tc)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(tmp_path / "danh-sach.ods"))

    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    for r, cells in enumerate([["STT", "Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Số sao", "Ngày công nhận"],
                               [1, "Sáp ong bạc hà", "HTX Mật ong Pả Vi", "Hà Giang", "Pả Vi", "Thực phẩm", 5, None]]):
        for c, value in enumerate(cells):
            if value is not None:
                ws.write(r, c, value)
    ws.write(1, 7, datetime(2024, 5, 13), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    book.save(str(tmp_path / "cu.xls"))

    args = ("--source", site, "--decision", "3318/QĐ-UBND", "--issued", "2023-12-22", "--issuer", "UBND tỉnh Hà Giang",
            "--prefix", "HG")
    code, _, err = run_import(capsys, tmp_path / "danh-sach.ods", *args)
    assert code == 0, err
    che = (site / "products/HG-2023-0001.yaml").read_text(encoding="utf-8")
    assert "category: beverage\n" in che and "  district: Vị Xuyên\n  commune: Cao Bồ\n" in che and "stars: 4\n" in che
    code, _, err = run_import(capsys, tmp_path / "cu.xls", *args)
    assert code == 0, err
    mat_ong = (site / "products/HG-2024-0001.yaml").read_text(encoding="utf-8")   # the sheet's date wins
    assert "    issued: 2024-05-13\n" in mat_ong and "stars: 5\n" in mat_ong and "level: province\n" in mat_ong


def test_a_renewal_appends_to_the_existing_record_and_keeps_every_other_byte(make_site, tmp_path, capsys):
    site = make_site({"products/LS-2021-0009.yaml": PRODUCT_WITH_COMMENTS,
                      "content/producers/hkd-banh-da-dong-dang.md": PRODUCER_BANH_DA})
    before = (site / "products/LS-2021-0009.yaml").read_bytes()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Hạng sao", "Số quyết định", "Ngày công nhận"])
    ws.append([1, "Bánh đa Đồng Đăng", "HỘ KINH DOANH BÁNH ĐA ĐỒNG ĐĂNG", "Lạng Sơn", "Đồng Đăng", "Thực phẩm",
               4, "612/QĐ-UBND", datetime(2024, 9, 10)])
    wb.save(tmp_path / "cong-nhan-lai.xlsx")
    code, _, err = run_import(capsys, tmp_path / "cong-nhan-lai.xlsx", "--source", site, "--issuer", "UBND tỉnh Lạng Sơn")
    assert code == 0, err
    assert "  add certification 612/QĐ-UBND to products/LS-2021-0009.yaml" in err.splitlines()
    after = (site / "products/LS-2021-0009.yaml").read_bytes()
    added = ("  - decision: 612/QĐ-UBND\n    issued: 2024-09-10\n    issuer: UBND tỉnh Lạng Sơn\n"
             "    level: province\n    stars: 4\n").encode()
    cut = before.index(b"    stars: 3     # ba sao\n") + len(b"    stars: 3     # ba sao\n")
    assert after == before[:cut] + added + before[cut:]
    assert not (site / "content/producers").joinpath("ho-kinh-doanh-banh-da-dong-dang.md").exists()
    assert main(["check", "--source", str(site), "--today", "2025-01-01"]) == 0
    capsys.readouterr()

    files = tree(site)   # the same file again: nothing changes
    code, _, err = run_import(capsys, tmp_path / "cong-nhan-lai.xlsx", "--source", site, "--issuer", "UBND tỉnh Lạng Sơn")
    assert code == 0 and tree(site) == files
    assert err.splitlines()[-1].endswith("0 new product(s), 0 new producer(s), 0 certification(s) added, 1 already recorded")


def test_appending_keeps_crlf_line_ends_and_a_missing_final_newline():
    text = "code: X\r\ncertifications:\r\n- decision: 1/QĐ\r\n  issued: 2024-01-01\r\n  stars: 3"
    new = append_certification(text, {"decision": "2/QĐ", "issued": date(2025, 1, 1), "issuer": "UBND", "stars": 4})
    assert new == text + "\r\n- decision: 2/QĐ\r\n  issued: 2025-01-01\r\n  issuer: UBND\r\n  stars: 4"


def test_importing_twice_changes_nothing(site, tmp_path, capsys):
    sheet = annex_xlsx(tmp_path / "annex.xlsx")
    assert run_import(capsys, sheet, "--source", site)[0] == 0
    files = tree(site)
    stamps = {p: (site / p).stat().st_mtime_ns for p in files}
    code, _, err = run_import(capsys, sheet, "--source", site)
    assert code == 0 and tree(site) == files
    assert {p: (site / p).stat().st_mtime_ns for p in files} == stamps
    assert err.splitlines()[-1].endswith("0 new product(s), 0 new producer(s), 0 certification(s) added, 4 already recorded")


def bad_sheet(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", "Nhóm", "Hạng sao", "Số quyết định", "Ngày công nhận"])
    ws.append([1, "Miến dong", "HTX Miến dong Bình Liêu", "xã Đồng Văn, huyện Bình Liêu, tỉnh Quảng Ninh",
               "Thực phẩm", 4, "52/QĐ-UBND", "12/01/2024"])
    ws.append([2, "Mứt gừng", "HTX Mứt", "xã Đồng Văn, huyện Bình Liêu, tỉnh Quảng Ninh", "Thực phẩm", "sáu sao",
               "53/QĐ-UBND", "30/02/2024"])
    ws.append([3, "Gà đồi", "HTX Gà", "huyện Bình Liêu", "Chăn nuôi", 3, "54/QĐ-UBND", "12/01/2024"])
    wb.save(path)
    return path


def test_bad_rows_are_diagnostics_and_nothing_is_written(site, tmp_path, capsys):
    sheet = bad_sheet(tmp_path / "annex.xlsx")
    before = tree(site)
    code, _, err = run_import(capsys, sheet, "--source", site, "--issuer", "UBND tỉnh Quảng Ninh")
    assert code == 1
    assert errors_of(err) == [
        f"{sheet}:3:6: error: stars: 'sáu sao' is not 3, 4 or 5 (cell F3) [E506]",
        f"{sheet}:3:8: error: issued: '30/02/2024' is not a date: there is no day 30 in month 2 of 2024 (cell H3) [E507]",
        f"{sheet}:4:4: error: location: no commune (xã, phường) in the address 'huyện Bình Liêu' (cell D4) [E505]",
        f"{sheet}:4:5: error: category: 'Chăn nuôi' is not one of the six product groups (Thực phẩm, Đồ uống, "
        f"Thảo dược, Thủ công mỹ nghệ, Sinh vật cảnh, Dịch vụ du lịch…) (cell E4) [E508]",
    ]
    assert err.rstrip().endswith("nothing was written because of the errors (--keep-going writes the sound rows)")
    assert tree(site) == before


def test_keep_going_writes_the_sound_rows(site, tmp_path, capsys):
    sheet = bad_sheet(tmp_path / "annex.xlsx")
    code, _, err = run_import(capsys, sheet, "--source", site, "--issuer", "UBND tỉnh Quảng Ninh", "--keep-going")
    assert code == 1
    assert "left out because of errors: row(s) 3, 4" in err
    assert sorted(p.name for p in (site / "products").glob("*.yaml")) == ["QN-2023-0042.yaml", "QN-2024-0001.yaml"]
    assert main(["check", "--source", str(site), "--today", "2025-01-01"]) == 0


def test_dry_run_writes_nothing_and_says_what_it_would(site, tmp_path, capsys):
    sheet = annex_xlsx(tmp_path / "annex.xlsx")
    before = tree(site)
    code, _, err = run_import(capsys, sheet, "--source", site, "--dry-run")
    assert code == 0 and tree(site) == before
    assert "  would create products/LS-2024-0001.yaml" in err.splitlines()
    assert "  would create content/producers/hkd-banh-da-dong-dang.md" in err.splitlines()
    assert err.rstrip().endswith("dry run, nothing was written")


def test_json_format(site, tmp_path, capsys):
    sheet = bad_sheet(tmp_path / "annex.xlsx")
    code, out, _ = run_import(capsys, sheet, "--source", site, "--issuer", "UBND tỉnh Quảng Ninh", "--format", "json")
    assert code == 1
    first = json.loads(out)[0]
    assert first == {"path": str(sheet), "line": 3, "col": 6, "severity": "error", "code": "E506",
                     "message": "stars: 'sáu sao' is not 3, 4 or 5 (cell F3)"}


def test_a_producer_of_the_same_folded_name_is_reused(site, tmp_path, capsys):
    """The test site's producer is 'HTX Mật ong Pả Vi' (htx-mat-ong): 'HỢP TÁC XÃ MẬT ONG PẢ VI' is the same."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Số sao", "Số quyết định", "Ngày công nhận"])
    ws.append(["Sáp ong", "HỢP TÁC XÃ MẬT ONG PẢ VI", "Hà Giang", "Pả Vi", "Thực phẩm", 3, "9/QĐ-UBND", "01/02/2024"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", "--source", site, "--issuer", "UBND huyện Mèo Vạc")
    assert code == 0, err
    assert "producer: htx-mat-ong\n" in (site / "products/HG-2024-0001.yaml").read_text(encoding="utf-8")
    assert sorted(p.name for p in (site / "content/producers").iterdir()) == ["htx-mat-ong.md"]


def test_sheets_and_headers_that_are_not_there(site, tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.title = "Ghi chú"
    wb.active.append(["Họ tên", "Điện thoại"])
    wb.save(tmp_path / "x.xlsx")
    code, _, err = run_import(capsys, tmp_path / "x.xlsx", "--source", site)
    assert code == 1
    assert errors_of(err) == [f"{tmp_path / 'x.xlsx'}:1:1: error: no header row found in any sheet: no column is named "
                              f"like a product name ('Tên sản phẩm', 'Sản phẩm'); see docs/import.md for the names "
                              f"understood [E504]"]
    code, _, err = run_import(capsys, tmp_path / "x.xlsx", "--source", site, "--sheet", "PL2")
    assert errors_of(err) == [f"{tmp_path / 'x.xlsx'}:1:1: error: --sheet PL2: no such sheet; the file has 'Ghi chú' [E502]"]
    (tmp_path / "x.txt").write_text("hello")
    code, _, err = run_import(capsys, tmp_path / "x.txt", "--source", site)
    assert code == 1 and "is not a spreadsheet ocop-site reads (.xlsx, .xls, .ods or .csv) [E501]" in err
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    code, _, err = run_import(capsys, tmp_path / "broken.xlsx", "--source", site)
    assert code == 1 and "error: cannot read the spreadsheet:" in err and "Traceback" not in err
    assert main(["import", str(tmp_path / "none.xlsx"), "--source", str(site)]) == 2
    assert capsys.readouterr().err == f"ocop-site: error: {tmp_path / 'none.xlsx'}: no such file\n"
    (tmp_path / "empty").mkdir()
    code, _, err = run_import(capsys, tmp_path / "x.xlsx", "--source", tmp_path / "empty")
    assert code == 1 and errors_of(err) == [
        f"site.yaml:1:1: error: no site.yaml in {tmp_path / 'empty'}; is this a site folder? (import writes into "
        f"--source) [E109]"]
    assert list((tmp_path / "empty").iterdir()) == []


def test_round_trip_import_check_build(site, tmp_path, capsys):
    """import → check → build: the product pages show the stars and the validity of the sheet."""
    sheet = annex_xlsx(tmp_path / "annex.xlsx")
    assert run_import(capsys, sheet, "--source", site)[0] == 0
    out = tmp_path / "public"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    checked = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--source", str(site),
                              "--today", "2026-01-15"], capture_output=True, text=True, timeout=120, env=env)
    assert checked.returncode == 0 and ": error:" not in checked.stderr, checked.stderr
    built = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--source", str(site), "--output", str(out),
                            "--today", "2026-01-15"], capture_output=True, text=True, timeout=300, env=env)
    assert built.returncode == 0, built.stderr
    page = (out / "p/LS-2024-0003/index.html").read_text(encoding="utf-8")
    assert 'data-ocop-status="valid"' in page
    assert "26/02/2027" in page   # 2024-02-27 + 36 months − 1 day
    rows = {p["code"]: p for p in json.loads((out / "catalog.json").read_text(encoding="utf-8"))["products"]}
    assert rows["LS-2024-0003"]["stars"] == 5 and rows["LS-2024-0001"]["stars"] == 4
    assert rows["LS-2024-0004"]["stars"] == 4 and rows["LS-2024-0004"]["valid_until"] == "2027-02-26"


EXAMPLE = ROOT / "examples" / "danh-sach-ocop.xlsx"


def test_the_example_sheet_is_the_sample_catalog(tmp_path, capsys):
    """Into the sample site it changes nothing; into an empty site it gives the sample's products,
    with the same stars and validity, and check finds no error."""
    import shutil

    sample = tmp_path / "sample"
    shutil.copytree(ROOT, sample, ignore=shutil.ignore_patterns(".git", "public", "examples", "tests", "benchmarks",
                                                                ".*cache*"))
    before = tree(sample)
    code, _, err = run_import(capsys, EXAMPLE, "--source", sample)
    assert code == 0, err
    assert tree(sample) == before
    assert err.splitlines()[-1].endswith(": 0 new product(s), 0 new producer(s), 0 certification(s) added, "
                                         "49 already recorded")

    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(ROOT / "site.yaml", empty / "site.yaml")
    code, _, err = run_import(capsys, EXAMPLE, "--source", empty)
    assert code == 0, err
    assert main(["check", "--source", str(empty), "--today", "2026-11-30"]) == 0
    assert "0 error(s)" in capsys.readouterr().err

    from ocop_site.records.catalog import load_catalog
    from ocop_site.records.validity import standing
    today = date(2026, 11, 30)
    original, _ = load_catalog(sample)
    imported, _ = load_catalog(empty)
    assert sorted(imported.products) == sorted(original.products)
    for code, entry in original.products.items():
        mine, theirs = standing(imported.products[code].record, today), standing(entry.record, today)
        if entry.record.certifications[-1].revoked is None:   # revocations are not in the sheet
            assert (mine.status, mine.stars) == (theirs.status, theirs.stars), code


def test_the_example_sheet_is_current():
    """examples/danh-sach-ocop.xlsx holds what scripts/make_example_sheet.py makes of the sample today."""
    import importlib.util

    import python_calamine

    spec = importlib.util.spec_from_file_location("make_example_sheet", ROOT / "scripts" / "make_example_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.rows(ROOT)
    sheet = python_calamine.CalamineWorkbook.from_path(str(EXAMPLE)).get_sheet_by_index(0)
    found = sheet.to_python(skip_empty_area=False)[6:]

    def plain(value):
        if isinstance(value, datetime):
            return value.date()
        return None if value == "" else value

    assert [[plain(v) for v in row] for row in found] == [[plain(v) for v in row] for row in expected]


def test_docs_list_recognised_header_names():
    """Every name in docs/import.md's table of header names is recognised as its column."""
    doc = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    table = doc.split("### Recognised header names")[1].split("### Values")[0]
    checked = 0
    for line in table.splitlines():
        if not line.startswith("| ") or line.startswith("| column"):
            continue
        role, names = (cell.strip() for cell in line.strip("|").split("|"))
        role = role.split(" ")[0]
        for name in names.split(", "):
            assert header_role(name) == role, (name, role)
            checked += 1
    assert checked > 60


from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@example("a: b")
@example("# x")
@example("No")
@example("0123")
@example("null")
@example("- x")
@example("x\u2028y")
@example("'q")
@example("ok:")
@example("0912345678")
@example("2024-02-30")
@example("[1, 2]")
@given(st.text(min_size=1, max_size=40).map(lambda t: unicodedata.normalize("NFC", t).strip())
       .filter(lambda t: t and not CONTROL_CHARACTERS.search(t)))   # those are E213 in any record
def test_any_text_written_reads_back_as_itself(text):
    """What a cell says (a name, a phone, 'No', '0123', 'a: b', '# x') is written so that the
    project's reader gives back the same text."""
    from ocop_site.commands.importer import scalar
    from ocop_site.records.sources import SourceText, parse_yaml

    data, _, diags = parse_yaml(SourceText("x.yaml", f"name: {scalar(text)}\n"))
    assert not diags and data["name"] == text


def test_a_code_that_names_no_record_for_a_product_the_site_has(site, tmp_path, capsys):
    """The shared test site has QN-2023-0042 'Mật ong bạc hà' of htx-mat-ong: the sheet gives it another code."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã sản phẩm", "Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Số sao", "Số quyết định", "Ngày công nhận"])
    ws.append(["HG-2024-0099", "Mật ong bạc hà", "HTX Mật ong Pả Vi", "Hà Giang", "Pả Vi", "Thực phẩm", 4, "7/QĐ-UBND",
               "01/02/2024"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", "--source", site, "--issuer", "UBND tỉnh Hà Giang")
    assert code == 1
    assert errors_of(err) == [f"{tmp_path / 'a.xlsx'}:2:1: error: code: HG-2024-0099 is not in the site, but "
                              f"products/QN-2023-0042.yaml is the same product (same name and producer); correct the "
                              f"code in the sheet or in the record (cell A2) [E510]"]


def test_command_line_values_that_cannot_be(site, tmp_path, capsys):
    sheet = annex_xlsx(tmp_path / "annex.xlsx")
    assert main(["import", str(sheet), "--source", str(site), "--decision", "12/QĐ ngày 30/02/2024"]) == 2
    assert main(["import", str(sheet), "--source", str(site), "--issued", "27/02/2024"]) == 2
    assert main(["import", str(sheet), "--source", str(site), "--prefix", "L S"]) == 2
    assert main(["import", str(sheet), "--source", str(site), "--level", "tinh"]) == 2
    err = capsys.readouterr().err
    assert "--decision 12/QĐ ngày 30/02/2024: 'ngày 30/02/2024' is not a date: there is no day 30 in month 2 of 2024" in err
    assert "Traceback" not in err


def test_rows_that_are_products_with_little_in_them_and_columns_twice(site, tmp_path, capsys):
    """A numbered row with only a name is a product with its values missing, not a section row (its
    province is the one of the city whose decision it is);
    a province column wins over the address, whose 'TP. Hà Nội' is then not taken for a district;
    a second column of the same kind is named, not imported."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", "Tỉnh", "Nhóm", "Số sao", "Số sao"])
    ws.append([1, "Gốm men lam", "Xưởng gốm Minh An", "xã Bát Tràng, huyện Gia Lâm, TP. Hà Nội", "Hà Nội",
               "Thủ công mỹ nghệ", 4, 3])
    ws.append([2, "Trà hoa vàng"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", "--source", site, "--decision", "6022/QĐ-UBND",
                              "--issued", "2024-03-05", "--issuer", "UBND thành phố Hà Nội", "--keep-going")
    x = tmp_path / "a.xlsx"
    assert errors_of(err) == [
        f"{x}:1:8: warning: column 'Số sao' holds what column G already does; only column G is imported (cell H1) [W501]",
        f"{x}:3:3: error: producer: the producer (chủ thể) is empty (cell C3) [E505]",
        f"{x}:3:4: error: location: no commune (xã, phường) in this row (cell D3) [E505]",
        f"{x}:3:6: error: category: no cell names one of the six product groups (Thực phẩm, Đồ uống, Thảo dược, "
        f"Thủ công mỹ nghệ, Sinh vật cảnh, Dịch vụ du lịch…) (cell F3) [E508]",
        f"{x}:3:7: error: stars: no stars and no score in this row (cell G3) [E505]",
    ]
    assert code == 1
    gom = (site / "products/HN-2024-0001.yaml").read_text(encoding="utf-8")
    assert "location:\n  province: Hà Nội\n  district: Gia Lâm\n  commune: Bát Tràng\n" in gom


def renewal_of_test_product(path: Path) -> Path:
    """A new decision for the shared test site's product QN-2023-0042, by code."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã sản phẩm", "Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Số sao", "Số quyết định", "Ngày công nhận"])
    ws.append(["QN-2023-0042", "Mật ong bạc hà", "HTX Mật ong Pả Vi", "Hà Giang", "Pả Vi", "Thực phẩm", 5,
               "77/QĐ-UBND", "01/06/2027"])
    ws.append([None, "Sáp ong", "HTX Mật ong Pả Vi", "Hà Giang", "Pả Vi", "Thực phẩm", 3, "78/QĐ-UBND", "01/06/2027"])
    wb.save(path)
    return path


def test_a_record_that_cannot_take_a_certification(make_site, tmp_path, capsys):
    from helpers import PRODUCT
    flow = PRODUCT.format(code="QN-2023-0042").replace(
        "certifications:\n  - decision: 1234/QĐ-UBND\n    issued: 2024-05-13\n    issuer: UBND huyện Mèo Vạc\n"
        "    level: district\n    stars: 4\n",
        "certifications: [{decision: 1234/QĐ-UBND, issued: 2024-05-13, issuer: UBND huyện Mèo Vạc, stars: 4}]\n")
    site = make_site({"products/QN-2023-0042.yaml": flow})
    before = (site / "products/QN-2023-0042.yaml").read_bytes()
    sheet = renewal_of_test_product(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, sheet, "--source", site, "--issuer", "UBND tỉnh Hà Giang", "--keep-going")
    assert code == 1
    assert errors_of(err) == [
        f"{sheet}:2:2: error: cannot add a certification to products/QN-2023-0042.yaml: its certifications are "
        f"written as a [flow list]; write them one per line ('- decision: …') so a new one can be added (cell B2) [E511]"]
    assert "left out because of errors: row(s) 2" in err
    assert (site / "products/QN-2023-0042.yaml").read_bytes() == before
    assert (site / "products/HG-2027-0001.yaml").is_file()   # the sound row is written


def test_what_would_not_pass_check_is_never_written(site, tmp_path, capsys, monkeypatch):
    """The files are read back with check's reader and schema before anything is written."""
    from ocop_site.commands import importer
    real = importer.product_text
    monkeypatch.setattr(importer, "product_text", lambda *a: real(*a).replace("stars: 3", "stars: 8"))
    sheet = renewal_of_test_product(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, sheet, "--source", site, "--issuer", "UBND tỉnh Hà Giang", "--keep-going")
    assert code == 1
    assert [e for e in errors_of(err) if "[E513]" in e] == [
        f"{sheet}:3:2: error: products/HG-2027-0001.yaml would not be valid, line 14: stars: 8 is out of "
        f"range: it must be from 3 to 5 (cell B3) [E513]"]
    assert not (site / "products/HG-2027-0001.yaml").exists()
    assert "    stars: 5\n" in (site / "products/QN-2023-0042.yaml").read_text(encoding="utf-8")   # the sound row


def test_a_producer_merged_beside_its_products(site, tmp_path, capsys):
    """Annexes often write a producer (and the decision) once, merged down beside its products, and a
    section row merged across the table: each product gets the producer, the section stays a section."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Hạng sao", "Số quyết định"])
    ws.append(["I. NHÓM ĐỒ UỐNG"])
    ws.merge_cells("A2:G2")
    ws.append([1, "Rượu ngô Bắc Hà", "HTX Nông sản Bắc Hà", "Lào Cai", "Bắc Hà", 4, "45/QĐ-UBND ngày 03/04/2024"])
    ws.append([2, "Rượu thóc Bắc Hà", None, "Lào Cai", "Bắc Hà", 3, None])
    ws.append([3, "Rượu mận Bắc Hà", None, "Lào Cai", "Bắc Hà", "3 sao", None])
    ws.merge_cells("C3:C5")
    ws.merge_cells("G3:G5")
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", "--source", site, "--issuer", "UBND tỉnh Lào Cai")
    assert code == 0, err
    texts = [(site / f"products/LC-2024-000{n}.yaml").read_text(encoding="utf-8") for n in (1, 2, 3)]
    assert all("producer: htx-nong-san-bac-ha\n" in t and "category: beverage\n" in t for t in texts)
    assert all("  - decision: 45/QĐ-UBND\n    issued: 2024-04-03\n" in t for t in texts)
    assert [t.count("stars: 4") for t in texts] == [1, 0, 0]


def test_a_namesake_of_another_producer_is_named(site, tmp_path, capsys):
    """'Mật ong bạc hà' exists (QN-2023-0042, htx-mat-ong); the sheet writes its producer otherwise."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tên sản phẩm", "Chủ thể", "Tỉnh", "Xã", "Nhóm", "Số sao", "Số quyết định", "Ngày công nhận"])
    ws.append(["Mật ong bạc hà", "Hợp tác xã Mật ong bạc hà Pả Vi", "Hà Giang", "Pả Vi", "Thực phẩm", 5, "9/QĐ-UBND",
               "01/02/2027"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", "--source", site, "--issuer", "UBND tỉnh Hà Giang")
    assert code == 0
    assert errors_of(err) == [
        f"{tmp_path / 'a.xlsx'}:2:2: warning: products/QN-2023-0042.yaml has the same name under producer "
        f"'htx-mat-ong'; a new record is made for this producer. If it is the same product, give its code in a "
        f"code column (Mã sản phẩm) (cell B2) [W505]"]


def test_a_provincial_annex_that_does_not_repeat_its_province(site, tmp_path, capsys):
    """'xã Đồng Đăng, huyện Cao Lộc' in an annex of the UBND tỉnh Lạng Sơn is in Lạng Sơn; under a
    district's decision the province must be written."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tên sản phẩm", "Chủ thể", "Địa chỉ", "Nhóm", "Số sao"])
    ws.append(["Bánh đa", "HKD Bánh đa Đồng Đăng", "Thôn Nà Pàn, xã Đồng Đăng, huyện Cao Lộc", "Thực phẩm", 4])
    wb.save(tmp_path / "a.xlsx")
    args = ("--source", site, "--decision", "1234/QĐ-UBND ngày 27/02/2024")
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", *args, "--issuer", "UBND huyện Cao Lộc", "--dry-run")
    assert code == 1 and "no province (tỉnh) in the address 'Thôn Nà Pàn, xã Đồng Đăng, huyện Cao Lộc'" in err
    code, _, err = run_import(capsys, tmp_path / "a.xlsx", *args, "--issuer", "UBND tỉnh Lạng Sơn")
    assert code == 0, err
    text = (site / "products/LS-2024-0001.yaml").read_text(encoding="utf-8")
    assert "location:\n  province: Lạng Sơn\n  district: Cao Lộc\n  commune: Đồng Đăng\n" in text
    assert "    issued: 2024-02-27\n    issuer: UBND tỉnh Lạng Sơn\n    level: province\n" in text


def test_a_cell_with_a_control_character_is_refused_not_written(site, tmp_path, capsys):
    """A control character (here U+0001, carried by a CSV; Excel cannot save one in .xlsx) is E213
    in any record: the import says so and writes nothing, rather than a record that check would
    refuse. (Whitespace controls such as a vertical tab are read as a space.)"""
    path = tmp_path / "sheet.csv"
    path.write_text("Tên sản phẩm,Chủ thể,Tỉnh,Xã,Nhóm,Số sao,Số quyết định,Ngày công nhận\n"
                    "Trà\x01shan tuyết,HTX Chè Pả Vi,Hà Giang,Pả Vi,Đồ uống,4,7/QĐ-UBND,01/02/2024\n", encoding="utf-8")
    before = tree(site)
    code, _out, err = run_import(capsys, path, "--source", site, "--issuer", "UBND tỉnh Hà Giang", "--level", "province")
    assert code == 1, err
    assert tree(site) == before
    assert any(line.startswith(f"{path}:2:") and ": error: " in line for line in err.splitlines()), err
