"""Administrative units across the July 2025 reform: names, grouping, W103 warnings, facets, GeoJSON."""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace

import pytest
from helpers import PRODUCT, SALES_POINT, write_site

from ocop_site.commands.cli import main
from ocop_site.core.routes import Routes
from ocop_site.records import provinces
from ocop_site.records.catalog import load_catalog
from ocop_site.site.registry import Media
from ocop_site.site.views import build_views

# Resolution 202/2025/QH15: the 34 provinces and what was merged into them (a sample of each kind).
MERGED = [
    ("Hà Giang", "Tuyên Quang"), ("Tuyên Quang", "Tuyên Quang"), ("Yên Bái", "Lào Cai"),
    ("Bắc Kạn", "Thái Nguyên"), ("Hoà Bình", "Phú Thọ"), ("Vĩnh Phúc", "Phú Thọ"), ("Bắc Giang", "Bắc Ninh"),
    ("Hải Dương", "Hải Phòng"), ("Thái Bình", "Hưng Yên"), ("Hà Nam", "Ninh Bình"), ("Nam Định", "Ninh Bình"),
    ("Quảng Bình", "Quảng Trị"), ("Quảng Nam", "Đà Nẵng"), ("Kon Tum", "Quảng Ngãi"), ("Bình Định", "Gia Lai"),
    ("Ninh Thuận", "Khánh Hòa"), ("Phú Yên", "Đắk Lắk"), ("Đắk Nông", "Lâm Đồng"), ("Bình Thuận", "Lâm Đồng"),
    ("Bình Phước", "Đồng Nai"), ("Long An", "Tây Ninh"), ("Bình Dương", "Hồ Chí Minh"),
    ("Bà Rịa - Vũng Tàu", "Hồ Chí Minh"), ("Tiền Giang", "Đồng Tháp"), ("Bến Tre", "Vĩnh Long"),
    ("Trà Vinh", "Vĩnh Long"), ("Kiên Giang", "An Giang"), ("Sóc Trăng", "Cần Thơ"), ("Hậu Giang", "Cần Thơ"),
    ("Bạc Liêu", "Cà Mau"), ("Thừa Thiên Huế", "Huế"), ("Lạng Sơn", "Lạng Sơn"), ("Hà Nội", "Hà Nội"),
]


def loc(province, commune=None, district=None):
    return SimpleNamespace(province=province, district=district, commune=commune)


def test_thirty_four_current_provinces():
    current = provinces.current_provinces()
    assert len(current) == 34
    assert len({p.slug for p in current}) == 34
    assert {"Hà Nội", "Huế", "Hồ Chí Minh", "Tuyên Quang"} <= {p.name for p in current}


@pytest.mark.parametrize("old,new", MERGED)
def test_former_province_maps_to_current(old, new):
    match = provinces.match_province(old)
    assert match is not None and match.current.name == new
    assert match.former == (None if provinces._key(old) == provinces._key(new) or old == "Thừa Thiên Huế" else old)


def test_every_former_province_is_known_and_names_of_both_eras_agree():
    data = json.loads(provinces.DATA.read_text(encoding="utf-8"))
    assert len(data["provinces"]) == 63
    current = {p.code for p in provinces.current_provinces()}
    for old in data["provinces"]:
        assert old["current"] in current
        match = provinces.match_province(old["name"])
        assert match.current.code == old["current"], old["name"]
    # a current province keeps the name of one former province, and that one was merged into it
    for cur in provinces.current_provinces():
        assert provinces.match_province(cur.name).current == cur


@pytest.mark.parametrize("written", ["Hà Giang", "tỉnh Hà Giang", "Tỉnh Hà Giang", "Ha Giang", "HÀ GIANG", "Hà  Giang"])
def test_spellings_of_a_province(written):
    assert provinces.group(written) == provinces.Group("tuyen-quang", "Tuyên Quang", "Hà Giang")


@pytest.mark.parametrize("written,name", [("TP. Hồ Chí Minh", "Hồ Chí Minh"), ("TP.HCM", "Hồ Chí Minh"),
                                          ("Thành phố Hà Nội", "Hà Nội"), ("Hòa Bình", "Phú Thọ"),
                                          ("Bà Rịa–Vũng Tàu", "Hồ Chí Minh"), ("Đăk Nông", "Lâm Đồng")])
def test_aliases_and_punctuation(written, name):
    assert provinces.match_province(written).current.name == name


def test_unknown_province_groups_as_written():
    g = provinces.group("Tỉnh Không Có")
    assert (g.slug, g.label, g.known) == ("tinh-khong-co", "Tỉnh Không Có", False)


