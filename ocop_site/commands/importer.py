"""``ocop-site import``: an office's spreadsheet of OCOP products → product records and producer stubs.

SPEC §8. A sheet is read by :mod:`ocop_site.commands.spreadsheets`, its header row found and its cells
understood by :mod:`ocop_site.commands.cells` (stars, scores, dates, decisions, addresses, product groups,
as offices write them; see docs/import.md); here the rows become:

* ``products/<CODE>.yaml`` for a product the site does not have yet;
* ``content/producers/<slug>.md`` for a producer no existing producer has the folded name of;
* a certification appended to an existing record (same code, or same folded name and producer)
  when the sheet gives a decision it does not record yet. The record's text is never re-dumped:
  the new list item is inserted after the last certification, so every other byte (comments,
  order, quoting) stays. A decision already recorded changes nothing, so importing the same
  file twice is a no-op.

Every problem is a diagnostic at the sheet's row and column (``annex.xlsx:14:3: …(cell C14)``).
With an error nothing is written unless ``keep_going``; then the sound rows are. What is
written is validated with the same schema as ``check`` before any file is touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from ..core.diagnostics import Diagnostic, Position, has_errors, shortened
from ..core.files import write_atomic
from ..core.vietnamese import fold, slugify
from ..records.catalog import PRODUCERS_DIR, PRODUCTS_DIR, discover, load_config, load_file, parse_source
from ..records.fields import CODE_PATTERN
from ..records.provinces import _COMMUNE_TYPES, _DISTRICT_TYPES, check_names
from ..records.schema import Producer, Product, validate
from ..records.sources import SourceText
from .cells import (
    PROVINCE_WORDS,
    Bad,
    DecisionCell,
    Layout,
    find_layout,
    header_key,
    level_of_issuer,
    parse_address,
    parse_category,
    parse_date,
    parse_decision,
    parse_level,
    parse_score,
    parse_stars,
    province_of_issuer,
    strip_type,
)
from .spreadsheets import Sheet, cell_name, column_letter, read_sheets, text_of

# --- one row ----------------------------------------------------------------------------------

@dataclass
class Options:
    """What the command line gives for the whole sheet."""

    sheet: Optional[str] = None
    prefix: Optional[str] = None
    decision: Optional[str] = None
    issued: Optional[date] = None
    issuer: Optional[str] = None
    level: Optional[str] = None
    dry_run: bool = False
    keep_going: bool = False


@dataclass
class Row:
    """One product row of the sheet, understood."""

    row0: int
    name: str
    producer: str
    code: Optional[str] = None
    category: Optional[str] = None
    subgroup: Optional[str] = None
    location: dict[str, str] = field(default_factory=dict)
    address: Optional[str] = None
    representative: Optional[str] = None
    phone: Optional[str] = None
    description: Optional[str] = None
    cert: dict[str, Any] = field(default_factory=dict)
    at: dict[str, int] = field(default_factory=dict)   # field → column, for diagnostics


@dataclass
class Defaults:
    """Sheet-wide values: the command line's, else those found in the title rows."""

    decision: Optional[str] = None
    issued: Optional[date] = None
    issuer: Optional[str] = None
    level: Optional[str] = None


