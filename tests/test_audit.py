"""The audit's findings: hand-worked rows of a fixture catalog, the 12-month and expiry edges,
and the same findings as check warnings at the right place."""

from __future__ import annotations

import json
from datetime import date

import pytest
from audit_fixture import EXPECTED_ROWS, FILES, TODAY
from helpers import write_site

from ocop_site.commands.cli import main
from ocop_site.records import audit
from ocop_site.records.catalog import load_catalog
from ocop_site.records.schema import Product


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("audit") / "site", FILES, base=False)


@pytest.fixture(scope="module")
def catalog(fixture_site):
    catalog, diags = load_catalog(fixture_site)
    assert [d.as_text() for d in diags if d.is_error] == []
    return catalog


def test_findings_match_the_hand_worked_rows(catalog):
    rows = [",".join(f.row().values()) for f in audit.findings(catalog, TODAY)]
    assert rows == EXPECTED_ROWS


def test_finding_details(catalog):
    by = {(f.code, f.issue): f for f in audit.findings(catalog, TODAY)}
    assert by["A-SOON", "expiring"].day == date(2027, 1, 19)
    assert by["B-EXPIRED", "expired-recently"].day == date(2026, 3, 1)
    assert by["B-REVOKED", "expired-recently"].day == date(2026, 9, 15)
    assert by["C-VARIANTS", "variant-no-image"].items == ("X2", "X3")
    assert by["C-VARIANTS", "no-active-lot"].day == date(2025, 11, 30), "the latest lot produced by today"
    assert by["C-GAPS", "no-active-lot"].day is None


def test_summary_counts_every_issue(catalog):
    counts = audit.summary(audit.findings(catalog, TODAY))
    assert list(counts) == list(audit.ISSUES)
    assert counts == {"expiring": 2, "expired-recently": 3, "no-active-lot": 2, "no-standard": 1,
                      "variants-unspecified": 1, "variant-no-image": 1, "no-sales-channel": 1, "no-image": 1}


def test_twelve_months_ago_clamps_to_the_month_end():
    assert audit.twelve_months_ago(date(2026, 11, 30)) == date(2025, 11, 30)
    assert audit.twelve_months_ago(date(2028, 2, 29)) == date(2027, 2, 28)


def _product(*certs: dict) -> Product:
    return Product.model_validate({
        "code": "X", "name": "X", "category": "food", "producer": "p",
        "location": {"province": "P", "commune": "C"},
        "certifications": [{"decision": "1", "issuer": "U", "stars": 4, **c} for c in certs]})


@pytest.mark.parametrize("certs,expected", [
    ([{"issued": "2024-05-13"}], date(2027, 5, 12)),
    # a renewal recorded ahead that starts the day after continues the run; one with a gap does not
    ([{"issued": "2024-01-01", "valid_until": "2026-12-31"}, {"issued": "2027-01-01"}], date(2029, 12, 31)),
    ([{"issued": "2024-01-01", "valid_until": "2026-12-31"}, {"issued": "2027-01-02"}], date(2026, 12, 31)),
    # an older certification still in effect outlasts a newer, shorter one
    ([{"issued": "2024-01-01"}, {"issued": "2025-01-01", "valid_until": "2026-12-31"}], date(2026, 12, 31)),
    ([{"issued": "2025-01-01", "valid_until": "2026-12-31"}, {"issued": "2024-06-01"}], date(2027, 5, 31)),
    # a revocation recorded ahead ends the rating the day before
    ([{"issued": "2024-05-13", "revoked": {"date": "2027-01-10", "decision": "9"}}], date(2027, 1, 9)),
    ([{"issued": "2020-01-01"}], None),
])
def test_rating_ends(certs, expected):
    assert audit.rating_ends(_product(*certs), TODAY) == expected


def test_check_reports_the_findings_as_warnings(fixture_site, capsys):
    assert main(["check", "--source", str(fixture_site), "--today", TODAY.isoformat(), "--format", "json"]) == 0
    diags = json.loads(capsys.readouterr().out)
    assert all(d["severity"] == "warning" for d in diags)
    found = sorted((d["path"].removeprefix("products/").removesuffix(".yaml"), d["code"]) for d in diags)
    expected = sorted((row.split(",")[0], audit.WARNING_CODES[row.split(",")[-1]]) for row in EXPECTED_ROWS)
    assert found == expected


