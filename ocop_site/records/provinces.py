"""Vietnam's administrative units across the July 2025 reform: recognise names, group by today's province.

On 1 July 2025 (Resolution 202/2025/QH15) the 63 provinces were merged into 34
and districts were abolished: two tiers, province and commune (xã, phường,
đặc khu). OCOP records span both eras — a product rated in 2023 says
``province: Hà Giang, district: Mèo Vạc, commune: Pả Vi``, one rated in 2025
says ``province: Tuyên Quang, commune: Mèo Vạc`` — and both are right for their
time. So pages show every address **as written**, while facets and map filters
group by the **current** province (Hà Giang → Tuyên Quang), and ``check``
warns (W103) about names that are a unit of neither era, usually a typo.

Sources: the current units come from the installed ``vietnam-provinces``
package; the pre-2025 ones (provinces, districts, communes, and the current
province each former province became part of) from ``data/pre2025_units.json``,
extracted from the same project's ``legacy`` data and its 2020 and 2021 lists
by ``scripts/make_pre2025_units.py`` (the releases with ``legacy`` need Python
3.12). A record rated in 2021 names the commune of its time, even one merged
before the 2025 reform, so every commune listed from 2020 on is known.

Names are compared folded — accents, case, punctuation, the unit type
("Tỉnh", "TP.", "Xã", "Phường", "Thị trấn"…), apostrophes, leading zeros,
Roman numerals and the spelling variants Quý/Quí, Ngọk/Ngọc ignored — so "Hoà Bình", "Hòa Bình" and "tỉnh Hoà Bình" are the
same province. Everything here is pure
and cached: the tables are read once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from ..core.diagnostics import shortened
from ..core.vietnamese import bounded_slug, fold, slugify

DATA = Path(__file__).resolve().parent / "data" / "pre2025_units.json"

_NON_WORD = re.compile(r"[^0-9a-z]+")
_FINAL_Y = re.compile(r"^(qu|[bcdghklmnprstvx]+)y$")   # Quý/Quí, Kỳ/Kì, Lý/Lí: both spellings are in use
_FINAL_K = re.compile(r"([aeiou])k$")                  # Ngọk/Ngọc, Đắk/Đắc (Central Highlands names)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}
_PROVINCE_TYPES = ("thanh pho truc thuoc trung uong ", "thanh pho ", "tinh ", "tp ")
_DISTRICT_TYPES = ("thanh pho ", "thi xa ", "huyen ", "quan ", "tp ", "tx ", "h ", "q ")
_COMMUNE_TYPES = ("thi tran ", "phuong ", "dac khu ", "xa ", "tt ", "p ", "x ")
_CURRENT_TYPE = re.compile(r"^(Tỉnh|Thành phố) ")

#: Other ways people write a province: (written, the province — pre-2025 or current — it means).
ALIASES = (
    ("Thừa Thiên Huế", "Huế"), ("Thừa Thiên - Huế", "Huế"), ("TT Huế", "Huế"),
    ("HCM", "Hồ Chí Minh"), ("TPHCM", "Hồ Chí Minh"), ("TP.HCM", "Hồ Chí Minh"), ("Sài Gòn", "Hồ Chí Minh"),
    ("Hòa Bình", "Hoà Bình"), ("Vũng Tàu", "Bà Rịa - Vũng Tàu"), ("BR-VT", "Bà Rịa - Vũng Tàu"),
    ("Đăk Nông", "Đắk Nông"), ("Đắc Nông", "Đắk Nông"), ("Đắc Lắc", "Đắk Lắk"), ("Daklak", "Đắk Lắk"),
)


@lru_cache(maxsize=65536)
def _key(name: str, types: tuple[str, ...] = ()) -> str:
    """Folded comparison key: 'Tỉnh Hoà Bình' → 'hoa binh', 'Phường 01' → '1'."""
    text = " ".join(_NON_WORD.sub(" ", fold(name).replace("'", "").replace("\u2019", "")).split())
    for prefix in types:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    words = [w.lstrip("0") or "0" if w.isdigit() else _FINAL_K.sub(r"\1c", _FINAL_Y.sub(r"\1i", w))
             for w in text.split()]
    if len(words) > 1 and words[-1] in _ROMAN:   # Phường Hải Châu I = Hải Châu 1
        words[-1] = _ROMAN[words[-1]]
    return " ".join(words)


@dataclass(frozen=True)
class CurrentProvince:
    """One of the 34 provinces and centrally governed cities since 1 July 2025."""

    code: int
    name: str      # "Tuyên Quang", "Hà Nội", "Huế" (without "Tỉnh"/"Thành phố")
    slug: str      # "tuyen-quang": the /provinces/<slug>/ facet


@dataclass(frozen=True)
class ProvinceMatch:
    written: str
    current: CurrentProvince
    former: Optional[str] = None   # the pre-2025 province named, when it is not the current one ("Hà Giang")


@dataclass(frozen=True)
class Group:
    """Where a record is grouped: its current province, or the name as written when unknown."""

    slug: str
    label: str
    former: Optional[str] = None
    known: bool = True


class _Tables:
    def __init__(self) -> None:
        from vietnam_provinces import Province, Ward

        self.current: dict[int, CurrentProvince] = {}
        self.communes: dict[int, dict[str, str]] = {}     # current code → commune key → name (both eras)
        self.districts: dict[int, dict[str, str]] = {}    # current code → district key → name (pre-2025)
        self.provinces: dict[str, ProvinceMatch] = {}     # province key → match (written = canonical name)
        for p in Province.iter_all():
            name = _CURRENT_TYPE.sub("", p.name)
            code = int(p.code)
            self.current[code] = CurrentProvince(code, name, slugify(name))
            self.communes[code] = {}
            self.districts[code] = {}
        for w in Ward.iter_all():
            self.communes[int(w.province_code)].setdefault(_key(w.name, _COMMUNE_TYPES), w.name)
        data = json.loads(DATA.read_text(encoding="utf-8"))
        for old in data["provinces"]:
            cur = self.current[old["current"]]
            former = None if _key(old["name"]) == _key(cur.name) else old["name"]
            self.provinces.setdefault(_key(old["name"], _PROVINCE_TYPES), ProvinceMatch(old["name"], cur, former))
            for district, communes in old["districts"].items():
                self.districts[cur.code].setdefault(_key(district, _DISTRICT_TYPES), district)
                for c in communes:
                    self.communes[cur.code].setdefault(_key(c, _COMMUNE_TYPES), c)
        for cur in self.current.values():   # current names win over a former province of the same name
            self.provinces[_key(cur.name, _PROVINCE_TYPES)] = ProvinceMatch(cur.name, cur, None)
        for alias, target in ALIASES:
            match = self.provinces[_key(target, _PROVINCE_TYPES)]
            self.provinces.setdefault(_key(alias, _PROVINCE_TYPES), ProvinceMatch(alias, match.current, match.former))
        self.names = sorted({m.written for m in self.provinces.values()})


@lru_cache(maxsize=1)
def tables() -> _Tables:
    return _Tables()


@lru_cache(maxsize=4096)
def match_province(name: Optional[str]) -> Optional[ProvinceMatch]:
    """The current province that ``name`` (pre-2025 or current, any spelling) is part of, or None."""
    if not name:
        return None
    found = tables().provinces.get(_key(name, _PROVINCE_TYPES))
    return ProvinceMatch(name, found.current, found.former) if found else None


def current_provinces() -> list[CurrentProvince]:
    return sorted(tables().current.values(), key=lambda p: p.code)


@lru_cache(maxsize=4096)
def group(province: Optional[str], address: Optional[str] = None) -> Group:
    """Group of a record by its ``location.province`` — or, without one, by a province named in
    its address ("…, tỉnh Lạng Sơn"). Unknown names group by themselves, as written."""
    match = match_province(province) if province else province_in_address(address)
    if match:
        return Group(match.current.slug, match.current.name, match.former)
    if province:
        return Group(bounded_slug(province) or "khac", province, None, False)
    return Group("khac", "", None, False)


def province_in_address(address: Optional[str]) -> Optional[ProvinceMatch]:
    """A province named in the last parts of a free-text address, if any."""
    if not address:
        return None
    parts = [p.strip() for p in re.split(r"[,;()\n]", address) if p.strip()]
    for part in reversed(parts[-3:]):
        found = match_province(part)
        if found:
            return found
    return None


def check_location(location: Any) -> list[tuple[str, str]]:
    """Problems with a ``location`` (province, optional district, commune): (field, message) pairs.

    A name is known when it is a unit of the current province or of any former
    province merged into it, in either era.
    """
    return list(check_names(location.province, location.district, location.commune))


@lru_cache(maxsize=65536)
def check_names(province: str, district: Optional[str], commune: Optional[str]) -> tuple[tuple[str, str], ...]:
    """:func:`check_location` of the names as written (cached: the same places recur)."""
    problems: list[tuple[str, str]] = []
    t = tables()
    match = match_province(province)
    if match is None:
        hint = suggest_province(province)
        problems.append(("province", f"'{shortened(province)}' is not a province of Vietnam, before or after "
                                     f"the July 2025 reform{hint}"))
        return tuple(problems)
    where = f"{match.former} (now part of {match.current.name})" if match.former else match.current.name
    code = match.current.code
    if district and _key(district, _DISTRICT_TYPES) not in t.districts[code]:
        hint = _suggest(district, t.districts[code].values())
        problems.append(("district", f"'{shortened(district)}' is not a former district of {where}{hint}"))
    if commune and _key(commune, _COMMUNE_TYPES) not in t.communes[code]:
        hint = _suggest(commune, t.communes[code].values(), _COMMUNE_TYPES)
        problems.append(("commune", f"'{shortened(commune)}' is not a commune or ward of {where}, "
                                    f"before or after the July 2025 reform{hint}"))
    return tuple(problems)


def suggest_province(name: str) -> str:
    """"; did you mean 'Tuyên Quang'?" for a near miss of a province of either era, else ''."""
    return _suggest(name, tables().names)


def selection_keys(name: str) -> set[str]:
    """The slugs a product's province must show (its current province's, or as written) to be
    selected by ``name``: a current province takes in the former ones merged into it, a former one
    only the records that name it, and other spellings ("TP.HCM") their province."""
    keys = {slugify(name)}
    match = match_province(name)
    if match is not None:
        keys.add(slugify(match.former) if match.former else match.current.slug)
    return keys


def _suggest(word: str, names: Iterable[str], types: tuple[str, ...] = _PROVINCE_TYPES) -> str:
    import difflib

    by_key: dict[str, str] = {}
    for n in names:
        by_key.setdefault(_key(n, types), n)
    close = difflib.get_close_matches(_key(word, types), list(by_key), n=1, cutoff=0.75)
    return f"; did you mean '{by_key[close[0]]}'?" if close else ""