class RowReader:
    """Turns the rows of one sheet into :class:`Row` objects and diagnostics."""

    def __init__(self, sheet: Sheet, layout: Layout, shown: str, defaults: Defaults):
        self.sheet, self.layout, self.shown, self.defaults = sheet, layout, shown, defaults
        self.diagnostics: list[Diagnostic] = []
        self.section_category: Optional[str] = None
        self.errors = 0

    def at(self, row0: int, col0: int) -> Position:
        return Position(self.shown, row0 + 1, col0 + 1)

    def problem(self, row0: int, col0: int, code: str, what: str, message: str, warning: bool = False) -> None:
        where = self.at(row0, col0)
        text = f"{what}: {message} (cell {cell_name(row0, col0)})"
        self.diagnostics.append(where.warning(code, text) if warning else where.error(code, text))
        self.errors += not warning

    def rows(self) -> list[tuple[Row, bool]]:
        """Every product row with whether it is sound (no error)."""
        found = []
        for r in range(self.layout.first0, len(self.sheet.rows)):
            before = self.errors
            row = self.read(r)
            if row is not None:
                found.append((row, self.errors == before))
        return found

    def value(self, r: int, role: str) -> Any:
        c = self.layout.cols.get(role)
        return self.sheet.cell(r, c) if c is not None else ""

    def text(self, r: int, role: str) -> str:
        return text_of(self.value(r, role))

    def read(self, r: int) -> Optional[Row]:
        cols = self.layout.cols
        name = self.text(r, "name")
        facts = [self.text(r, k) for k in ("producer", "stars", "score", "decision", "code")]
        numbered = isinstance(self.value(r, "index"), (int, float)) or self.text(r, "index").isdigit()
        if not name or not (any(facts) or numbered):
            # a blank row, a section row ("I. Nhóm thực phẩm"), a total or a signature: not a product
            for v in self.sheet.rows[r]:
                text = text_of(v)
                category = parse_category(text) if text and len(text) < 80 else None
                if category:
                    self.section_category = category
                    break
            if not name and any(facts):
                self.problem(r, cols["name"], "E505", "name", "the product name is empty")
            return None
        row = Row(r, name, self.text(r, "producer"), at=dict(cols))
        if not row.producer:
            self.problem(r, cols.get("producer", cols["name"]), "E505", "producer",
                         "the producer (chủ thể) is empty" if "producer" in cols else
                         "the sheet has no producer column (Chủ thể, Tên chủ thể, Đơn vị sản xuất)")
        self._code(r, row)
        self._category(r, row)
        self._certification(r, row)
        self._location(r, row)
        row.representative = self.text(r, "representative") or None
        row.phone = self.text(r, "phone") or None
        row.description = self.text(r, "description") or None
        return row

    def _code(self, r: int, row: Row) -> None:
        code = self.text(r, "code")
        if code:
            if re.fullmatch(CODE_PATTERN, code):
                row.code = code
            else:
                self.problem(r, self.layout.cols["code"], "E509", "code",
                             f"'{shortened(code)}' is not a product code (letters, digits, '.', '_', '-'; at most 40)")

    def _category(self, r: int, row: Row) -> None:
        cells = [(c, text_of(self.sheet.cell(r, c))) for role in ("category", "subgroup")
                 for c in self.layout.multi[role]]
        cells = [(c, t) for c, t in cells if t]
        for _, t in cells:
            category = parse_category(t)
            if category:
                row.category = category
                break
        rest = [t for c, t in cells if parse_category(t) is None]
        sub = [text_of(self.sheet.cell(r, c)) for c in self.layout.multi["subgroup"]]
        row.subgroup = next((t for t in sub if t and parse_category(t) is None), None) or (rest[0] if rest else None)
        if row.category is None:
            row.category = self.section_category
        if row.category is None:
            col = cells[0][0] if cells else (self.layout.multi["category"] + self.layout.multi["subgroup"]
                                              + [self.layout.cols["name"]])[0]
            found = f"'{shortened(cells[0][1])}' is not" if cells else "no cell names"
            self.problem(r, col, "E508", "category",
                         f"{found} one of the six product groups (Thực phẩm, Đồ uống, Thảo dược, "
                         f"Thủ công mỹ nghệ, Sinh vật cảnh, Dịch vụ du lịch…)")

    def _location(self, r: int, row: Row) -> None:
        cols = self.layout.cols
        address = self.text(r, "address")
        row.address = address or None
        province = strip_type(self.text(r, "province"), PROVINCE_WORDS) if self.text(r, "province") else None
        loc = parse_address(address, province) if address else ({"province": province} if province else {})
        if not loc.get("province") and row.cert.get("issuer"):
            # a provincial annex does not repeat its province on each row: the decision's UBND tỉnh says it
            issuer_province = province_of_issuer(row.cert["issuer"])
            if issuer_province:
                loc = parse_address(address, issuer_province) if address else {"province": issuer_province}
        if self.text(r, "district"):
            loc["district"] = strip_type(self.text(r, "district"), _DISTRICT_TYPES)
        if self.text(r, "commune"):
            loc["commune"] = strip_type(self.text(r, "commune"), _COMMUNE_TYPES)
        row.location = loc
        where = cols.get("address", cols.get("province", cols.get("commune", cols["name"])))
        for part in ("province", "commune"):
            if not loc.get(part):
                col = cols.get(part, where)
                named = {"province": "province (tỉnh)", "commune": "commune (xã, phường)"}[part]
                self.problem(r, col, "E505", "location",
                             f"no {named} in " + (f"the address '{shortened(address)}'" if address and part not in cols
                                                  else "this row"))
        if loc.get("province") and loc.get("commune"):
            for what, message in check_names(loc["province"], loc.get("district"), loc["commune"]):
                col = cols.get(what, where)
                self.problem(r, col, "W502", what, message, warning=True)

    def _certification(self, r: int, row: Row) -> None:
        cols, d = self.layout.cols, self.defaults
        cert: dict[str, Any] = {}
        decision = DecisionCell(None, None, None)
        if self.text(r, "decision"):
            try:
                decision = parse_decision(self.value(r, "decision"))
            except Bad as exc:
                self.problem(r, cols["decision"], "E507", "decision", str(exc))
        cert["decision"] = decision.number or d.decision
        if not cert["decision"]:
            self.problem(r, cols.get("decision", cols["name"]), "E505", "decision",
                         "no decision number: add a column 'Số quyết định' or give --decision")
        if self.text(r, "certificate"):
            cert["certificate"] = self.text(r, "certificate")
        issued = decision.issued
        if self.text(r, "issued"):
            try:
                issued = parse_date(self.value(r, "issued"))
            except Bad as exc:
                self.problem(r, cols["issued"], "E507", "issued", str(exc))
                issued = False  # reported
        cert["issued"] = issued if issued is not None else d.issued
        if cert["issued"] is None:
            self.problem(r, cols.get("issued", cols.get("decision", cols["name"])), "E505", "issued",
                         "no date of the decision: add a column 'Ngày công nhận', write "
                         "'… ngày 27/02/2024' in the decision cell, or give --issued")
        cert["issuer"] = self.text(r, "issuer") or decision.issuer or d.issuer
        if not cert["issuer"]:
            self.problem(r, cols.get("issuer", cols.get("decision", cols["name"])), "E505", "issuer",
                         "who issued the decision is not said: add a column 'Cơ quan công nhận', write "
                         "'… của UBND tỉnh …' in the decision cell, or give --issuer")
        level = None
        if self.text(r, "level"):
            level = parse_level(self.text(r, "level"))
            if level is None:
                self.problem(r, cols["level"], "E508", "level",
                             f"'{shortened(self.text(r, 'level'))}' is not a level (xã, huyện, tỉnh, quốc gia)")
        level = level or d.level or (level_of_issuer(cert["issuer"]) if cert["issuer"] else None)
        if level:
            cert["level"] = level
        cert["stars"] = self._stars(r)
        if self.text(r, "valid_until"):
            try:
                cert["valid_until"] = parse_date(self.value(r, "valid_until"))
            except Bad as exc:
                self.problem(r, cols["valid_until"], "E507", "valid_until", str(exc))
        if isinstance(cert.get("issued"), date) and isinstance(cert.get("valid_until"), date) \
                and cert["valid_until"] < cert["issued"]:
            self.problem(r, cols["valid_until"], "E507", "valid_until",
                         f"{cert['valid_until']:%d/%m/%Y} is before the decision's date {cert['issued']:%d/%m/%Y}")
        row.cert = cert

    def _stars(self, r: int) -> Optional[int]:
        cols = self.layout.cols
        stars = from_score = None
        if self.text(r, "stars"):
            try:
                stars, _ = parse_stars(self.value(r, "stars"))
            except Bad as exc:
                self.problem(r, cols["stars"], "E506", "stars", str(exc))
                return None
        if self.text(r, "score"):
            try:
                from_score = parse_score(self.value(r, "score"))
            except Bad as exc:
                self.problem(r, cols["score"], "E506", "score", str(exc))
                return None
        if stars and from_score and stars != from_score:
            self.problem(r, cols["score"], "W503", "score",
                         f"a score of {self.text(r, 'score')} gives {from_score} stars but the sheet says {stars}; "
                         f"{stars} is used", warning=True)
        if stars is None and from_score is None:
            self.problem(r, cols.get("stars", cols.get("score", cols["name"])), "E505", "stars",
                         "no stars and no score in this row")
        return stars or from_score


