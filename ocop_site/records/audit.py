"""The coordinating office's audit: what inspections keep finding, as pure findings.

One pass over the catalog, a few comparisons per product, so a national
catalog is audited in well under a second. ``today`` is always an argument.
The same findings become the ``report`` command's rows and ``check``'s
warnings (W201–W208); the statistics reuse :func:`is_expiring`.

What each finding means, precisely (also in docs/audit.md):

* ``expiring`` — a valid product whose rating ends within ``expiring_soon_days``:
  the last day of its unbroken certified run (:func:`rating_ends`) is at most
  ``today + expiring_soon_days``.
* ``expired-recently`` — an expired or revoked product whose rating ended within
  the last 12 months: its end (the first day no longer certified: the
  revocation date, or ``valid_until`` + 1 day) is after ``today − 12 calendar
  months`` (:func:`twelve_months_ago`). Not reported when a certification
  issued after today is already recorded: the re-evaluation is decided.
* ``no-active-lot`` — a valid product with no lot produced in the last 12
  months (``today − 12 months < produced ≤ today``).
* ``no-standard`` — no published base standard (``standard:``).
* ``variants-unspecified`` — the record does not say which items are covered.
* ``variant-no-image`` — covered items without a registered packaging image
  (one finding per product, naming the items; not for ``tourism`` services,
  which have no packaging).
* ``no-sales-channel`` — no sales point and no online channel.
* ``no-image`` — no product image.

Only valid products get the five data-gap findings and ``no-active-lot`` and
``expiring``; expired and revoked products get only ``expired-recently``;
pending products (every certification issued after today) get none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from ..core.diagnostics import Diagnostic, Position
from ..core.vietnamese import sort_key
from .catalog import Catalog
from .provinces import group as province_group
from .schema import Certification, Product
from .sources import SourceMap
from .validity import Standing, Status, add_months, standing, valid_until

#: Every finding, in the order reports list them.
ISSUES = ("expiring", "expired-recently", "no-active-lot", "no-standard", "variants-unspecified",
          "variant-no-image", "no-sales-channel", "no-image")

#: The warning code ``check`` gives each finding.
WARNING_CODES = {
    "expiring": "W201", "expired-recently": "W202", "no-active-lot": "W203", "no-standard": "W204",
    "variants-unspecified": "W205", "variant-no-image": "W206", "no-sales-channel": "W207", "no-image": "W208",
}

#: Categories whose covered items have no packaging (services).
NO_PACKAGING = frozenset({"tourism"})


@dataclass(frozen=True)
class Finding:
    """One row of the audit: one issue of one product."""

    code: str
    name: str
    producer: str                  # the producer's slug, as in catalog.csv
    province: str
    commune: str
    status: str                    # valid | expired | revoked
    valid_until: Optional[date]    # current certification's (valid), else the latest issued by today
    issue: str                     # one of ISSUES
    day: Optional[date] = None     # expiring: last certified day; expired-recently: first day not certified;
                                   # no-active-lot: the latest lot's production date, if any
    items: tuple[str, ...] = ()    # variant-no-image: the SKUs without a packaging image
    path: str = ""                 # the product file, for warnings
    at: tuple = ()                 # where in the record the finding points, for warnings

    def row(self) -> dict[str, str]:
        """The issues.csv row."""
        return {"code": self.code, "name": self.name, "producer": self.producer, "province": self.province,
                "commune": self.commune, "status": self.status,
                "valid_until": self.valid_until.isoformat() if self.valid_until else "", "issue": self.issue}


CSV_FIELDS = ("code", "name", "producer", "province", "commune", "status", "valid_until", "issue")


def twelve_months_ago(today: date) -> date:
    """The day 12 calendar months before ``today`` (clamped: 2025-02-28 for 2026-02-28 and -29)."""
    return add_months(today, -12)


def _last_day(cert: Certification) -> date:
    """The last day a certification can be in effect, counting a revocation recorded ahead."""
    end = valid_until(cert)
    if cert.revoked is not None:
        end = min(end, cert.revoked.date - timedelta(days=1))
    return end


def rating_ends(product: Product, today: date) -> Optional[date]:
    """The last day of the unbroken run of certified days that contains ``today`` (None: not certified).

    A renewal issued ahead (starting no later than the day after the current
    rating ends) continues the run; so does an older certification still in effect.
    """
    spans = sorted((c.issued, _last_day(c)) for c in product.certifications if c.issued <= _last_day(c))
    end: Optional[date] = None
    for start, stop in spans:   # by start: once a gap follows ``end``, no later span can close it
        if end is None:
            if start <= today <= stop:
                end = stop
        elif start <= end + timedelta(days=1):
            end = max(end, stop)
    return end


def is_expiring(product: Product, st: Standing, today: date, days: int) -> bool:
    """A valid product whose rating ends within ``days`` days of ``today``."""
    if not st.is_valid:
        return False
    end = rating_ends(product, today)
    return end is not None and end <= today + timedelta(days=days)


def _shown_valid_until(product: Product, st: Standing) -> Optional[date]:
    if st.valid_until is not None:
        return st.valid_until
    return valid_until(st.last) if st.last is not None else None


def product_findings(code: str, product: Product, today: date, expiring_days: int, path: str = "",
                     st: Optional[Standing] = None) -> list[Finding]:
    """The findings of one product, in the order of ISSUES."""
    st = st or standing(product, today)
    if st.status is Status.PENDING:
        return []
    loc = product.location

    def finding(issue: str, at: tuple, day: Optional[date] = None, items: tuple[str, ...] = ()) -> Finding:
        return Finding(code, product.name, product.producer, loc.province, loc.commune, st.status.value,
                       _shown_valid_until(product, st), issue, day, items, path, at)

    def cert_at(cert: Certification, revoked: bool) -> tuple:
        i = max(i for i, c in enumerate(certs) if c is cert)
        if revoked:
            return ("certifications", i, "revoked")
        return ("certifications", i, "valid_until" if cert.valid_until is not None else "issued")

    certs = product.certifications
    out: list[Finding] = []
    if not st.is_valid:
        ended = st.ended_on
        decided = any(c.issued > today for c in certs)
        if ended is not None and st.last is not None and ended > twelve_months_ago(today) and not decided:
            out.append(finding("expired-recently", cert_at(st.last, st.status is Status.REVOKED), ended))
        return out

    end = rating_ends(product, today)
    if end is not None and end <= today + timedelta(days=expiring_days):
        last = [c for c in certs if _last_day(c) == end and c.issued <= end][-1]
        out.append(finding("expiring", cert_at(last, _last_day(last) < valid_until(last)), end))
    cutoff = twelve_months_ago(today)
    produced = [b.produced for b in product.batches if b.produced <= today]
    if not any(d > cutoff for d in produced):
        out.append(finding("no-active-lot", ("batches",) if product.batches else ("code",),
                           max(produced) if produced else None))
    if product.standard is None:
        out.append(finding("no-standard", ("code",)))
    if not product.variants:
        out.append(finding("variants-unspecified", ("code",)))
    elif product.category not in NO_PACKAGING:
        missing = [(i, v.sku) for i, v in enumerate(product.variants) if not v.packaging_image]
        if missing:
            out.append(finding("variant-no-image", ("variants", missing[0][0], "sku"),
                               items=tuple(sku for _, sku in missing)))
    if not product.sales_points and not product.channels:
        out.append(finding("no-sales-channel", ("code",)))
    if not product.images:
        out.append(finding("no-image", ("code",)))
    return out


def order_key(f: Finding) -> tuple:
    """Today's province, commune (Vietnamese order), the former province written, code, then the
    order of ISSUES. A province office since the July 2025 merger answers for the products of
    every province merged into it (Hà Giang's are Tuyên Quang's), so they come together, as on the
    site's province pages; a name of neither era sorts as written."""
    place = province_group(f.province)
    return (sort_key(place.label), sort_key(f.commune), sort_key(place.former or ""), f.code,
            ISSUES.index(f.issue))


