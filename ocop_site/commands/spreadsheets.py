"""Reading the tables offices keep: ``.xlsx``, ``.xls``, ``.ods`` and ``.csv`` → rows of cells.

Spreadsheets are read with python-calamine (one reader for the three formats, fast). Every
sheet is returned as it would be seen on screen: ``rows[0]`` is row 1 and ``rows[r][0]`` column
A, so a diagnostic names the cell a person will find (title rows and blank columns included).

CSV files are what Excel writes on a Vietnamese Windows: UTF-8 with or without a BOM, UTF-16
("Unicode text", tab separated), or the Windows Vietnamese code page cp1258, whose tone marks
are separate combining characters. A file that is not UTF-8 is accepted as cp1258 only when it
decodes to plausible Vietnamese text (no undefined bytes, no control characters, every tone
mark composing onto a vowel); anything else is an error naming the file and the first bad
byte, rather than a silently garbled catalog.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

from ..core.diagnostics import Diagnostic, Position
from ..core.vietnamese import nfc

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
FORMATS = SPREADSHEETS + (".csv",)
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Sheet:
    """One table: its name (None for CSV) and its cells, row 1 column A first."""

    name: Optional[str]
    rows: list[list[Any]]

    def cell(self, row0: int, col0: int) -> Any:
        cells = self.rows[row0] if row0 < len(self.rows) else []
        return cells[col0] if col0 < len(cells) else ""


def column_letter(col0: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    from openpyxl.utils.cell import get_column_letter
    return get_column_letter(col0 + 1)


def cell_name(row0: int, col0: int) -> str:
    return f"{column_letter(col0)}{row0 + 1}"


def read_sheets(path: Path, shown: str, sheet: Optional[str] = None) -> tuple[list[Sheet], list[Diagnostic]]:
    """The sheets of a file (only ``sheet`` when named), or diagnostics saying why not."""
    where = Position(shown)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        return [], [where.error("E501", f"'{path.name}' is not a spreadsheet ocop-site reads "
                                        f"(.xlsx, .xls, .ods or .csv)")]
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return [], [where.error("E501", f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}")]
        data = path.read_bytes()
    except OSError as exc:
        return [], [where.error("E501", f"cannot read the file: {exc.strerror or exc}")]
    if suffix == ".csv":
        if sheet is not None:
            return [], [where.error("E502", f"--sheet {sheet}: a CSV file has no sheets")]
        text, diags = decode_csv(data, shown)
        if text is None:
            return [], diags
        return [Sheet(None, parse_csv(text))], diags
    return _read_workbook(data, shown, sheet)


def _read_workbook(data: bytes, shown: str, wanted: Optional[str]) -> tuple[list[Sheet], list[Diagnostic]]:
    import python_calamine as calamine

    where = Position(shown)
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:   # calamine raises its own errors, plain and varied, for broken files
        return [], [where.error("E501", f"cannot read the spreadsheet: {_reason(exc)}")]
    names = [m.name for m in book.sheets_metadata
             if str(m.typ).endswith("WorkSheet") and str(m.visible).endswith(".Visible")]
    if wanted is not None:
        by_key = {n.strip().casefold(): n for n in book.sheet_names}
        if wanted.strip().casefold() not in by_key:
            listed = ", ".join(f"'{n}'" for n in book.sheet_names)
            return [], [where.error("E502", f"--sheet {wanted}: no such sheet; the file has {listed}")]
        names = [by_key[wanted.strip().casefold()]]
    sheets = []
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:
            return [], [where.error("E501", f"cannot read sheet '{name}': {_reason(exc)}")]
        sheets.append(Sheet(name, fill_down(rows, merged)))
    return sheets, []


def fill_down(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[list[Any]]:
    """Cells merged over several rows take the value of the merged cell in every row: a producer
    written once beside its three products is the producer of each. Merges within one row (a
    title, a section row, 'Địa chỉ' over Xã, Huyện, Tỉnh) are left as they are."""
    for (r0, c0), (r1, c1) in merged:
        if r1 <= r0 or r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, r1 + 1):
            while r >= len(rows):
                rows.append([])
            cells = rows[r]
            for c in range(c0, c1 + 1):
                while c >= len(cells):
                    cells.append("")
                if r > r0 or c > c0:
                    cells[c] = value
    return rows


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --- CSV ------------------------------------------------------------------------------------

def decode_csv(data: bytes, shown: str) -> tuple[Optional[str], list[Diagnostic]]:
    """Text of a CSV file in UTF-8 (BOM or not), UTF-16 with a BOM, or cp1258; else an E503."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return nfc(data.decode("utf-16")), []
        except UnicodeDecodeError:
            return None, [Position(shown).error("E503", "the file starts as UTF-16 text but is not; "
                                                        "save it again as CSV UTF-8")]
    try:
        return nfc(data.decode("utf-8")), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    problem = _cp1258_problem(data)
    if problem is None:
        return nfc(data.decode("cp1258")), []
    line, col = _line_col(data, first_bad)
    return None, [Position(shown, line, col).error(
        "E503", f"the text is neither UTF-8 nor Windows Vietnamese (cp1258): {problem}; "
                f"save it again from Excel as 'CSV UTF-8'")]


def _cp1258_problem(data: bytes) -> Optional[str]:
    """Why ``data`` is not cp1258 Vietnamese text, or None when it plausibly is."""
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError as exc:
        return f"byte 0x{data[exc.start]:02X} is not used in cp1258"
    for i, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in "\r\n\t":
            return f"control character U+{ord(char):04X}"
        if unicodedata.combining(char) and (i == 0 or not _is_vowel(text[i - 1])):
            return "a tone mark that follows no vowel"
    return None


def _is_vowel(char: str) -> bool:
    """A vowel letter a cp1258 tone mark may follow: a e i o u y, with or without ˘ ˆ or the horn."""
    return unicodedata.normalize("NFD", char)[0].lower() in "aeiouy"


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1


def parse_csv(text: str) -> list[list[str]]:
    """Rows of a CSV text; the separator (comma, semicolon or tab) is the one the header uses most."""
    sample = "\n".join(text.splitlines()[:30])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]


# --- cell values ----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def text_of(value: Any) -> str:
    """A cell as the text a person sees: numbers without a trailing .0, NFC, spaces collapsed."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return _SPACES.sub(" ", nfc(str(value))).strip()