def title_defaults(sheet: Sheet, layout: Layout) -> Defaults:
    """A decision named in the title rows above the header ('Kèm theo Quyết định số 1234/QĐ-UBND
    ngày 27/02/2024 của UBND tỉnh Lạng Sơn'): the decision of an annex."""
    for r in range(layout.header0):
        for v in sheet.rows[r]:
            text = text_of(v)
            m = re.search(r"(quyết định|qđ)\s*(số)?\s*[:]?\s*\d+\s*/", text, re.IGNORECASE)
            if m:
                try:
                    cell = parse_decision(text[m.start():].rstrip(")"))
                except Bad:
                    continue
                if cell.number:
                    level = level_of_issuer(cell.issuer) if cell.issuer else None
                    return Defaults(cell.number, cell.issued, cell.issuer, level)
    return Defaults()


# --- the site as it is ----------------------------------------------------------------------

_ABBREVIATIONS = (("htx", "hop tac xa"), ("cty", "cong ty"), ("ct", "cong ty"), ("hkd", "ho kinh doanh"),
                  ("tht", "to hop tac"), ("dntn", "doanh nghiep tu nhan"))
_SLUG_PREFIXES = (("hop tac xa", "htx"), ("cong ty co phan", "cty"), ("cong ty tnhh mot thanh vien", "cty"),
                  ("cong ty tnhh", "cty"), ("cong ty", "cty"), ("ho kinh doanh", "hkd"), ("to hop tac", "tht"),
                  ("doanh nghiep tu nhan", "dntn"), ("co so", "cs"))
