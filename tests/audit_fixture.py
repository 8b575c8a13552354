"""A fixture catalog for the audit and the statistics, whose expected rows and numbers are worked
out by hand below (TODAY = 2026-11-30, expiring_soon_days = 60: the window ends 2027-01-29;
"the last 12 months" is after 2025-11-30).

Hà Giang / Pả Vi
  A-OK        food 4★, issued 2025-01-10 (→ 2028-01-09), complete             → nothing
  A-SOON      beverage 3★, issued 2024-01-20 (→ 2027-01-19)                   → expiring
  A-EDGE-IN   food 5★, valid_until 2027-01-29 (= today + 60)                  → expiring
  A-EDGE-OUT  food 4★, valid_until 2027-01-30 (= today + 61)                  → nothing
  A-AHEAD     herbal 3★ until 2026-12-31, renewal 4★ issued 2027-01-01        → nothing (renewal recorded)
  A-UPGRADE   food 3★ 2022-06-01 (→ 2025-05-31), then 4★ 2025-06-01           → nothing
Lạng Sơn / Đồng Đăng (every one expired or revoked)
  B-EXPIRED   issued 2023-03-01 (→ 2026-02-28), ended 2026-03-01              → expired-recently
  B-OLD       issued 2022-01-10 (→ 2025-01-09)                                → nothing (too old)
  B-EDGE-OUT  valid_until 2025-11-29, ended 2025-11-30 = today − 12 months    → nothing
  B-EDGE-IN   valid_until 2025-11-30, ended 2025-12-01                        → expired-recently
  B-REVOKED   issued 2024-05-01 (→ 2027-04-30), revoked 2026-09-15            → expired-recently
  B-DECIDED   expired 2026-04-01, re-rating issued 2027-02-01 already recorded → nothing
Lào Cai
  Bắc Hà  C-VARIANTS  food 4★ 2025-03-01 (→ 2028-02-29); lots 2025-11-30 (too old) and 2027-01-01
                      (future); X2, X3 without packaging image; channels only
                      → no-active-lot, variant-no-image
          C-TOUR      tourism 5★ 2026-01-15, variants without images, lot 2025-12-01 → nothing
          C-PENDING   issued 2027-03-01, nothing filled in                     → nothing (pending)
  Cốc Ly  C-GAPS      handicraft 3★ 2025-03-01, nothing filled in
                      → no-active-lot, no-standard, variants-unspecified, no-sales-channel, no-image

Provinces in Vietnamese order: Hà Giang < Lạng Sơn < Lào Cai (n < o, whatever the accents).
"""

from __future__ import annotations

import base64
from datetime import date

TODAY = date(2026, 11, 30)

SITE_YAML = """\
title: Kiểm thử rà soát
base_url: https://ocop.example.gov.vn/
languages: [vi, en]
expiring_soon_days: 60
"""

PRODUCER = "---\nname: HTX Thử nghiệm\n---\n"
SALES_POINT = "---\nname: Điểm bán\naddress: Số 1\ncoordinates: {lat: 23.16, lon: 105.41}\n---\n"

#: A valid 1×1 PNG, for images and packaging images.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

PLACES = {"A": ("Hà Giang", "Pả Vi"), "B": ("Lạng Sơn", "Đồng Đăng")}

COMPLETE = """\
standard: {number: TCCS 01:2024/HTX, published: 2024-01-01}
variants:
  - {sku: V1, label: Hộp 250 g, packaging_image: img.png}
images: [img.png]
sales_points: [diem-ban]
batches:
  - {lot: L1, produced: 2026-06-01}
"""


def cert(issued: str, stars: int = 4, until: str | None = None, revoked: str | None = None) -> str:
    text = f"  - decision: {issued[:4]}/QĐ-UBND\n    issued: {issued}\n    issuer: UBND tỉnh\n    stars: {stars}\n"
    if until:
        text += f"    valid_until: {until}\n"
    if revoked:
        text += f"    revoked: {{date: {revoked}, decision: 9/QĐ-UBND, reason: Bao bì không đúng mẫu}}\n"
    return text


def product(code: str, category: str, certs: list[str], rest: str = COMPLETE,
            place: tuple[str, str] | None = None) -> str:
    province, commune = place or PLACES[code[0]]
    return (f"code: {code}\nname: Sản phẩm {code}\ncategory: {category}\nproducer: htx-thu\n"
            f"location: {{province: {province}, commune: {commune}}}\ncertifications:\n" + "".join(certs) + rest)


BAC_HA, COC_LY = ("Lào Cai", "Bắc Hà"), ("Lào Cai", "Cốc Ly")

