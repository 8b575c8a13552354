"""What the cells of an office's sheet say: header names, stars, scores, dates, decisions,
product groups, levels and addresses, as offices write them (docs/import.md lists them all).

Pure functions of a cell's value (calamine gives text, numbers, dates); a value that cannot be
understood raises :class:`Bad` with a message that quotes it and says what is expected. The
header row of a sheet is found here too (:func:`find_layout`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Optional

from ..core.diagnostics import shortened
from ..core.vietnamese import fold
from ..records.fields import in_years
from ..records.provinces import _COMMUNE_TYPES, _DISTRICT_TYPES, _key, match_province, tables
from ..records.schema import CATEGORIES, LEVELS
from .spreadsheets import Sheet, text_of

# --- headers --------------------------------------------------------------------------------

#: Recognised header names (folded: no accents, lowercase, punctuation as spaces) by role.
HEADERS: dict[str, tuple[str, ...]] = {
    "index": ("stt", "tt", "so tt", "so thu tu"),
    "code": ("ma san pham", "ma sp", "ma", "ma ocop", "ma so", "ma san pham ocop"),
    "name": ("ten san pham", "san pham", "ten sp", "ten san pham ocop", "ten san pham dich vu",
             "san pham ocop", "ten san pham hang hoa"),
    "producer": ("chu the", "ten chu the", "don vi san xuat", "chu the san xuat", "co so san xuat",
                 "ten chu the san xuat", "chu the ocop", "ten don vi", "don vi", "ten co so",
                 "to chuc ca nhan", "chu the kinh doanh", "ten chu the ocop", "don vi chu the"),
    "address": ("dia chi", "dia chi chu the", "dia chi san xuat", "dia chi co so", "noi san xuat"),
    "commune": ("xa", "xa phuong", "phuong xa", "xa phuong thi tran", "xa phuong dac khu", "phuong", "cap xa"),
    "district": ("huyen", "quan huyen", "huyen thi xa", "huyen thi xa thanh pho", "huyen thanh pho",
                 "huyen thi", "cap huyen"),
    "province": ("tinh", "tinh thanh pho", "tinh tp", "thanh pho", "tinh thanh"),
    "category": ("nhom", "nganh", "nganh hang", "nhom nganh", "nhom san pham", "nganh nhom", "nhom nganh hang"),
    "subgroup": ("phan nhom", "bo san pham", "loai san pham", "nhom phan nhom", "phan loai"),
    "stars": ("hang sao", "so sao", "phan hang", "ket qua", "xep hang", "ket qua phan hang", "hang",
              "ket qua danh gia", "ket qua xep hang", "hang sao ocop", "sao"),
    "score": ("diem", "tong diem", "diem danh gia", "so diem", "diem so", "tong so diem"),
    "decision": ("so quyet dinh", "quyet dinh", "quyet dinh cong nhan", "so qd", "qd cong nhan",
                 "so quyet dinh cong nhan", "so qd cong nhan"),
    "issued": ("ngay cong nhan", "ngay quyet dinh", "ngay ban hanh", "ngay cap", "ngay qd"),
    "certificate": ("so giay chung nhan", "so gcn", "giay chung nhan", "so chung nhan"),
    "valid_until": ("thoi han", "hieu luc den", "co gia tri den", "ngay het han", "han cong nhan",
                    "thoi han hieu luc", "het han"),
    "issuer": ("co quan cong nhan", "co quan ban hanh", "don vi cong nhan", "noi cong nhan",
               "cap ban hanh", "co quan ra quyet dinh"),
    "level": ("cap cong nhan", "cap", "cap danh gia"),
    "representative": ("nguoi dai dien", "dai dien", "nguoi dai dien theo phap luat", "chu ho"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "dt", "dien thoai lien he"),
    "description": ("mo ta", "mo ta san pham"),
}
_HEADER_ROLE = {name: role for role, names in HEADERS.items() for name in names}
#: Roles that may have several columns (their cells are tried in order).
_MULTI = ("category", "subgroup")
_PAREN = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_HEADER_SCAN = 40


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """'Tên chủ thể (HTX, DN…)' → 'ten chu the'."""
    return " ".join(_NON_WORD.sub(" ", fold(_PAREN.sub(" ", text))).split())


def header_role(text: str) -> Optional[str]:
    key = header_key(text)
    if not key:
        return None
    if key in _HEADER_ROLE:
        return _HEADER_ROLE[key]
    words = key.split()   # 'số quyết định công nhận lại' → the longest known name it starts with
    for n in range(len(words) - 1, 1, -1):
        role = _HEADER_ROLE.get(" ".join(words[:n]))
        if role:
            return role
    return None


@dataclass
class Layout:
    """Where a sheet's header is and what each column holds."""

    header0: int                      # 0-based row of the header (the lower row of a two-row header)
    first0: int                       # first row of data
    cols: dict[str, int]              # role → column (the first of its kind)
    multi: dict[str, list[int]]       # category / subgroup → columns in order
    unknown: list[tuple[int, str]]    # (column, header text) not recognised
    repeated: list[tuple[int, str, int]] = field(default_factory=list)   # a second column of a role: (column, text, first)