def test_province_found_in_an_address():
    assert provinces.group(None, "Số 9 đường Hạ Long, phường Bãi Cháy, tỉnh Quảng Ninh").slug == "quang-ninh"
    assert provinces.group(None, "Tổ 2, thị trấn Mèo Vạc, Hà Giang (cạnh chợ)").label == "Tuyên Quang"
    assert provinces.group(None, "Chợ phiên") == provinces.Group("khac", "", None, False)


@pytest.mark.parametrize("location", [
    loc("Hà Giang", "Pả Vi", "Mèo Vạc"),                 # before the reform, as rated in 2023
    loc("Tuyên Quang", "Mèo Vạc"),                        # after: current commune
    loc("Tuyên Quang", "Xã Pả Vi"),                       # current province, former commune, with its type
    loc("Hà Giang", "Hà Giang 1"),                        # former province, current ward
    loc("Đà Nẵng", "Hải Châu 1"), loc("Đà Nẵng", "Phường Hải Châu I"),   # Roman numerals
    loc("Kon Tum", "Ngọk Lây", "Tu Mơ Rông"),             # Ngọk / Ngọc
    loc("Bình Thuận", "Ngũ Phụng", "Phú Quý"),            # Quý / Quí
    loc("Lâm Đồng", "Đưng K'Nớ", "Lạc Dương"),            # apostrophe
    loc("Hà Nội", "Kim Lan", "Gia Lâm"),                  # merged on 1 January 2025, known from the 2021 list
    loc("Hồ Chí Minh", "Phường 01", "Quận 3"),            # numbered ward, leading zero
])
def test_known_places(location):
    assert provinces.check_location(location) == []


def test_unknown_places_with_suggestions():
    assert provinces.check_location(loc("Hà Giangg", "Pả Vi")) == [
        ("province", "'Hà Giangg' is not a province of Vietnam, before or after the July 2025 reform; "
                     "did you mean 'Hà Giang'?")]
    assert provinces.check_location(loc("Hà Giang", "Pả Vii", "Mèo Vạcc")) == [
        ("district", "'Mèo Vạcc' is not a former district of Hà Giang (now part of Tuyên Quang); did you mean 'Mèo Vạc'?"),
        ("commune", "'Pả Vii' is not a commune or ward of Hà Giang (now part of Tuyên Quang), before or after "
                    "the July 2025 reform; did you mean 'Pả Vi'?")]
    # a commune of another province is not a commune of this one
    assert provinces.check_location(loc("Lạng Sơn", "Pả Vi"))[0][0] == "commune"


def test_the_library_agrees_when_it_has_legacy_data():
    legacy = pytest.importorskip("vietnam_provinces.legacy", reason="vietnam-provinces < 2026 has no legacy module")
    from vietnam_provinces.legacy import Province as OldProvince
    for old in OldProvince.iter_all():
        assert provinces.match_province(old.name) is not None, old.name
    assert legacy


def test_sample_site_names_are_all_known(tmp_path):
    from helpers import ROOT
    _, diags = load_catalog(ROOT)
    assert [d.as_text(False) for d in diags if d.code == "W103"] == []


SP_OLD = """\
---
name: Điểm OCOP Hà Giang
kind: showroom
location: {province: Hà Giang, district: Vị Xuyên, commune: Việt Lâm}
address: Thị trấn Việt Lâm, Vị Xuyên, Hà Giang
coordinates: {lat: 22.65, lon: 104.85}
---
"""
SP_NOLOC = """\
---
name: Quầy OCOP Bãi Cháy
address: Số 9 đường Hạ Long, phường Bãi Cháy, tỉnh Quảng Ninh
coordinates: {lat: 20.95, lon: 107.05}
---
"""


def reform_files():
    tq = PRODUCT.format(code="TQ-2025-0001").replace("province: Hà Giang", "province: Tuyên Quang") \
        .replace("commune: Pả Vi", "commune: Mèo Vạc").replace("[diem-meo-vac]", "[diem-meo-vac, diem-ha-giang]")
    typo = PRODUCT.format(code="XX-2025-0001").replace("province: Hà Giang", "province: Hà Giangg")
    return {
        "products/TQ-2025-0001.yaml": tq, "products/XX-2025-0001.yaml": typo,
        "content/sales-points/diem-ha-giang.md": SP_OLD, "content/sales-points/quay-bai-chay.md": SP_NOLOC,
        "content/sales-points/diem-meo-vac.md": SALES_POINT.replace("kind: shop", "kind: shop\nlocation: {province: Tuyên Quang, commune: Mèo Vạc}"),
    }


@pytest.fixture(scope="module")
def reform_site(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("reform") / "site", reform_files())


