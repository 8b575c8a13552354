"""The bundled sample catalog: clean, varied, and showing every validity rule."""

from collections import Counter
from datetime import date

import pytest
from helpers import ROOT

from ocop_site.records.catalog import load_catalog
from ocop_site.records.schema import CATEGORIES
from ocop_site.records.validity import Status, standing

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def sample():
    catalog, diags = load_catalog(ROOT)
    assert [d.as_text() for d in diags if d.is_error] == []
    return catalog


def test_size_and_variety(sample):
    products = [e.record for e in sample.products.values()]
    assert len(products) >= 40 and len(sample.producers) >= 12 and len(sample.sales_points) >= 6
    assert set(p.category for p in products) == set(CATEGORIES)
    assert len({p.location.province for p in products}) >= 3
    assert any(p.location.district for p in products) and any(not p.location.district for p in products)
    assert all(any(p.producer == slug for p in products) for slug in sample.producers)


def test_statuses_show_every_rule(sample):
    by_status = Counter(standing(e.record, TODAY).status for e in sample.products.values())
    assert by_status[Status.VALID] >= 30
    assert by_status[Status.EXPIRED] >= 2 and by_status[Status.REVOKED] >= 2 and by_status[Status.PENDING] >= 2
    assert standing(sample.products["LS-2023-0027"].record, TODAY).status is Status.REVOKED
    assert standing(sample.products["HN-2022-0099"].record, TODAY).status is Status.EXPIRED
    assert standing(sample.products["TQ-2027-0003"].record, TODAY).status is Status.PENDING
    renewed = standing(sample.products["HG-2020-0015"].record, TODAY)
    assert renewed.is_valid and renewed.stars == 5 and len(sample.products["HG-2020-0015"].record.certifications) == 2


def test_yaml_traps_in_sample_stay_text(sample):
    lots = {b.lot for b in sample.products["LS-2023-0014"].record.batches}
    assert {"2024-03", "2025-01"} <= lots
    assert any(e.record.phone and e.record.phone.startswith("0") for e in sample.producers.values())


def test_english_translations_present(sample):
    assert sum("en" in e.record.translations for e in sample.products.values()) >= 20
    assert sum("en" in e.localized for e in sample.producers.values()) >= 4
    assert all("en" in e.localized for e in sample.pages.values())
