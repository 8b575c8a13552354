"""Write examples/danh-sach-ocop.xlsx: the consolidated list the sample catalog's records could have come from.

One row per certification (a renewal is a second row of the same product; revocations are not
imported, they are recorded by hand), laid out as a provincial office keeps its list: title rows
merged across the table, a two-row header with the address split into Xã/Phường, Huyện and Tỉnh,
the decision and its date in one cell, dates as Excel dates. The same sample gives the same
bytes. ``ocop-site import examples/danh-sach-ocop.xlsx`` into an empty site folder gives the
sample's products (without their images, lots and stories), and into the sample itself changes
nothing.

    python scripts/make_example_sheet.py [--source .] [--output examples/danh-sach-ocop.xlsx]
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Alignment, Border, Font, Side  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from ocop_site.commands.report import reproducible_xlsx  # noqa: E402
from ocop_site.core.vietnamese import sort_key  # noqa: E402
from ocop_site.records.catalog import load_catalog  # noqa: E402

GROUPS = {"food": "Thực phẩm", "beverage": "Đồ uống", "herbal": "Thảo dược", "handicraft": "Thủ công mỹ nghệ",
          "ornamental": "Sinh vật cảnh", "tourism": "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"}
LEVELS = {"commune": "Xã", "district": "Huyện", "province": "Tỉnh", "national": "Quốc gia"}
HEADER = ["STT", "Mã sản phẩm", "Tên sản phẩm", "Chủ thể", "Địa chỉ", None, None, "Ngành hàng", "Phân nhóm",
          "Hạng sao", "Quyết định công nhận", "Ngày công nhận", "Cơ quan công nhận", "Cấp công nhận", "Số GCN",
          "Có giá trị đến"]
SUB_HEADER = [None, None, None, None, "Xã/Phường", "Huyện", "Tỉnh"] + [None] * 9
WIDTHS = [5, 14, 34, 36, 14, 12, 12, 16, 18, 9, 30, 13, 30, 10, 14, 13]
#: A fixed creation date keeps the file's bytes the same from one run to the next.
STAMP = datetime(2026, 1, 1)


def rows(source: Path) -> list[list]:
    catalog, diags = load_catalog(source)
    if catalog is None:
        raise SystemExit("the sample catalog does not load; run ocop-site check")
    found = []
    for entry in catalog.products.values():
        p = entry.record
        producer = catalog.producers[p.producer].record.name
        for cert in p.certifications:
            found.append((cert.issued, sort_key(p.code), [
                p.code, p.name, producer, p.location.commune, p.location.district, p.location.province,
                GROUPS[p.category], p.subgroup, f"{cert.stars} sao",
                f"{cert.decision} ngày {cert.issued:%d/%m/%Y}", datetime(cert.issued.year, cert.issued.month, cert.issued.day),
                cert.issuer, LEVELS.get(cert.level or "", None), cert.certificate,
                datetime(cert.valid_until.year, cert.valid_until.month, cert.valid_until.day)
                if cert.valid_until else None]))
    found.sort(key=lambda item: (item[0], item[1]))
    return [[n, *cells] for n, (_, _, cells) in enumerate(found, 1)]


def make(source: Path, output: Path) -> int:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách OCOP"
    last = len(HEADER)
    ws.cell(1, 1, "BAN CHỈ ĐẠO CHƯƠNG TRÌNH OCOP (DỮ LIỆU MẪU)")
    ws.cell(2, 1, "DANH SÁCH TỔNG HỢP SẢN PHẨM OCOP ĐÃ ĐƯỢC CÔNG NHẬN")
    ws.cell(3, 1, "(Cập nhật đến hết năm 2027; mỗi lần công nhận, công nhận lại là một dòng)")
    for r in (1, 2, 3):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        ws.cell(r, 1).font = Font(bold=r < 3, italic=r == 3)
    for c, text in enumerate(HEADER, 1):
        ws.cell(5, c, text)
    for c, text in enumerate(SUB_HEADER, 1):
        ws.cell(6, c, text)
    for c in range(1, last + 1):
        if c not in (5, 6, 7):
            ws.merge_cells(start_row=5, start_column=c, end_row=6, end_column=c)
    ws.merge_cells(start_row=5, start_column=5, end_row=5, end_column=7)
    thin = Side(style="thin")
    for r in (5, 6):
        for c in range(1, last + 1):
            cell = ws.cell(r, c)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(thin, thin, thin, thin)
    data = rows(source)
    for r, cells in enumerate(data, 7):
        for c, value in enumerate(cells, 1):
            cell = ws.cell(r, c, value)
            if isinstance(value, datetime):
                cell.number_format = "DD/MM/YYYY"
    for c, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A7"
    wb.properties.creator = "ocop-site"
    wb.properties.created = STAMP
    buf = io.BytesIO()
    wb.save(buf)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(reproducible_xlsx(buf.getvalue(), STAMP))
    return len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--output", type=Path, default=ROOT / "examples" / "danh-sach-ocop.xlsx")
    args = parser.parse_args()
    count = make(args.source, args.output)
    print(f"{args.output}: {count} rows")


if __name__ == "__main__":
    main()