@pytest.fixture(scope="module")
def out(reform_site, tmp_path_factory):
    out = tmp_path_factory.mktemp("reform-out") / "public"
    assert main(["build", "--source", str(reform_site), "--output", str(out), "--today", "2025-08-01", "--quiet"]) == 0
    return out


def views_of(root, lang="vi"):
    catalog, diags = load_catalog(root)
    routes = Routes.create(catalog.config.base_url, catalog.config.languages)
    return build_views(catalog, date(2025, 8, 1), lang, routes, Media(), lambda e, l: ""), diags


def test_facets_group_by_current_province(reform_site):
    views, diags = views_of(reform_site)
    assert [d.as_text(False) for d in diags if d.code == "W103"] == [
        "products/XX-2025-0001.yaml:6:13: warning: location.province: 'Hà Giangg' is not a province of Vietnam, "
        "before or after the July 2025 reform; did you mean 'Hà Giang'? [W103]"]
    facets = {f.key: f for f in views.provinces}
    assert set(facets) == {"tuyen-quang", "ha-giangg"}
    assert (facets["tuyen-quang"].label, facets["tuyen-quang"].count, facets["tuyen-quang"].former) == \
        ("Tuyên Quang", 2, ("Hà Giang",))
    # pages show the address as written
    written = {v.code: v.location.province for v in views.valid}
    assert written == {"QN-2023-0042": "Hà Giang", "TQ-2025-0001": "Tuyên Quang", "XX-2025-0001": "Hà Giangg"}
    groups = [(g.key, g.label, [s.slug for s in g.sales_points]) for g in views.sales_point_groups]
    assert groups == [("quang-ninh", "Quảng Ninh", ["quay-bai-chay"]),
                      ("tuyen-quang", "Tuyên Quang", ["diem-ha-giang", "diem-meo-vac"])]   # by name


def test_build_publishes_province_pages_and_geojson(out):
    assert (out / "provinces/tuyen-quang/index.html").is_file()
    assert not (out / "provinces/ha-giang").exists()
    listing = (out / "provinces/tuyen-quang/index.html").read_text(encoding="utf-8")
    assert "Hà Giang" in listing and "Tuyên Quang" in listing
    index = (out / "provinces/index.html").read_text(encoding="utf-8")
    assert "địa bàn Hà Giang cũ" in index
    features = {f["properties"]["slug"]: f["properties"]
                for f in json.loads((out / "sales-points.geojson").read_text(encoding="utf-8"))["features"]}
    assert features["diem-ha-giang"]["province"] == "Hà Giang"               # as written
    assert features["diem-ha-giang"]["province_current"] == "Tuyên Quang"
    assert features["diem-ha-giang"]["province_slug"] == "tuyen-quang"
    assert features["quay-bai-chay"]["province"] is None                       # no location: from the address
    assert features["quay-bai-chay"]["province_slug"] == "quang-ninh"
    assert features["diem-meo-vac"]["products"] == ["QN-2023-0042", "TQ-2025-0001", "XX-2025-0001"]
    assert features["diem-meo-vac"]["categories"] == ["food"]


def test_pages_embed_the_geojson_features_of_their_points(out):
    """One source of truth: a page's embedded points are the published file's features (without the
    product lists, which the page's map does not need)."""
    published = {f["properties"]["slug"]: f for f in json.loads((out / "sales-points.geojson").read_text("utf-8"))["features"]}
    for f in published.values():
        del f["properties"]["products"], f["properties"]["categories"]

    def embedded(path, map_id):
        html = (out / path).read_text(encoding="utf-8")
        m = re.search(rf'<script type="application/json" id="{map_id}-data">(.*?)</script>', html, re.S)
        assert m, path
        assert "<script>" not in html and "<script >" not in html   # no inline script
        return json.loads(m.group(1))["features"]

    assert embedded("p/TQ-2025-0001/index.html", "buy-map") == [published["diem-ha-giang"], published["diem-meo-vac"]]
    assert embedded("sales-points/quay-bai-chay/index.html", "sales-point-map") == [published["quay-bai-chay"]]


def test_vendor_files_published_with_licences(out):
    for rel in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/marker-icon.png", "leaflet/LICENSE",
                "leaflet.markercluster/leaflet.markercluster.js", "leaflet.markercluster/LICENSE"):
        assert (out / "static/vendor" / rel).is_file(), rel
    html = (out / "sales-points/index.html").read_text(encoding="utf-8")
    assert "static/vendor/leaflet/leaflet.js?v=" in html and "static/js/maps.js?v=" in html
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert not [s for s in sources if s.startswith(("http:", "https:", "//")) and "feed.xml" not in s
                and "ocop.example.gov.vn" not in s], sources   # nothing from a CDN
