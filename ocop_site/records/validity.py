"""What "currently valid" means (SPEC §5) — pure functions of a record and a day.

This is the heart of the catalog's honesty: a product looks certified only on
days when one of its certifications is in effect. ``today`` is always an
argument; only the command line reads the clock (:func:`vietnam_today`).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum
from functools import lru_cache
from typing import Optional

from .schema import Certification, Product

VALIDITY_MONTHS = 36
#: Vietnam keeps UTC+7 all year (no daylight saving since 1975), so a fixed
#: offset is exact and needs no time-zone database on the build machine.
VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


class Status(str, Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PENDING = "pending"


def vietnam_today(now: Optional[datetime] = None) -> date:
    """The date in Vietnam: a build at 23:30 UTC is already the next day there."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(VIETNAM_TZ).date()


@lru_cache(maxsize=8192)
def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (2024-02-29 + 36 months → 2027-02-28)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def valid_until(cert: Certification) -> date:
    """The last day of validity: explicit, or issued + 36 months − 1 day."""
    if cert.valid_until is not None:
        return cert.valid_until
    return _default_until(cert.issued)


@lru_cache(maxsize=8192)
def _default_until(issued: date) -> date:
    return add_months(issued, VALIDITY_MONTHS) - timedelta(days=1)


def is_revoked_on(cert: Certification, day: date) -> bool:
    return cert.revoked is not None and cert.revoked.date <= day


def in_effect(cert: Certification, day: date) -> bool:
    return cert.issued <= day <= valid_until(cert) and not is_revoked_on(cert, day)


def current_certification(certs: Iterable[Certification], day: date) -> Optional[Certification]:
    """The certification in effect on ``day`` with the latest ``issued`` (ties: later in the file)."""
    best = None
    for cert in certs:
        if in_effect(cert, day) and (best is None or cert.issued >= best.issued):
            best = cert
    return best


def latest_issued(certs: Iterable[Certification], day: date) -> Optional[Certification]:
    """The latest certification issued on or before ``day`` (ties: later in the file)."""
    best = None
    for cert in certs:
        if cert.issued <= day and (best is None or cert.issued >= best.issued):
            best = cert
    return best


def status(certs: Iterable[Certification], day: date) -> Status:
    certs = tuple(certs)
    if current_certification(certs, day) is not None:
        return Status.VALID
    last = latest_issued(certs, day)
    if last is None:
        return Status.PENDING
    return Status.REVOKED if is_revoked_on(last, day) else Status.EXPIRED


@dataclass(frozen=True)
class Standing:
    """A product's standing on one day: what pages, listings and exports show."""

    status: Status
    current: Optional[Certification]   # the certification in effect, if valid
    last: Optional[Certification]      # the latest issued on or before the day
    valid_until: Optional[date]        # of ``current``
    ended_on: Optional[date]           # for expired/revoked: the first day no longer certified

    @property
    def stars(self) -> Optional[int]:
        return self.current.stars if self.current else None

    @property
    def is_valid(self) -> bool:
        return self.status is Status.VALID

    @property
    def has_page(self) -> bool:
        return self.status is not Status.PENDING


def standing(product: Product, day: date) -> Standing:
    certs = product.certifications
    st = status(certs, day)
    current = current_certification(certs, day)
    last = latest_issued(certs, day)
    ended = None
    if st is Status.REVOKED and last and last.revoked:
        ended = last.revoked.date
    elif st is Status.EXPIRED and last:
        ended = valid_until(last) + timedelta(days=1)
    return Standing(st, current, last, valid_until(current) if current else None, ended)