def find_layout(sheet: Sheet) -> Optional[Layout]:
    """The header row: among the first rows, the one that names the product column and the most
    other known columns; a row of sub-headers under it (Xã, Huyện, Tỉnh under a merged 'Địa chỉ')
    completes it, and a row of column numbers ((1), (2)…) under it is skipped."""
    best: Optional[tuple[int, int]] = None
    for r in range(min(len(sheet.rows), _HEADER_SCAN)):
        roles = {header_role(text_of(v)) for v in sheet.rows[r]} - {None}
        if "name" in roles and (best is None or len(roles) > best[1]):
            best = (r, len(roles))
    if best is None:
        return None
    header0 = best[0]
    texts = {c: text_of(v) for c, v in enumerate(sheet.rows[header0]) if text_of(v)}
    first0 = header0 + 1
    below = {c: text_of(v) for c, v in enumerate(sheet.rows[first0]) if text_of(v)} if first0 < len(sheet.rows) else {}
    if below and all(header_role(t) for t in below.values()):
        texts.update(below)   # a second header row: its names win over the merged cell above
        first0 += 1
    if first0 < len(sheet.rows) and _numbering_row(sheet.rows[first0]):
        first0 += 1
    cols: dict[str, int] = {}
    multi: dict[str, list[int]] = {role: [] for role in _MULTI}
    unknown: list[tuple[int, str]] = []
    repeated: list[tuple[int, str, int]] = []
    for c in sorted(texts):
        role = header_role(texts[c])
        if role in _MULTI:
            multi[role].append(c)
        elif role and role not in cols:
            cols[role] = c
        elif role:
            repeated.append((c, texts[c], cols[role]))
        else:
            unknown.append((c, texts[c]))
    return Layout(header0, first0, cols, multi, unknown, repeated)


def _numbering_row(cells: list[Any]) -> bool:
    texts = [text_of(v) for v in cells if text_of(v)]
    return len(texts) >= 3 and all(re.fullmatch(r"\(?\d{1,2}\)?", t) for t in texts)


# --- values ---------------------------------------------------------------------------------

_NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
                 "chin": 9, "muoi": 10}
_STARS_DIGIT = re.compile(r"(\d+)\s*(?:sao|\*|★|☆|stars?)")
_STARS_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\s*sao\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class Bad(ValueError):
    """A cell that cannot be understood; the message says what was found and what is expected."""


def score_stars(score: float) -> int:
    """The national criteria's bands: 50–69 → 3 stars, 70–89 → 4, 90–100 → 5."""
    if score < 50:
        raise Bad(f"a score of {_num(score)} is below 50: the product is not rated OCOP")
    if score > 100:
        raise Bad(f"a score of {_num(score)} is above 100, the most the criteria give")
    return 3 if score < 70 else 4 if score < 90 else 5


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_stars(value: Any) -> tuple[int, bool]:
    """Stars from ``4``, ``4 sao``, ``4★``, ``★★★★``, ``Bốn sao``, or a score 50–100.
    Returns (stars, whether it came from a score)."""
    text = text_of(value)
    folded = fold(text)
    number = _as_number(value)
    if number is not None:
        if number in (3, 4, 5):
            return int(number), False
        if number > 5:
            return score_stars(number), True
        raise Bad(f"'{text}' is not 3, 4 or 5")
    if text and set(text.replace(" ", "")) <= {"★"}:
        found = len(text.replace(" ", ""))
    elif m := _STARS_DIGIT.search(folded):
        found = int(m[1])
    elif m := _STARS_WORD.search(folded):
        found = _NUMBER_WORDS[m[1]]
    elif m := re.search(r"\b(\d+(?:[.,]\d+)?)\s*diem\b", folded):
        return score_stars(float(m[1].replace(",", "."))), True
    else:
        raise Bad(f"'{shortened(text)}' is not a number of stars (3, 4 or 5, '4 sao', 'Bốn sao') or a score")
    if found not in (3, 4, 5):
        raise Bad(f"'{shortened(text)}' is not 3, 4 or 5")
    return found, False


def parse_score(value: Any) -> int:
    number = _as_number(value)
    if number is None:
        raise Bad(f"'{shortened(text_of(value))}' is not a score (a number from 50 to 100)")
    return score_stars(number)


def _as_number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = text_of(value)
    if _NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    return None