def test_check_warnings_depend_on_today(fixture_site, capsys):
    assert main(["check", "--source", str(fixture_site), "--today", "2026-06-01", "--format", "json"]) == 0
    codes = {(d["path"], d["code"]) for d in json.loads(capsys.readouterr().out)}
    assert ("products/A-SOON.yaml", "W201") not in codes, "not yet within 60 days on 2026-06-01"
    assert ("products/C-PENDING.yaml", "W203") not in codes


# Exact lines, like tests/test_diagnostic_codes.py does for the other codes.
WARNING_LINES = [
    ("W201", "A-SOON", "products/A-SOON.yaml:8:13: warning: expiring: the OCOP rating ends on 2027-01-19, in 50 day(s) "
                       "(within expiring_soon_days: 60); prepare the re-evaluation [W201]"),
    ("W201", "A-EDGE-IN", "products/A-EDGE-IN.yaml:11:18: warning: expiring: the OCOP rating ends on 2027-01-29, in 60 "
                          "day(s) (within expiring_soon_days: 60); prepare the re-evaluation [W201]"),
    ("W202", "B-EXPIRED", "products/B-EXPIRED.yaml:8:13: warning: expired-recently: the OCOP rating expired on 2026-03-01, "
                          "within the last 12 months; check that the product is no longer sold as OCOP, or "
                          "re-evaluate it [W202]"),
    ("W202", "B-REVOKED", "products/B-REVOKED.yaml:11:5: warning: expired-recently: the OCOP rating was revoked on "
                          "2026-09-15, within the last 12 months; check that the product is no longer sold as OCOP, or "
                          "re-evaluate it [W202]"),
    ("W203", "C-VARIANTS", "products/C-VARIANTS.yaml:19:1: warning: no-active-lot: no production lot activated on OCOP "
                           "stamps in the last 12 months (the latest was produced on 2025-11-30) [W203]"),
    ("W203", "C-GAPS", "products/C-GAPS.yaml:1:7: warning: no-active-lot: no production lot activated on OCOP stamps in "
                       "the last 12 months (none is recorded) [W203]"),
    ("W204", "C-GAPS", "products/C-GAPS.yaml:1:7: warning: no-standard: no published base standard (standard: number, "
                       "published, document) [W204]"),
    ("W205", "C-GAPS", "products/C-GAPS.yaml:1:7: warning: variants-unspecified: the record does not say which exact "
                       "items the rating covers (variants:) [W205]"),
    ("W206", "C-VARIANTS", "products/C-VARIANTS.yaml:14:11: warning: variant-no-image: no registered packaging image "
                           "(packaging_image) for X2, X3 [W206]"),
    ("W207", "C-GAPS", "products/C-GAPS.yaml:1:7: warning: no-sales-channel: no sales point and no online sales "
                       "channel [W207]"),
    ("W208", "C-GAPS", "products/C-GAPS.yaml:1:7: warning: no-image: no product image (images:) [W208]"),
]


def test_every_audit_warning_code_has_a_line():
    assert sorted({code for code, _, _ in WARNING_LINES}) == sorted(audit.WARNING_CODES.values())


@pytest.mark.parametrize("code,product,expected", WARNING_LINES, ids=lambda v: v if isinstance(v, str) and len(v) < 12 else "")
def test_check_warning_positions(catalog, code, product, expected):
    lines = [d.as_text(context=False) for d in audit.warnings(catalog, TODAY)]
    assert expected in lines, "\n".join(l for l in lines if product in l)


def test_pending_expired_and_revoked_products_have_no_gap_findings(catalog):
    codes = {(f.code, f.issue) for f in audit.findings(catalog, TODAY)}
    assert not any(code == "C-PENDING" for code, _ in codes)
    assert {issue for code, issue in codes if code.startswith("B-")} == {"expired-recently"}


def test_findings_are_linear_and_cheap(catalog):
    """One pass over the catalog: a few milliseconds for the fixture."""
    import time
    started = time.perf_counter()
    for _ in range(50):
        audit.findings(catalog, TODAY)
    assert (time.perf_counter() - started) / 50 < 0.05