PRODUCTS = {
    "A-OK": product("A-OK", "food", [cert("2025-01-10", 4)]),
    "A-SOON": product("A-SOON", "beverage", [cert("2024-01-20", 3)]),
    "A-EDGE-IN": product("A-EDGE-IN", "food", [cert("2024-02-01", 5, until="2027-01-29")]),
    "A-EDGE-OUT": product("A-EDGE-OUT", "food", [cert("2024-02-01", 4, until="2027-01-30")]),
    "A-AHEAD": product("A-AHEAD", "herbal", [cert("2024-01-05", 3, until="2026-12-31"), cert("2027-01-01", 4)]),
    "A-UPGRADE": product("A-UPGRADE", "food", [cert("2022-06-01", 3), cert("2025-06-01", 4)]),
    "B-EXPIRED": product("B-EXPIRED", "food", [cert("2023-03-01", 3)]),
    "B-OLD": product("B-OLD", "food", [cert("2022-01-10", 3)]),
    "B-EDGE-OUT": product("B-EDGE-OUT", "beverage", [cert("2023-01-01", 3, until="2025-11-29")]),
    "B-EDGE-IN": product("B-EDGE-IN", "beverage", [cert("2023-01-01", 3, until="2025-11-30")]),
    "B-REVOKED": product("B-REVOKED", "herbal", [cert("2024-05-01", 4, revoked="2026-09-15")]),
    "B-DECIDED": product("B-DECIDED", "food", [cert("2023-04-01", 3), cert("2027-02-01", 4)]),
    "C-VARIANTS": product("C-VARIANTS", "food", [cert("2025-03-01", 4)], """\
standard: {number: TCCS 02:2025/HTX}
variants:
  - {sku: X1, label: Chai 250 ml, packaging_image: img.png}
  - {sku: X2, label: Chai 500 ml}
  - {sku: X3, label: Can 1 lít}
images: [img.png]
channels:
  - {type: shopee, url: "https://shopee.vn/x"}
batches:
  - {lot: OLD, produced: 2025-11-30}
  - {lot: FUTURE, produced: 2027-01-01}
""", BAC_HA),
    "C-TOUR": product("C-TOUR", "tourism", [cert("2026-01-15", 5)], """\
standard: {number: TCCS 03:2025/HTX}
variants:
  - {sku: TOUR-1N, label: Gói 1 ngày}
images: [img.png]
sales_points: [diem-ban]
batches:
  - {lot: T1, produced: 2025-12-01}
""", BAC_HA),
    "C-PENDING": product("C-PENDING", "food", [cert("2027-03-01", 4)], "", BAC_HA),
    "C-GAPS": product("C-GAPS", "handicraft", [cert("2025-03-01", 3)], "", COC_LY),
}

FILES: dict[str, str | bytes] = {
    "site.yaml": SITE_YAML,
    "content/producers/htx-thu.md": PRODUCER,
    "content/sales-points/diem-ban.md": SALES_POINT,
    "products/img.png": PNG,
    **{f"products/{code}.yaml": text for code, text in PRODUCTS.items()},
}

HEADER = "code,name,producer,province,commune,status,valid_until,issue"

#: issues.csv, worked out by hand (see the module docstring). Rows come by today's province: Hà Giang
#: (as the A- records write it) has been part of Tuyên Quang since July 2025, so it sorts last.
EXPECTED_ROWS = [
    "B-EDGE-IN,Sản phẩm B-EDGE-IN,htx-thu,Lạng Sơn,Đồng Đăng,expired,2025-11-30,expired-recently",
    "B-EXPIRED,Sản phẩm B-EXPIRED,htx-thu,Lạng Sơn,Đồng Đăng,expired,2026-02-28,expired-recently",
    "B-REVOKED,Sản phẩm B-REVOKED,htx-thu,Lạng Sơn,Đồng Đăng,revoked,2027-04-30,expired-recently",
    "C-VARIANTS,Sản phẩm C-VARIANTS,htx-thu,Lào Cai,Bắc Hà,valid,2028-02-29,no-active-lot",
    "C-VARIANTS,Sản phẩm C-VARIANTS,htx-thu,Lào Cai,Bắc Hà,valid,2028-02-29,variant-no-image",
    "C-GAPS,Sản phẩm C-GAPS,htx-thu,Lào Cai,Cốc Ly,valid,2028-02-29,no-active-lot",
    "C-GAPS,Sản phẩm C-GAPS,htx-thu,Lào Cai,Cốc Ly,valid,2028-02-29,no-standard",
    "C-GAPS,Sản phẩm C-GAPS,htx-thu,Lào Cai,Cốc Ly,valid,2028-02-29,variants-unspecified",
    "C-GAPS,Sản phẩm C-GAPS,htx-thu,Lào Cai,Cốc Ly,valid,2028-02-29,no-sales-channel",
    "C-GAPS,Sản phẩm C-GAPS,htx-thu,Lào Cai,Cốc Ly,valid,2028-02-29,no-image",
    "A-EDGE-IN,Sản phẩm A-EDGE-IN,htx-thu,Hà Giang,Pả Vi,valid,2027-01-29,expiring",
    "A-SOON,Sản phẩm A-SOON,htx-thu,Hà Giang,Pả Vi,valid,2027-01-19,expiring",
]

#: stats.json, worked out by hand.
EXPECTED_STATS = {
    "as_of": "2026-11-30",
    "valid": 9,   # the six A-, C-VARIANTS, C-TOUR, C-GAPS
    "by_stars": {"3": 3, "4": 4, "5": 2},   # 3★ A-SOON A-AHEAD C-GAPS; 5★ A-EDGE-IN C-TOUR
    "by_category": {"food": 5, "beverage": 1, "herbal": 1, "handicraft": 1, "ornamental": 0, "tourism": 1},
    "by_province": {"Lào Cai": 3, "Tuyên Quang": 6},   # as the listings group: Hà Giang is now part of Tuyên Quang
    "certified_ever": 15,   # all but C-PENDING
    "new_by_year": {"2022": 2, "2023": 4, "2024": 5, "2025": 3, "2026": 1},
    "renewed_by_year": {"2022": 0, "2023": 0, "2024": 0, "2025": 1, "2026": 0},   # A-UPGRADE; future ones not counted
    "expiring_soon": 2,   # A-SOON, A-EDGE-IN
}