_TYPES = (("hop tac xa", "cooperative"), ("cong ty", "enterprise"), ("doanh nghiep", "enterprise"),
          ("ho kinh doanh", "household"), ("ho gia dinh", "household"), ("to hop tac", "group"),
          ("nhom", "group"))


@lru_cache(maxsize=65536)
def producer_key(name: str) -> str:
    """Folded name for matching producers; 'HTX', 'Cty', 'HKD' read as the words they shorten."""
    words = header_key(name).split()
    if words and words[0] in dict(_ABBREVIATIONS):
        words[0] = dict(_ABBREVIATIONS)[words[0]]
    return " ".join(words)


def producer_slug(name: str, taken: set[str]) -> str:
    key = producer_key(name)
    for long, short in _SLUG_PREFIXES:
        if key.startswith(long + " "):
            key = short + key[len(long):]
            break
    words, slug = slugify(key).split("-"), ""
    for w in words:
        if len(slug) + len(w) + 1 > 60 and slug:
            break
        slug = f"{slug}-{w}" if slug else w
    slug = slug or "chu-the"
    unique, n = slug, 2
    while unique in taken:
        unique, n = f"{slug}-{n}", n + 1
    return unique


def producer_type(name: str) -> Optional[str]:
    key = producer_key(name)
    return next((t for words, t in _TYPES if key.startswith(words + " ") or key == words), None)


def decision_key(number: str) -> str:
    return re.sub(r"\s+", "", fold(number))


@dataclass
class Existing:
    path: str
    record: Optional[Product]


class Site:
    """The products and producers already in the site folder."""

    def __init__(self, root: Path):
        self.root = root
        config, _ = load_config(root)
        languages = config.languages if config else ("vi",)
        self.products: dict[str, Existing] = {}        # code (casefolded) → the record
        self.by_name: dict[tuple[str, str], str] = {}  # (folded name, producer slug) → code
        self.names: dict[str, str] = {}                # folded name → a code (any producer)
        self.producers: dict[str, str] = {}            # producer_key(name) → slug
        self.slugs: set[str] = set()
        for path, kind in discover(root):
            if kind == "product":
                loaded = load_file(root, path, kind, languages, positions=False)
                code = path.name[:-len(".yaml")]
                self.products[code.casefold()] = Existing(loaded.path, loaded.record)
                if loaded.record is not None:
                    self.by_name.setdefault((fold(loaded.record.name), loaded.record.producer), loaded.record.code)
                    self.names.setdefault(fold(loaded.record.name), loaded.record.code)
            elif kind == "producer":
                slug = path.name[:-len(".md")].split(".")[0]
                self.slugs.add(slug)
                if "." in path.name[:-len(".md")]:
                    continue
                loaded = load_file(root, path, kind, languages, positions=False)
                if loaded.record is not None:
                    self.producers.setdefault(producer_key(loaded.record.name), slug)


