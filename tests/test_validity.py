"""SPEC §5: default validity, the in-effect rule, current certification and status."""

from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_site.records.schema import Certification, Revocation
from ocop_site.records.validity import (
    Status,
    add_months,
    current_certification,
    in_effect,
    standing,
    status,
    valid_until,
    vietnam_today,
)


def cert(issued, stars=4, until=None, revoked=None):
    return Certification(decision="1/QĐ-UBND", issued=issued, issuer="UBND", stars=stars, valid_until=until,
                         revoked=Revocation(date=revoked, decision="2/QĐ-UBND") if revoked else None)


def test_default_valid_until_examples():
    assert valid_until(cert(date(2023, 5, 13))) == date(2026, 5, 12)
    assert valid_until(cert(date(2024, 2, 29))) == date(2027, 2, 27)
    assert valid_until(cert(date(2023, 1, 31))) == date(2026, 1, 30)
    assert valid_until(cert(date(2023, 3, 1))) == date(2026, 2, 28)
    assert valid_until(cert(date(2023, 5, 13), until=date(2024, 1, 1))) == date(2024, 1, 1)


def test_add_months_clamps():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 15), 36) == date(2026, 12, 15)


def test_in_effect_boundaries():
    c = cert(date(2023, 5, 13))
    assert not in_effect(c, date(2023, 5, 12))
    assert in_effect(c, date(2023, 5, 13)) and in_effect(c, date(2026, 5, 12))
    assert not in_effect(c, date(2026, 5, 13))
    r = cert(date(2023, 5, 13), revoked=date(2024, 6, 1))
    assert in_effect(r, date(2024, 5, 31)) and not in_effect(r, date(2024, 6, 1))


def test_status_examples():
    today = date(2026, 11, 30)
    assert status([cert(date(2024, 1, 1))], today) is Status.VALID
    assert status([cert(date(2022, 1, 1))], today) is Status.EXPIRED
    assert status([cert(date(2024, 1, 1), revoked=date(2025, 1, 1))], today) is Status.REVOKED
    assert status([cert(date(2027, 1, 1))], today) is Status.PENDING
    # revoked in the future: still valid today
    assert status([cert(date(2024, 1, 1), revoked=date(2027, 1, 1))], today) is Status.VALID
    # an old revoked rating, then a renewal that expired: expired, not revoked
    assert status([cert(date(2019, 1, 1), revoked=date(2020, 1, 1)), cert(date(2021, 1, 1))], today) is Status.EXPIRED
    # renewal in effect while the older one is revoked: valid, with the renewal's stars
    certs = [cert(date(2022, 1, 1), stars=3, revoked=date(2024, 1, 1)), cert(date(2024, 6, 1), stars=5)]
    assert current_certification(certs, today).stars == 5


def test_standing_says_since_when():
    s = standing_of([cert(date(2022, 1, 1))], date(2026, 11, 30))
    assert s.status is Status.EXPIRED and s.ended_on == date(2025, 1, 1) and s.stars is None
    s = standing_of([cert(date(2024, 1, 1), revoked=date(2025, 3, 12))], date(2026, 11, 30))
    assert s.status is Status.REVOKED and s.ended_on == date(2025, 3, 12)
    s = standing_of([cert(date(2024, 1, 1), stars=5)], date(2026, 11, 30))
    assert s.is_valid and s.stars == 5 and s.valid_until == date(2026, 12, 31)


def standing_of(certs, day):
    class P:  # standing() reads only .certifications
        certifications = tuple(certs)
    return standing(P, day)


def test_vietnam_today_crosses_midnight_before_utc():
    assert vietnam_today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert vietnam_today(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert vietnam_today(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == date(2026, 12, 1)


# --- property: agreement with a direct reading of SPEC §5 -----------------------------------

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2032, 12, 31))


@st.composite
def certifications(draw):
    issued = draw(days)
    until = draw(st.one_of(st.none(), st.integers(0, 2000).map(lambda n: issued + timedelta(days=n))))
    revoked = draw(st.one_of(st.none(), st.integers(0, 2000).map(lambda n: issued + timedelta(days=n))))
    return cert(issued, draw(st.integers(3, 5)), until, revoked)


def spec_valid_until(c):
    return c.valid_until or (c.issued + relativedelta(months=36) - timedelta(days=1))


def spec_status(certs, today):
    effective = [c for c in certs if c.issued <= today <= spec_valid_until(c)
                 and not (c.revoked and c.revoked.date <= today)]
    if effective:
        return "valid", max(effective, key=lambda c: c.issued).stars
    issued = [c for c in certs if c.issued <= today]
    if not issued:
        return "pending", None
    latest = max(issued, key=lambda c: c.issued)  # issued dates are unique in the strategy
    if latest.revoked and latest.revoked.date <= today:
        return "revoked", None
    return "expired", None


@settings(max_examples=400, deadline=None)
@given(st.lists(certifications(), min_size=1, max_size=4, unique_by=lambda c: c.issued), days)
def test_status_agrees_with_spec(certs, today):
    expected_status, expected_stars = spec_status(certs, today)
    s = standing_of(certs, today)
    assert s.status.value == expected_status
    assert s.stars == expected_stars
    for c in certs:
        assert valid_until(c) == spec_valid_until(c)