_DMY = re.compile(r"(?<!\d)(?:ngay\s*)?(\d{1,2})\s*(?:[/.-]|\s+thang\s+)\s*(\d{1,2})\s*(?:[/.-]|\s+nam\s+)\s*(\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
#: Excel's day 0 (the 1900 date system, with its phantom 29 February 1900 counted).
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: Any) -> date:
    """A spreadsheet date, a date serial number, '27/02/2024', '27-2-2024', '27.02.2024',
    '2024-02-27' or 'ngày 27 tháng 02 năm 2024'."""
    if isinstance(value, datetime):
        return _in_years(value.date(), text_of(value))
    if isinstance(value, date):
        return _in_years(value, value.isoformat())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466 and float(value).is_integer():
            return _in_years(_EXCEL_EPOCH + timedelta(days=int(value)), _num(value))
        raise Bad(f"'{_num(value)}' is not a date")
    text = text_of(value)
    folded = fold(text)
    if m := _ISO.fullmatch(folded):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY.search(folded):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if year < 100:
            year += 2000
    else:
        raise Bad(f"'{shortened(text)}' is not a date; write it as 27/02/2024")
    try:
        return _in_years(date(year, month, day), text)
    except ValueError:
        raise Bad(f"'{shortened(text)}' is not a date: there is no day {day} in month {month} of {year}"
                  if 1 <= month <= 12 else f"'{shortened(text)}' is not a date: there is no month {month}") from None


def _in_years(day: date, text: str) -> date:
    if not in_years(day) or day.year < 2000:
        raise Bad(f"'{text}' is out of range for an OCOP decision")
    return day


_DECISION_NUMBER = re.compile(r"\d+[A-Za-z]?\s*/\s*[^\s,;()]+")
_DECISION_PREFIX = re.compile(r"^(?:quyết định|qđ|qd)?\s*(?:số)?[:\s]*", re.IGNORECASE)


@dataclass
class DecisionCell:
    number: Optional[str]
    issued: Optional[date]
    issuer: Optional[str]


#: 'ngày 27/02/2024', 'ngày 27 tháng 02 năm 2024' anywhere in a decision cell.
_DAY_IN_TEXT = re.compile(r"\b(?:ngày|ngay)\s+\d{1,2}(?:\s*[/.-]\s*|\s+tháng\s+)\d{1,2}(?:\s*[/.-]\s*|\s+năm\s+)\d{2,4}\b",
                          re.IGNORECASE)


def parse_decision(value: Any) -> DecisionCell:
    """'1234/QĐ-UBND ngày 27/02/2024 của UBND tỉnh Lạng Sơn' → number, date, issuer (each optional)."""
    text = text_of(value)
    issued = None
    day = _DAY_IN_TEXT.search(text) or re.search(r"\b(ngày|ngay)\b.*$", text, re.IGNORECASE) \
        or re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*$", text)
    if day:
        issued = parse_date(day[0])   # raises Bad for an impossible date
        text = (text[:day.start()].rstrip(" ,;") + " " + text[day.end():].lstrip(" ,;")).strip()
    issuer = None
    m = re.search(r"\bcủa\s+(.+)$", text, re.IGNORECASE)
    if m:
        issuer, text = m[1].strip(" .;,"), text[:m.start()].strip()
    m = _DECISION_NUMBER.search(text)
    if m:
        number = re.sub(r"\s*/\s*", "/", m[0])
    else:
        number = _DECISION_PREFIX.sub("", text).strip(" ,;.") or None
    return DecisionCell(number, issued, issuer)


#: Folded words naming each of the six groups (Decision 148/QĐ-TTg), tried in order.
_GROUP_WORDS = (
    ("thuc pham", "food"), ("do uong", "beverage"), ("thao duoc", "herbal"), ("duoc lieu", "herbal"),
    ("thu cong my nghe", "handicraft"), ("my nghe", "handicraft"), ("may mac", "handicraft"),
    ("luu niem", "handicraft"), ("sinh vat canh", "ornamental"), ("du lich", "tourism"),
)


def _named(text: str, choices: Iterable[str], words: tuple[tuple[str, str], ...]) -> Optional[str]:
    """The choice ``text`` names: itself (folded), or the first whose words stand in it."""
    key = header_key(text)
    if key in choices:
        return key
    for phrase, choice in words:
        if re.search(rf"\b{phrase}\b", key):
            return choice
    return None


@lru_cache(maxsize=65536)
def parse_category(text: str) -> Optional[str]:
    """'Thực phẩm', 'Nhóm đồ uống', 'I. THẢO DƯỢC', 'food' → the category; None when no group is named."""
    return _named(text, CATEGORIES, _GROUP_WORDS)


_LEVEL_WORDS = (("quoc gia", "national"), ("trung uong", "national"), ("tinh", "province"),
                ("huyen", "district"), ("xa", "commune"))


@lru_cache(maxsize=65536)
def parse_level(text: str) -> Optional[str]:
    """'UBND tỉnh', 'cấp huyện', 'province' → the level; None when no level is named."""
    return _named(text, LEVELS, _LEVEL_WORDS)


