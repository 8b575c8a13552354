"""Golden output of a small fixture site (pinned day; only cache-busting hashes normalised).

After an intended change of the theme or the exports, refresh with
``OCOP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import PRODUCT, write_site

from ocop_site.commands.cli import main

GOLDEN = Path(__file__).parent / "golden"
FILES = ["index.html", "p/QN-2023-0042/index.html", "p/QN-2023-0042/lot/L2024-03/index.html",
         "p/LS-2022-0001/index.html", "en/p/QN-2023-0042/index.html", "producers/htx-mat-ong/index.html",
         "sales-points/diem-meo-vac/index.html", "categories/food/index.html", "gioi-thieu/index.html", "404.html",
         "catalog.json", "catalog.csv", "sales-points.geojson", "feed.xml", "sitemap.xml", "robots.txt",
         "p/QN-2023-0042/badge.svg", "en/p/QN-2023-0042/badge.svg", "sales-points/diem-meo-vac/embed/index.html",
         "producers/htx-mat-ong/embed/index.html", "sales-points/diem-meo-vac/products.json", "nhung-trang/index.html"]

SITE = {
    "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + """\
description: Mật ong hoa bạc hà, thu hoạch mùa đông.
variants:
  - {sku: MO-250, label: Chai 250 ml}
standard: {number: TCCS 01:2023/HTX, published: 2023-03-01}
price: {min: 150000, max: 300000}
shelf_life: 24 tháng
channels:
  - {type: shopee, url: "https://shopee.vn/mat-ong-pa-vi"}
translations:
  en: {name: Meo Vac mint honey, description: Mint flower honey harvested in winter.}
""",
    "products/LS-2022-0001.yaml": """\
code: LS-2022-0001
name: Bánh đa Đồng Đăng
category: food
producer: htx-mat-ong
location: {province: Lạng Sơn, district: Cao Lộc, commune: Đồng Đăng}
certifications:
  - decision: 77/QĐ-UBND
    issued: 2022-03-01
    issuer: UBND huyện Cao Lộc
    level: district
    stars: 3
    revoked: {date: 2024-01-15, decision: 5/QĐ-UBND, reason: Không duy trì điều kiện sản xuất}
""",
    "content/pages/gioi-thieu.md": "---\ntitle: Giới thiệu\ndescription: Về chương trình OCOP.\n---\n## Chương trình OCOP\n\nMỗi xã một sản phẩm.\n",
}


def normalise(text: str) -> str:
    return re.sub(r"\?v=[0-9a-f]{10}", "?v=HASH", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    site = write_site(root / "site", SITE)
    out = root / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", "2026-11-30", "--quiet"]) == 0
    return out


@pytest.mark.parametrize("rel", FILES)
def test_golden(built, rel):
    actual = normalise((built / rel).read_text(encoding="utf-8"))
    expected_path = GOLDEN / rel
    if os.environ.get("OCOP_UPDATE_GOLDEN"):
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8"), f"{rel} differs from tests/golden/{rel}"