def findings(catalog: Catalog, today: date) -> list[Finding]:
    """Every finding of the catalog, grouped by today's province and commune (see :func:`order_key`)."""
    days = catalog.config.expiring_soon_days
    out: list[Finding] = []
    for code, entry in catalog.products.items():
        out += product_findings(code, entry.record, today, days, entry.path)
    return sorted(out, key=order_key)


# --- as check warnings ----------------------------------------------------------------------

def _where(f: Finding, smap: Optional[SourceMap]) -> Position:
    if smap is None:
        return Position(f.path)
    if f.at and f.at[-1] in ("revoked", "batches"):
        return smap.key(f.at)
    return smap.value(f.at)


def _message(f: Finding, today: date, days: int) -> str:
    if f.issue == "expiring":
        left = (f.day - today).days if f.day else 0
        return (f"expiring: the OCOP rating ends on {f.day.isoformat() if f.day else '?'}, in {left} day(s) "
                f"(within expiring_soon_days: {days}); prepare the re-evaluation")
    if f.issue == "expired-recently":
        what = "was revoked" if f.status == "revoked" else "expired"
        return (f"expired-recently: the OCOP rating {what} on {f.day.isoformat() if f.day else '?'}, within the last "
                "12 months; check that the product is no longer sold as OCOP, or re-evaluate it")
    if f.issue == "no-active-lot":
        since = f"the latest was produced on {f.day.isoformat()}" if f.day else "none is recorded"
        return f"no-active-lot: no production lot activated on OCOP stamps in the last 12 months ({since})"
    if f.issue == "variant-no-image":
        return ("variant-no-image: no registered packaging image (packaging_image) for "
                + ", ".join(f.items))
    return {
        "no-standard": "no-standard: no published base standard (standard: number, published, document)",
        "variants-unspecified": "variants-unspecified: the record does not say which exact items the rating covers (variants:)",
        "no-sales-channel": "no-sales-channel: no sales point and no online sales channel",
        "no-image": "no-image: no product image (images:)",
    }[f.issue]


def warnings(catalog: Catalog, today: date) -> list[Diagnostic]:
    """The findings as ``check`` warnings, at the value each one is about."""
    days = catalog.config.expiring_soon_days
    out: list[Diagnostic] = []
    for code, entry in catalog.products.items():
        for f in product_findings(code, entry.record, today, days, entry.path):
            out.append(_where(f, entry.smap).warning(WARNING_CODES[f.issue], _message(f, today, days)))
    return out


def summary(items: Iterable[Finding]) -> dict[str, int]:
    """Number of findings of each issue, every issue present (in ISSUES order)."""
    counts = dict.fromkeys(ISSUES, 0)
    for f in items:
        counts[f.issue] += 1
    return counts