# --- writing YAML text ----------------------------------------------------------------------

_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\x00-\x1f\x7f]*")
_NULLS = {"null", "Null", "NULL", "~"}


@lru_cache(maxsize=65536)
def _plain_text(text: str) -> bool:
    """Whether ``text`` can be written unquoted: YAML reads it back as one plain scalar, the same
    text (ocop-site keeps every value as written: ``0912345678``, ``No`` stay text), and not empty."""
    return text.isprintable() and bool(_PLAIN.fullmatch(text)) and ": " not in text and " #" not in text \
        and not text.endswith((":", " ")) and text not in _NULLS


def scalar(value: Any) -> str:
    """A value as YAML text: plain when that reads back as the same text, else double-quoted."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _plain_text(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)   # a JSON string is a YAML double-quoted scalar…
    return "".join(c if c.isprintable() else f"\\U{ord(c):08x}" for c in quoted)   # …printable, as YAML wants


_CERT_KEYS = ("decision", "certificate", "issued", "issuer", "level", "stars", "valid_until")


def certification_lines(cert: dict[str, Any], dash: int, indent: int) -> list[str]:
    keys = [k for k in _CERT_KEYS if cert.get(k) is not None]
    lines = []
    for i, k in enumerate(keys):
        lead = " " * dash + "-" + " " * (indent - dash - 1) if i == 0 else " " * indent
        lines.append(f"{lead}{k}: {scalar(cert[k])}")
    return lines


def product_text(code: str, row: Row, producer: str, certs: list[dict[str, Any]], origin: str) -> str:
    lines = [f"# {origin}", f"code: {scalar(code)}", f"name: {scalar(row.name)}", f"category: {row.category}"]
    if row.subgroup:
        lines.append(f"subgroup: {scalar(row.subgroup)}")
    lines.append(f"producer: {producer}")
    lines.append("location:")
    lines += [f"  {k}: {scalar(row.location[k])}" for k in ("province", "district", "commune") if row.location.get(k)]
    if row.description:
        lines.append(f"description: {scalar(row.description)}")
    lines.append("certifications:")
    for cert in certs:
        lines += certification_lines(cert, 2, 4)
    return "\n".join(lines) + "\n"


def producer_text(row: Row, origin: str) -> str:
    lines = ["---", f"# {origin}", f"name: {scalar(row.producer)}"]
    kind = producer_type(row.producer)
    if kind:
        lines.append(f"type: {kind}")
    if row.representative:
        lines.append(f"representative: {scalar(row.representative)}")
    if row.location.get("province") and row.location.get("commune"):
        lines.append("location:")
        lines += [f"  {k}: {scalar(row.location[k])}" for k in ("province", "district", "commune")
                  if row.location.get(k)]
    if row.address:
        lines.append(f"address: {scalar(row.address)}")
    if row.phone:
        lines.append(f"phone: {scalar(row.phone)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


class AppendError(ValueError):
    pass


def append_certification(text: str, cert: dict[str, Any]) -> str:
    """``text`` with ``cert`` inserted as the last item of its ``certifications:`` list; nothing
    else changes (comments, blank lines, order, line ends)."""
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        root = yaml.compose(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # libyaml: positions in characters too
    except yaml.YAMLError as exc:
        raise AppendError(f"the file is not valid YAML ({' '.join(str(exc).split())[:120]})") from None
    if not isinstance(root, yaml.MappingNode):
        raise AppendError("the file is not a mapping")
    seq = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "certifications"), None)
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        raise AppendError("it has no list of certifications to add to")
    if seq.flow_style:
        raise AppendError("its certifications are written as a [flow list]; write them one per line "
                          "('- decision: …') so a new one can be added")
    last = seq.value[-1]
    end = _last_scalar(last).end_mark.index
    line_start = body.rfind("\n", 0, last.start_mark.index) + 1
    dash = body.rfind("-", line_start, last.start_mark.index)
    if dash < 0:
        raise AppendError("its certifications list cannot be read back")
    dash_col, key_col = dash - line_start, last.start_mark.column
    newline = "\r\n" if "\r\n" in body else "\n"
    eol = body.find("\n", end) if not (end > 0 and body[end - 1] == "\n") else end - 1
    lines = certification_lines(cert, dash_col, key_col)
    if eol < 0:   # the last item ends the file, without a line end
        insert = newline + newline.join(lines)
        new = body + insert
    else:
        new = body[:eol + 1] + newline.join(lines) + newline + body[eol + 1:]
    return ("\ufeff" if text.startswith("\ufeff") else "") + new


def _last_scalar(node: yaml.Node) -> yaml.Node:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


# --- the import -----------------------------------------------------------------------------

@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    created: list[str] = field(default_factory=list)      # site-relative paths of new files
    appended: list[tuple[str, str]] = field(default_factory=list)   # (path, decision) certifications added
    unchanged: int = 0                                    # rows already recorded
    rows: int = 0                                         # product rows read
    skipped: list[int] = field(default_factory=list)      # sheet rows left out because of errors
    written: bool = False
    sheet: Optional[str] = None


@dataclass
class _Planned:
    code: str
    row: Row
    producer: str
    certs: list[dict[str, Any]]
    rows: list[int]


def import_file(path: Path, root: Path, options: Options, shown: Optional[str] = None) -> Result:
    """Import the spreadsheet at ``path`` into the site folder ``root``."""
    shown = shown or str(path)
    result = Result()
    if not (root / "site.yaml").is_file():   # records are written into a site folder, never beside a stray file
        result.diagnostics.append(Position("site.yaml").error(
            "E109", f"no site.yaml in {root}; is this a site folder? (import writes into --source)"))
        return result
    sheets, diags = read_sheets(path, shown, options.sheet)
    result.diagnostics += diags
    if not sheets:
        return result
    chosen = next(((s, layout) for s in sheets if (layout := find_layout(s)) is not None), None)
    if chosen is None:
        where = f"sheet '{sheets[0].name}'" if options.sheet else "any sheet"
        result.diagnostics.append(Position(shown).error(
            "E504", f"no header row found in {where}: no column is named like a product name "
                    f"('Tên sản phẩm', 'Sản phẩm'); see docs/import.md for the names understood"))
        return result
    sheet, layout = chosen
    result.sheet = sheet.name
    shown_sheet = shown
    for c, text in layout.unknown:
        result.diagnostics.append(Position(shown_sheet, layout.header0 + 1, c + 1).warning(
            "W501", f"column '{shortened(text)}' is not one ocop-site knows; it is not imported "
                    f"(cell {cell_name(layout.header0, c)})"))
    for c, text, first in layout.repeated:
        result.diagnostics.append(Position(shown_sheet, layout.header0 + 1, c + 1).warning(
            "W501", f"column '{shortened(text)}' holds what column {column_letter(first)} already does; "
                    f"only column {column_letter(first)} is imported (cell {cell_name(layout.header0, c)})"))
    found = title_defaults(sheet, layout)
    defaults = Defaults(options.decision or found.decision,
                        options.issued or (found.issued if not options.decision else None),
                        options.issuer or (found.issuer if not options.decision else None),
                        options.level or (found.level if not (options.issuer or options.decision) else None))
    if options.decision and not options.issued:
        cell = parse_decision(options.decision)
        defaults.decision, defaults.issued = cell.number or options.decision, cell.issued
        defaults.issuer = defaults.issuer or cell.issuer
    reader = RowReader(sheet, layout, shown_sheet, defaults)
    rows = reader.rows()
    result.diagnostics += reader.diagnostics
    result.rows = len(rows)
    site = Site(root)

    def origin_of(row0: int) -> str:
        return f"Imported from {path.name}" + (f", sheet '{sheet.name}'" if sheet.name else "") + f", row {row0 + 1}."

    files, plan_diags = _plan(site, [r for r, ok in rows if ok], options, origin_of, shown_sheet, result)
    result.diagnostics += plan_diags
    errors = has_errors(result.diagnostics)
    result.skipped = sorted(set(result.skipped) | {r.row0 + 1 for r, ok in rows if not ok})
    if errors and not options.keep_going or options.dry_run:
        return result
    for rel, data in files.items():
        try:
            write_atomic(root / rel, data.encode("utf-8"))
        except OSError as exc:
            result.diagnostics.append(Position(rel).error("E512", f"cannot write the file: {exc.strerror or exc}"))
    result.written = bool(files)
    return result


def _plan(site: Site, rows: list[Row], options: Options, origin_of: Callable[[int], str], shown: str,
          result: Result) -> tuple[dict[str, str], list[Diagnostic]]:
    """What to write: {site-relative path: full new text}; new files and appended records."""
    diags: list[Diagnostic] = []
    new_producers: dict[str, tuple[str, Row]] = {}   # key → (slug, first row)
    new_products: dict[str, _Planned] = {}           # code (casefolded) → planned record
    new_by_name: dict[tuple[str, str], str] = {}
    appends: dict[str, list[tuple[dict[str, Any], Row]]] = {}   # existing code → new certifications
    numbers: dict[tuple[str, int], int] = {}
    for code in [*site.products, *(r.code.casefold() for r in rows if r.code)]:   # numbers already used
        m = re.fullmatch(r"(.+)-(\d{4})-(\d+)", code)
        if m:
            key = (m[1], int(m[2]))
            numbers[key] = max(numbers.get(key, 0), int(m[3]))
    taken = set(site.slugs)

    def err(row: Row, role: str, code: str, message: str, warning: bool = False) -> None:
        col = row.at.get(role, row.at["name"])
        pos = Position(shown, row.row0 + 1, col + 1)
        text = f"{message} (cell {cell_name(row.row0, col)})"
        diags.append(pos.warning(code, text) if warning else pos.error(code, text))
        if not warning:
            result.skipped.append(row.row0 + 1)

    for row in rows:
        pkey = producer_key(row.producer)
        slug = site.producers.get(pkey)
        if slug is None:
            if pkey not in new_producers:
                new_producers[pkey] = (producer_slug(row.producer, taken), row)
                taken.add(new_producers[pkey][0])
            slug = new_producers[pkey][0]
        cert = row.cert
        code = row.code
        existing = site.products.get(code.casefold()) if code else None
        if code is None:
            code = site.by_name.get((fold(row.name), slug)) or new_by_name.get((fold(row.name), slug))
            existing = site.products.get(code.casefold()) if code else None
        elif existing is None and (twin := site.by_name.get((fold(row.name), slug))):
            err(row, "code", "E510", f"code: {code} is not in the site, but {site.products[twin.casefold()].path} "
                                     f"is the same product (same name and producer); correct the code in the sheet "
                                     f"or in the record")
            continue
        if existing is not None:
            record = existing.record
            if record is None:
                err(row, "code" if row.code else "name", "E511",
                    f"{existing.path} has errors; fix them (ocop-site check) before importing into it")
                continue
            if row.code and fold(record.name) != fold(row.name):
                err(row, "code", "E510", f"code: {record.code} is '{shortened(record.name)}' in {existing.path}, "
                                         f"not '{shortened(row.name)}'")
                continue
            known = {decision_key(c.decision): c for c in record.certifications}
            recorded = known.get(decision_key(cert["decision"]))
            planned = [c for c, _ in appends.get(record.code, [])]
            if recorded is None:
                recorded_now = next((c for c in planned if decision_key(c["decision"]) == decision_key(cert["decision"])),
                                    None)
                if recorded_now is None:
                    appends.setdefault(record.code, []).append((cert, row))
                    continue
                _same(recorded_now, cert, row, err, "another row of the sheet")
                result.unchanged += 1
                continue
            if recorded.stars != cert["stars"] or recorded.issued != cert["issued"]:
                err(row, "stars" if recorded.stars != cert["stars"] else "issued", "W504",
                    f"{existing.path} already records {recorded.decision} ({recorded.stars} stars, "
                    f"{recorded.issued:%d/%m/%Y}); the sheet says {cert['stars']} stars, {cert['issued']:%d/%m/%Y}; "
                    f"the record is left as it is", warning=True)
            result.unchanged += 1
            continue
        planned_product = new_products.get(code.casefold()) if code else None
        if planned_product is not None:
            if fold(planned_product.row.name) != fold(row.name):
                err(row, "code", "E510", f"code: {code} is given to '{shortened(planned_product.row.name)}' in "
                                         f"row {planned_product.rows[0]} and to '{shortened(row.name)}' here")
                continue
            twin = next((c for c in planned_product.certs if decision_key(c["decision"]) == decision_key(cert["decision"])),
                        None)
            if twin is None:
                planned_product.certs.append(cert)
                planned_product.rows.append(row.row0 + 1)
            else:
                _same(twin, cert, row, err, f"row {planned_product.rows[0]}")
                result.unchanged += 1
            continue
        if code is None:
            prefix = options.prefix or _province_prefix(row.location.get("province", ""))
            key = (prefix.casefold(), cert["issued"].year)
            numbers[key] = numbers.get(key, 0) + 1
            code = f"{prefix}-{cert['issued'].year}-{numbers[key]:04d}"
        namesake = site.names.get(fold(row.name))
        if namesake:
            other = site.products[namesake.casefold()]
            err(row, "producer", "W505", f"{other.path} has the same name under producer "
                                         f"'{other.record.producer}'; a new record is made for this producer. If it is "
                                         f"the same product, give its code in a code column (Mã sản phẩm)", warning=True)
        new_products[code.casefold()] = _Planned(code, row, slug, [cert], [row.row0 + 1])
        new_by_name[(fold(row.name), slug)] = code

    files: dict[str, str] = {}
    used = {p.producer for p in new_products.values()}
    for slug, row in new_producers.values():
        if slug not in used:   # a row matched to an existing record: its producer is the record's
            continue
        rel = f"{PRODUCERS_DIR}/{slug}.md"
        text = producer_text(row, origin_of(row.row0))
        if _validated(rel, text, "producer", row, err):
            files[rel] = text
            result.created.append(rel)
    for planned in new_products.values():
        rel = f"{PRODUCTS_DIR}/{planned.code}.yaml"
        certs = sorted(planned.certs, key=lambda c: c["issued"])
        text = product_text(planned.code, planned.row, planned.producer, certs, origin_of(planned.row.row0))
        if _validated(rel, text, "product", planned.row, err):
            files[rel] = text
            result.created.append(rel)
    for code, items in appends.items():
        existing = site.products[code.casefold()]
        rel = existing.path
        try:
            text = (site.root / rel).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            for _, row in items:
                err(row, "name", "E511", f"cannot read {rel}: {exc}")
            continue
        try:
            for cert, _ in sorted(items, key=lambda item: item[0]["issued"]):
                text = append_certification(text, cert)
        except AppendError as exc:
            for _, row in items:
                err(row, "name", "E511", f"cannot add a certification to {rel}: {exc}")
            continue
        if _validated(rel, text, "product", items[0][1], err):
            files[rel] = text
            result.appended += [(rel, cert["decision"]) for cert, _ in sorted(items, key=lambda i: i[0]["issued"])]
    return files, diags


def _same(before: dict[str, Any], cert: dict[str, Any], row: Row, err, where: str) -> None:
    if before["stars"] != cert["stars"] or before["issued"] != cert["issued"]:
        err(row, "stars", "E510", f"decision {cert['decision']} gives this product {before['stars']} stars on "
                                  f"{before['issued']:%d/%m/%Y} in {where} and {cert['stars']} stars on "
                                  f"{cert['issued']:%d/%m/%Y} here")


def _validated(rel: str, text: str, kind: str, row: Row, err) -> bool:
    """The same per-file checks as ``check``, on text about to be written: a fault here is a fault of
    the importer or of a value the sheet holds that no check above caught; it is reported at the row."""
    source = SourceText(rel, text.lstrip("\ufeff").replace("\r\n", "\n"))
    data, smap, _, _, diags = parse_source(source, kind)
    if not diags and smap is not None:
        _, diags = validate(Product if kind == "product" else Producer, data, smap)
    errors = [d for d in diags if d.is_error]
    for d in errors:
        err(row, "name", "E513", f"{rel} would not be valid, line {d.line}: {d.message}")
    return not errors


def _province_prefix(province: str) -> str:
    """'Lạng Sơn' → 'LS', 'Hồ Chí Minh' → 'HCM': the initials, when no --prefix is given."""
    words = header_key(strip_type(province, PROVINCE_WORDS)).split()
    return "".join(w[0] for w in words).upper() or "OCOP"
