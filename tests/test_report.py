"""ocop-site report: issues.csv rows worked out by hand, a readable and printable report.html,
safe writing, and errors that never become tracebacks."""

from __future__ import annotations

import re

import pytest
from audit_fixture import EXPECTED_ROWS, FILES, HEADER, TODAY
from helpers import write_site
from sitecheck import Page

from ocop_site.commands.cli import main


def report(site, out, *extra) -> int:
    return main(["report", "--source", str(site), "--today", TODAY.isoformat(), "--output", str(out), *extra])


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("report") / "site", FILES, base=False)


@pytest.fixture(scope="module")
def reported(fixture_site, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-out") / "audit"
    assert report(fixture_site, out) == 0
    return out


def test_issues_csv_is_the_hand_worked_rows(reported):
    data = (reported / "issues.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads Vietnamese"
    assert data.decode("utf-8-sig").split("\r\n") == [HEADER, *EXPECTED_ROWS, ""]


def test_issues_xlsx_is_the_same_rows_as_a_sheet_to_filter(reported):
    """issues.xlsx: the rows of issues.csv, valid_until as a date, an autofilter on the header,
    the header frozen, columns wide enough to read."""
    from datetime import datetime

    from openpyxl import load_workbook

    wb = load_workbook(reported / "issues.xlsx")
    assert wb.sheetnames == ["Tồn tại"]
    ws = wb.active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == HEADER.split(",")
    expected = [line.split(",") for line in EXPECTED_ROWS]
    for row in expected:
        row[6] = datetime.fromisoformat(row[6]) if row[6] else None
    assert rows[1:] == expected
    assert all(ws.cell(r, 7).number_format == "DD/MM/YYYY" for r in range(2, ws.max_row + 1))
    assert ws.auto_filter.ref == f"A1:H{len(EXPECTED_ROWS) + 1}"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 30 and ws.column_dimensions["G"].width >= 10
    assert all(cell.font.b for cell in ws[1])
    # no clock inside: the properties and every zip entry carry the report's date, so the bytes repeat
    import zipfile
    with zipfile.ZipFile(reported / "issues.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(TODAY.year, TODAY.month, TODAY.day, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert f">{TODAY.isoformat()}T00:00:00Z</dcterms:modified>" in core


def test_report_counts_first_then_provinces_and_communes(reported):
    html = (reported / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.find("html", lang="vi")
    assert "Báo cáo rà soát sản phẩm OCOP" in page.text and "ngày 30 tháng 11 năm 2026" in page.text
    counts = dict(re.findall(r'<tr data-issue="([a-z-]+)">.*?<td class="num[^"]*">(\d+)</td>', html))
    assert counts == {"expiring": "2", "expired-recently": "3", "no-active-lot": "2", "no-standard": "1",
                      "variants-unspecified": "1", "variant-no-image": "1", "no-sales-channel": "1", "no-image": "1"}
    # the summary comes before any product; provinces and communes in Vietnamese order
    assert html.index('data-issue="expiring"') < html.index('data-code=')
    # grouped by today's province, as the site's province pages are: Hà Giang's communes under Tuyên Quang,
    # each address still as written
    headings = [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)]
    places = [text for text in headings if text.startswith(("Hà Giang", "Tuyên Quang", "Lạng Sơn", "Lào Cai", "Pả Vi",
                                                             "Đồng Đăng", "Bắc Hà", "Cốc Ly"))]
    assert places == ["Lạng Sơn", "Đồng Đăng", "Lào Cai", "Bắc Hà", "Cốc Ly", "Tuyên Quang", "Pả Vi (địa bàn Hà Giang cũ)"]
    section = html[html.index('<section aria-labelledby="by-province">'):]
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[:section.index("</section>")]))
    assert re.search(r"Tuyên Quang \(gồm cả địa bàn Hà Giang cũ\) 2\b", summary), summary
    assert "Lào Cai gồm" not in summary
    codes = re.findall(r'<tr data-code="([^"]+)">', html)
    assert codes == ["B-EDGE-IN", "B-EXPIRED", "B-REVOKED", "C-VARIANTS", "C-GAPS", "A-EDGE-IN", "A-SOON"]
    # details a clerk needs, with the public page linked
    assert page.find("a", href="https://ocop.example.gov.vn/p/B-REVOKED/")
    assert "Bao bì không đúng mẫu" in page.text and "X2, X3" in page.text


def test_report_is_self_contained_and_printable(reported):
    html = (reported / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    assert not page.scripts, "no script at all"
    assert not [a for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"], "styles embedded"
    assert "@media print" in html and "table-header-group" in html
    assert page.find("meta", name="robots", content="noindex")


def test_report_is_byte_identical_and_touches_nothing_else(fixture_site, reported, tmp_path):
    out = tmp_path / "again"
    out.mkdir()
    (out / "ghi-chu.txt").write_text("giữ nguyên")
    assert report(fixture_site, out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["ghi-chu.txt", "issues.csv", "issues.xlsx", "report.html"]
    assert (out / "ghi-chu.txt").read_text() == "giữ nguyên"
    for name in ("issues.csv", "issues.xlsx", "report.html"):
        assert (out / name).read_bytes() == (reported / name).read_bytes()


def test_report_in_english(fixture_site, tmp_path):
    assert report(fixture_site, tmp_path / "en", "--lang", "en") == 0
    page = Page((tmp_path / "en" / "report.html").read_text(encoding="utf-8"))
    assert page.find("html", lang="en") and "OCOP audit report" in page.text
    assert (tmp_path / "en" / "issues.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == EXPECTED_ROWS


def test_report_with_data_errors_covers_the_sound_records(fixture_site, tmp_path, capsys):
    site = write_site(tmp_path / "site", {**FILES, "products/D-BAD.yaml": "code: D-BAD\nname: [\n"}, base=False)
    out = tmp_path / "out"
    assert report(site, out) == 1
    err = capsys.readouterr().err
    assert "products/D-BAD.yaml:" in err and "[E102]" in err and "Traceback" not in err
    assert (out / "issues.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == EXPECTED_ROWS
    assert "products/D-BAD.yaml" in Page((out / "report.html").read_text(encoding="utf-8")).text


def test_report_usage_and_missing_site(fixture_site, tmp_path, capsys):
    assert main(["report", "--source", str(fixture_site)]) == 2, "--output is required"
    (tmp_path / "file").write_text("x")
    assert report(fixture_site, tmp_path / "file") == 2
    assert report(tmp_path / "no-such", tmp_path / "out") == 2
    (tmp_path / "empty").mkdir()
    assert report(tmp_path / "empty", tmp_path / "out") == 1
    assert not (tmp_path / "out").exists(), "nothing written without a site"
    assert "Traceback" not in capsys.readouterr().err


def test_report_on_a_clean_catalog(tmp_path):
    files = {k: v for k, v in FILES.items() if not k.startswith("products/") or k.endswith(("A-OK.yaml", ".png"))}
    site = write_site(tmp_path / "site", files, base=False)
    assert report(site, tmp_path / "out") == 0
    assert (tmp_path / "out" / "issues.csv").read_text(encoding="utf-8-sig").splitlines() == [HEADER]
    assert "data-code" not in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
