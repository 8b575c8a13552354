"""``ocop-site report``: the coordinating office's audit as ``report.html``, ``issues.csv`` and ``issues.xlsx``.

The findings come from :mod:`ocop_site.records.audit`; this module only arranges them
for people (an HTML page, counts first, grouped by today's province and commune,
readable on screen and on paper) and for spreadsheets (one CSV row per
finding; ``issues.xlsx`` holds the same rows as a sheet to filter and forward to the districts).
The page is rendered with the default theme's ``report.html`` and
its translations (Vietnamese first); a site can override the template in its
own ``templates/``. It is a single self-contained file: its stylesheet is
embedded so it can be mailed or printed, and it has no script.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Optional

from ..core.files import write_atomic
from ..core.routes import Routes
from ..core.vietnamese import sort_key
from ..records import audit
from ..records.catalog import Catalog
from ..records.provinces import group as province_group
from ..records.validity import Status, standing
from ..site.exports import spreadsheet_cell
from ..site.themes import find_theme, make_environment

REPORT_FILE = "report.html"
ISSUES_FILE = "issues.csv"
ISSUES_XLSX = "issues.xlsx"
#: Widths of issues.xlsx's columns, in characters (names are long; codes and dates short).
_XLSX_WIDTHS = {"code": 16, "name": 40, "producer": 30, "province": 16, "commune": 18, "status": 10,
                "valid_until": 12, "issue": 22}


def issues_csv(findings: list[audit.Finding]) -> bytes:
    """``code,name,producer,province,commune,status,valid_until,issue``; UTF-8 with a BOM for Excel, text
    cells made formula-safe (exports.spreadsheet_cell)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=audit.CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for f in findings:
        writer.writerow({k: spreadsheet_cell(v) for k, v in f.row().items()})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def issues_xlsx(findings: list[audit.Finding], today: date, lang: str = "vi") -> bytes:
    """The rows of issues.csv as one sheet: the same columns, an autofilter on the header, the
    header row frozen, widths for the content, ``valid_until`` as a date cell (DD/MM/YYYY).

    The same findings and ``today`` give the same bytes: the file's dates (its properties and
    every zip entry) are set to ``today`` instead of the clock."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tồn tại" if lang == "vi" else "Findings"
    ws.append(list(audit.CSV_FIELDS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in findings:
        row = f.row()
        ws.append([f.valid_until if key == "valid_until" else row[key] for key in audit.CSV_FIELDS])
    until = audit.CSV_FIELDS.index("valid_until") + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=until, max_col=until):
        cell.number_format = "DD/MM/YYYY"
    for i, key in enumerate(audit.CSV_FIELDS, 1):
        ws.column_dimensions[get_column_letter(i)].width = _XLSX_WIDTHS[key]
    ws.auto_filter.ref = f"A1:{get_column_letter(len(audit.CSV_FIELDS))}{max(ws.max_row, 1)}"
    ws.freeze_panes = "A2"
    stamp = datetime(today.year, today.month, today.day)
    wb.properties.creator = "ocop-site"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_xlsx(buf.getvalue(), stamp)


def reproducible_xlsx(data: bytes, stamp: datetime) -> bytes:
    """An .xlsx with its clock-dependent parts fixed: openpyxl stamps 'modified' and every zip
    entry with the time of saving."""
    import re
    import zipfile

    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m[1] + when.encode(), content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


@dataclass
class ProductRow:
    """One product with its findings, as the report lists it."""

    code: str
    name: str
    producer: str            # name
    url: Optional[str]       # the public page
    status: str
    stars: Optional[int]
    valid_until: Optional[date]
    findings: list[audit.Finding] = field(default_factory=list)
    reason: Optional[str] = None   # revocation reason, for revoked products


@dataclass
class Commune:
    name: str
    products: list[ProductRow]
    former: Optional[str] = None   # the pre-2025 province its records name ("Hà Giang"), if not today's


@dataclass
class Province:
    name: str                # today's province ("Tuyên Quang"), or the name as written when unknown
    communes: list[Commune]
    counts: dict[str, int]   # issue → findings
    products: int            # products with a finding
    former: list[str] = field(default_factory=list)   # former provinces among its records


def arrange(catalog: Catalog, findings: list[audit.Finding], today: date, routes: Routes) -> dict:
    """The report's context: counts first, then provinces → communes → products → findings."""
    statuses = Counter(standing(e.record, today).status.value for e in catalog.products.values())
    rows: dict[str, ProductRow] = {}
    for f in findings:
        row = rows.get(f.code)
        if row is None:
            entry = catalog.products[f.code]
            st = standing(entry.record, today)
            producer = catalog.producers.get(f.producer)
            reason = st.last.revoked.reason if st.status is Status.REVOKED and st.last and st.last.revoked else None
            row = rows[f.code] = ProductRow(
                f.code, f.name, producer.record.name if producer else f.producer,
                routes.abs_url("product", f.code) if st.has_page else None, f.status, st.stars, f.valid_until,
                reason=reason)
        row.findings.append(f)
    provinces: dict[str, dict[tuple[str, Optional[str]], list[ProductRow]]] = {}
    for f in findings:   # already in (today's) province, commune, code order
        place = province_group(f.province)
        communes = provinces.setdefault(place.label, {})
        products = communes.setdefault((f.commune, place.former), [])
        if not products or products[-1].code != f.code:
            products.append(rows[f.code])
    groups = []
    for name, communes in provinces.items():
        items = [f for c in communes.values() for p in c for f in p.findings]
        merged = sorted({former for _, former in communes if former}, key=sort_key)
        groups.append(Province(name, [Commune(c, ps, former) for (c, former), ps in communes.items()],
                               audit.summary(items), sum(len(ps) for ps in communes.values()), merged))
    return {
        "today": today, "findings": findings, "counts": audit.summary(findings), "issues": audit.ISSUES,
        "statuses": {s.value: statuses.get(s.value, 0) for s in Status},
        "total_products": len(catalog.products), "products_with_findings": len(rows),
        "provinces": groups, "expiring_soon_days": catalog.config.expiring_soon_days,
        "skipped": catalog.skipped,
    }


def render_report(catalog: Catalog, findings: list[audit.Finding], today: date, lang: str) -> str:
    """report.html in ``lang`` (vi or en), rendered with the default theme."""
    routes = Routes.create(catalog.config.base_url, catalog.config.languages)
    theme = find_theme(catalog.root, "default")
    env = make_environment(catalog.root, theme, lang, routes, {},
                           {"config": catalog.config, "today": today, "languages": catalog.config.languages})
    context = arrange(catalog, findings, today, routes)
    return env.get_template(REPORT_FILE).render(report=context)


def write_report(catalog: Catalog, today: date, output: Path, lang: str = "vi") -> list[audit.Finding]:
    """Write report.html, issues.csv and issues.xlsx into ``output`` (created if needed); returns the findings.

    Only these three files are written (each replaced atomically); nothing else in
    the folder is touched. Raises OSError when the folder cannot be written.
    """
    found = audit.findings(catalog, today)
    html = render_report(catalog, found, today, lang)
    output.mkdir(parents=True, exist_ok=True)
    write_atomic(output / ISSUES_FILE, issues_csv(found))
    write_atomic(output / ISSUES_XLSX, issues_xlsx(found, today, lang))
    write_atomic(output / REPORT_FILE, html.encode("utf-8"))
    return found