@lru_cache(maxsize=65536)
def level_of_issuer(issuer: str) -> Optional[str]:
    """The level of a decision from who signed it: 'UBND tỉnh …' → province, 'UBND huyện …' →
    district, 'UBND xã …' → commune, a ministry or the Prime Minister → national."""
    key = header_key(issuer)
    key = re.sub(r"^(ubnd|uy ban nhan dan)\s+", "", key)
    if re.match(r"(bo|thu tuong|chinh phu)\b", key) or "trung uong" in key:
        return "national"
    if re.match(r"(tinh|thanh pho truc thuoc trung uong)\b", key):
        return "province"
    if m := re.match(r"(thanh pho|tp)\s+(.+)", key):
        return "province" if _is_city(m[2]) else "district"
    if re.match(r"(huyen|quan|thi xa)\b", key):
        return "district"
    if re.match(r"(xa|phuong|thi tran|dac khu)\b", key):
        return "commune"
    return None


@lru_cache(maxsize=4096)
def province_of_issuer(issuer: str) -> Optional[str]:
    """The province a provincial decision is for: 'UBND tỉnh Lạng Sơn' → 'Lạng Sơn', 'UBND thành phố
    Hà Nội' → 'Hà Nội'; None for any other issuer (a district's UBND, a ministry)."""
    if level_of_issuer(issuer) != "province":
        return None
    name = strip_type(strip_type(issuer, ("ubnd ", "uy ban nhan dan ")), PROVINCE_WORDS)
    return name if match_province(name) else None


def _is_city(name: str) -> bool:
    """A centrally governed city (thành phố trực thuộc trung ương), whose UBND rates at province level."""
    return _key(name) in {_key(n) for n in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế")}


# --- addresses ------------------------------------------------------------------------------

PROVINCE_WORDS = ("tinh ", "thanh pho ", "tp ")
_HAMLET = re.compile(r"^(thon|xom|ban|bon|buon|ap|to|khu|khom|lang|so|duong|pho|so nha|khu pho|to dan pho)\b")


@lru_cache(maxsize=65536)
def strip_type(name: str, types: tuple[str, ...]) -> str:
    """'xã Đồng Đăng' → 'Đồng Đăng', 'TT. Bắc Hà' → 'Bắc Hà' (the unit type word left out)."""
    words = name.replace(".", ". ").split()
    for t in types:
        n = len(t.split())
        if len(words) > n and header_key(" ".join(words[:n])) == t.strip():
            return " ".join(words[n:]).strip(" .")
    return name.strip(" .")


@lru_cache(maxsize=65536)
def _typed(part: str, types: tuple[str, ...]) -> bool:
    key = header_key(part) + " "
    return any(key.startswith(t) and len(key) > len(t) for t in types)


def parse_address(address: str, province_hint: Optional[str] = None) -> dict[str, str]:
    """Commune, district and province named in a free-text address (pre- or post-2025 units).

    The province is the last part that names one (``province_hint``, from a Tỉnh column, wins
    over it); before it, a part
    starting 'huyện/quận/thị xã/thành phố' is the district and one starting 'xã/phường/thị trấn'
    the commune; untyped parts are looked up among the province's units. Hamlets and streets
    (thôn, bản, số nhà…) are left out."""
    parts = [p.strip() for p in re.split(r"[,;\n]", address) if p.strip()]
    found: dict[str, str] = {}
    for i in range(len(parts) - 1, max(len(parts) - 4, -1), -1):
        name = strip_type(parts[i], PROVINCE_WORDS)
        if match_province(name) or _typed(parts[i], ("tinh ",)):
            found["province"] = name
            parts = parts[:i]   # the province's part is no district ('TP. Hà Nội' is not 'thành phố …')
            break
    if province_hint:
        found["province"] = province_hint
    if "province" not in found:
        return found
    match = match_province(found["province"])
    known = tables()
    districts = known.districts.get(match.current.code, {}) if match else {}
    communes = known.communes.get(match.current.code, {}) if match else {}
    parts = [p for p in parts if _typed(p, _COMMUNE_TYPES) or not _HAMLET.match(header_key(p))]
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if "commune" in found:
            break
        if _typed(part, _COMMUNE_TYPES):
            found["commune"] = strip_type(part, _COMMUNE_TYPES)
        elif _typed(part, _DISTRICT_TYPES):
            found.setdefault("district", strip_type(part, _DISTRICT_TYPES))
        elif "district" not in found and i > 0 and _key(part, _DISTRICT_TYPES) in districts:
            found["district"] = part   # 'Đồng Đăng, Cao Lộc, Lạng Sơn': a district, with a commune before it
        elif _key(part, _COMMUNE_TYPES) in communes:
            found["commune"] = part
    return found
