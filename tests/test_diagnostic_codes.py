"""One small site per diagnostic code, asserting the exact ``path:line:col`` line.

The expected lines are part of the tool's interface: editors and CI parse them.
"""

import pytest
from helpers import PRODUCT, SITE_YAML

from ocop_site.core.diagnostics import CODES
from ocop_site.records.catalog import load_catalog

P = "products/QN-2023-0042.yaml"


def product(**replace):
    text = PRODUCT.format(code="QN-2023-0042")
    for old, new in replace.items():
        old = old.replace("__", " ")
        assert old in text, old
        text = text.replace(old, new)
    return text


def add(text):
    return PRODUCT.format(code="QN-2023-0042") + text


CASES = [
    ("E101", {P: b"code: QN-2023-0042\nname: M\xe1t ong\n"},
     "products/QN-2023-0042.yaml:2:8: error: byte 0xE1 is not UTF-8; save the file as UTF-8 [E101]"),
    ("E102", {P: "code: QN-2023-0042\nname: [unclosed\ncategory: food\n"},
     "products/QN-2023-0042.yaml:3:9: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence) [E102]"),
    ("E103", {P: "code: x\n" + "# " + "x" * (2 * 1024 * 1024) + "\n"},
     "products/QN-2023-0042.yaml:1:1: error: the file is 2,097,163 bytes; the limit is 2,097,152 [E103]"),
    ("E104", {P: add("name: Khác\n")},
     "products/QN-2023-0042.yaml:18:1: error: duplicate key 'name' (first written on line 2) [E104]"),
    ("E105", {P: "- code: QN-2023-0042\n"},
     "products/QN-2023-0042.yaml:1:1: error: expected a mapping of 'key: value' lines, found a list [E105]"),
    ("E106", {"content/producers/htx-mat-ong.md": "name: HTX\n---\n"},
     "content/producers/htx-mat-ong.md:1:1: error: the file must start with a front matter block: a line '---', YAML fields, then '---' [E106]"),
    ("E107", {P: "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi"))},
     "products/QN-2023-0042.yaml:5:36: error: the document expands to more than 100,000 values (too many aliases?) [E107]"),
    ("E108", {P: add("---\ncode: X\n")},
     "products/QN-2023-0042.yaml:18:1: error: a second YAML document ('---') in one file; a file holds one record [E108]"),
    ("E109", {"site.yaml": None},
     "site.yaml:1:1: error: no site.yaml in {root}; is this a site folder? [E109]"),
    ("E110", {"content/sales-points/Diem_A.md": "---\nname: A\n---\n"},
     "content/sales-points/Diem_A.md:1:1: error: file name 'Diem_A.md': 'Diem_A' is not a valid slug (lowercase letters and digits separated by '-') [E110]"),
    ("E112", {"site.yaml": "title: T\nbase_url: https://x.gov.vn/\ntheme: ../../elsewhere\n"},
     "site.yaml:3:8: error: theme: '../../elsewhere' is not a theme name: write the name of a folder of themes/ (such as 'default'), not a path [E112]"),
    ("E201", {P: product(stars="stras")},
     "products/QN-2023-0042.yaml:13:5: error: unknown key 'stras'; did you mean 'stars'? (put your own fields under 'extra:') [E201]"),
    ("E202", {P: product(**{"name: Mật ong bạc hà": "name: '  '"})},
     "products/QN-2023-0042.yaml:2:7: error: name: a value is required here (it is empty) [E202]"),
    ("E203", {P: product(**{"2024-05-13": "2023-02-30"})},
     "products/QN-2023-0042.yaml:10:13: error: issued: 2023-02-30 is not a date: 2023-02 has 28 days [E203]"),
    ("E204", {P: product(**{"stars: 4": "stars: [4]"})},
     "products/QN-2023-0042.yaml:13:12: error: stars: expected a whole number, found a list [E204]"),
    ("E205", {P: product(**{"category: food": "category: fod"})},
     "products/QN-2023-0042.yaml:3:11: error: category: 'fod' is not one of food, beverage, herbal, handicraft, ornamental, tourism; did you mean 'food'? [E205]"),
    ("E206", {P: product(**{"stars: 4": "stars: 6"})},
     "products/QN-2023-0042.yaml:13:12: error: stars: 6 is out of range: it must be from 3 to 5 [E206]"),
    ("E207", {P: product(**{"lot: L2024-03": "lot: L 2024/03"})},
     "products/QN-2023-0042.yaml:16:10: error: lot: 'L 2024/03' is not a valid code: letters, digits, '.', '_' or '-', at most 40, starting with a letter or digit [E207]"),
    ("E208", {P: product(**{"stars: 4": "stars: 4\n    valid_until: 2023-05-01"})},
     "products/QN-2023-0042.yaml:14:18: error: certifications.0.valid_until: 2023-05-01 is before issued 2024-05-13 [E208]"),
    ("E209", {P: add("channels:\n  - {type: shopee, url: \"javascript:alert(1)\"}\n")},
     "products/QN-2023-0042.yaml:19:25: error: url: 'javascript:alert(1)' is not an absolute http(s) link [E209]"),
    ("E210", {"content/sales-points/diem-meo-vac.md": "---\nname: A\naddress: B\ncoordinates: {lat: 105.41, lon: 23.16}\n---\n"},
     "content/sales-points/diem-meo-vac.md:4:14: error: coordinates: 105.41, 23.16 is outside Vietnam; lat and lon look swapped: write lat: 23.16, lon: 105.41 [E210]"),
    ("E211", {P: product(**{"code: QN-2023-0042": "code: QN-2023-0043"})},
     "products/QN-2023-0042.yaml:1:7: error: code: 'QN-2023-0043' differs from the file name 'QN-2023-0042.yaml'; they must be the same [E211]"),
    ("E212", {P: "\n".join(PRODUCT.format(code="QN-2023-0042").split("\n")[:7]) + "\ncertifications: []\n"},
     "products/QN-2023-0042.yaml:8:17: error: certifications: at least one entry is required [E212]"),
    ("E213", {P: product(**{"name: Mật ong bạc hà": 'name: "Mật ong\\x01"'})},
     "products/QN-2023-0042.yaml:2:7: error: name: the text holds control character (U+0001); remove it [E213]"),
    ("E214", {P: product(**{"province: Hà Giang": "province: " + "Hà Giang " * 12})},
     "products/QN-2023-0042.yaml:6:13: error: province: 'Hà Giang Hà Giang Hà Giang Hà Giang Hà Giang Hà Giang Hà…' "
     "is 107 characters long; a place name may have at most 100 [E214]"),
    ("E301", {P: product(**{"producer: htx-mat-ong": "producer: htx-mat-ongg"})},
     "products/QN-2023-0042.yaml:4:11: error: producer: there is no content/producers/htx-mat-ongg.md; did you mean 'htx-mat-ong'? [E301]"),
    ("E302", {P: product(**{"[diem-meo-vac]": "[diem-meo-vac, diem-ha-noi]"})},
     "products/QN-2023-0042.yaml:14:30: error: sales_points: there is no content/sales-points/diem-ha-noi.md [E302]"),
    ("E303", {P: add("images: [QN-2023-0042/main.jpg]\n")},
     "products/QN-2023-0042.yaml:18:10: error: images: 'QN-2023-0042/main.jpg' does not exist (looked for products/QN-2023-0042/main.jpg) [E303]"),
    ("E304", {P: add("images: [../../etc/passwd]\n")},
     "products/QN-2023-0042.yaml:18:10: error: images: '../../etc/passwd' leads outside the site folder [E304]"),
    ("E305", {"products/qn-2023-0042.yaml": PRODUCT.format(code="qn-2023-0042")},
     "products/qn-2023-0042.yaml:1:7: error: code 'qn-2023-0042' is also used by products/QN-2023-0042.yaml (codes must differ in more than letter case) [E305]"),
    ("E306", {P: add("  - lot: l2024-03\n    produced: 2024-04-01\n")},
     "products/QN-2023-0042.yaml:18:10: error: lot: lot 'l2024-03' is listed twice (as 'L2024-03'; letter case does not count) [E306]"),
    ("E307", {"content/producers/khong-co.en.md": "---\nname: X\n---\n"},
     "content/producers/khong-co.en.md:1:1: error: there is no khong-co.md for this translation [E307]"),
    ("E308", {P: add("standard:\n  number: TCCS 01\n  document: QN-2023-0042/tccs.html\n"),
              "products/QN-2023-0042/tccs.html": "<script>alert(1)</script>"},
     "products/QN-2023-0042.yaml:20:13: error: document: 'QN-2023-0042/tccs.html' is not a PDF or an image (.gif, .jpeg, .jpg, .pdf, .png, .webp); other files, such as HTML or SVG, could run script on the site [E308]"),
    ("W104", {P: add("images: [QN-2023-0042/main.jpg]\n"), "products/QN-2023-0042/main.jpg": b"Exif? no: text"},
     "products/QN-2023-0042.yaml:18:10: warning: images: the image 'QN-2023-0042/main.jpg' is not an image in a supported format (the content is not recognised); save it as JPEG, PNG or WebP; the page is published without it [W104]"),
    ("W106", {"products/QN-2023-0043.yml": PRODUCT.format(code="QN-2023-0043")},
     "products/QN-2023-0043.yml:1:1: warning: this file is not read: product records end in '.yaml' (rename it QN-2023-0043.yaml) [W106]"),
    ("W107", None, None),  # FIFOs and other special files: tests/test_hostile.py
    ("W105", None, None),  # QR codes and share cards that cannot be made: tests/test_qr.py
    ("W115", None, None),  # print --lots: lots of ended products left out: tests/test_printkit.py
    ("W101", None, None),  # Markdown sanitising: tested with the renderer
    ("W102", {P: add("translations:\n  fr: {name: Miel}\n")},
     "products/QN-2023-0042.yaml:19:3: warning: translations: 'fr' is not one of the site's other languages (en); it is not published [W102]"),
    ("W103", {P: product(**{"commune: Pả Vi": "commune: Pả Vii"})},
     "products/QN-2023-0042.yaml:7:12: warning: location.commune: 'Pả Vii' is not a commune or ward of Hà Giang (now part of Tuyên Quang), before or after the July 2025 reform; did you mean 'Pả Vi'? [W103]"),
    *[(code, None, None) for code in ("W201", "W202", "W203", "W204", "W205", "W206", "W207", "W208")],
    # audit findings in check: exact lines in tests/test_audit.py (test_check_warning_positions)
    ("E111", None, None),  # found when a story is rendered: tests/test_render.py
    ("E401", None, None),  # template errors: tested with the renderer
    ("E402", None, None),
    # import: exact lines in tests/test_import.py
    *[(f"E5{n:02d}", None, None) for n in range(1, 14)],
    *[(f"W5{n:02d}", None, None) for n in range(1, 6)],
    ("E403", None, None),  # print --lots --product of an ended product: tests/test_printkit.py
    ("E406", {"site.yaml": SITE_YAML + "contact: {name: Văn phòng OCOP, email: ocop.example.gov.vn}\n"},
     "site.yaml:4:40: error: email: 'ocop.example.gov.vn' is not an e-mail address (name@domain.tld) [E406]"),
    ("E407", {"site.yaml": SITE_YAML + "contact:\n  name: Văn phòng OCOP\n  phone: 0205 abc\n"},
     "site.yaml:6:10: error: phone: '0205 abc' is not a phone number (digits, spaces, '+', '.', '-', parentheses) [E407]"),
]


@pytest.mark.parametrize("code,files,expected", [c for c in CASES if c[1] is not None], ids=lambda v: v if isinstance(v, str) and len(v) == 4 else "")
def test_diagnostic_position(make_site, code, files, expected):
    root = make_site(files)
    _, diags = load_catalog(root)
    lines = [d.as_text(context=False) for d in diags]
    assert expected.format(root=root) in lines, "\n".join(lines)
    assert all(d.code in CODES for d in diags)


def test_every_code_has_a_case():
    assert sorted({c[0] for c in CASES}) == sorted(CODES)


def test_text_output_shows_line_and_caret(make_site):
    _, diags = load_catalog(make_site({P: product(**{"stars: 4": "stars: 6"})}))
    text = diags[0].as_text()
    assert text.splitlines()[1:] == ["        stars: 6", "               ^"]


def test_long_values_are_quoted_short_on_one_line(make_site):
    """A whole text file read where a record was expected, or a paragraph pasted into a field, is
    quoted in its first characters only: the message stays one readable line."""
    paragraph = "Mật ong rừng được thu hoạch vào mùa xuân, " * 10
    prose = "\n".join(["Đây là ghi chú của cán bộ, không phải hồ sơ sản phẩm."] + [paragraph] * 40)
    root = make_site({P: product(**{"category: food": f"category: {paragraph}", "2024-05-13": paragraph}),
                      "products/ghi-chu.yaml": prose})
    _, diags = load_catalog(root)
    lines = {d.path: [] for d in diags}
    for d in diags:
        lines[d.path].append(d.as_text(context=False))
    assert lines["products/ghi-chu.yaml"] == [
        "products/ghi-chu.yaml:1:1: error: expected a mapping of 'key: value' lines, found "
        "'Đây là ghi chú của cán bộ, không phải hồ sơ sản phẩm. Mật…' [E105]"]
    shown = "'Mật ong rừng được thu hoạch vào mùa xuân, Mật ong rừng được…'"
    assert f"products/QN-2023-0042.yaml:3:11: error: category: {shown} is not one of food, beverage, herbal, " \
           "handicraft, ornamental, tourism [E205]" in lines[P]
    assert f"products/QN-2023-0042.yaml:10:13: error: issued: {shown} is not a date; write it as YYYY-MM-DD [E203]" \
        in lines[P]
    assert all(len(line) < 200 for found in lines.values() for line in found)


def test_dates_outside_the_years_a_record_can_mean_are_errors_not_crashes(make_site):
    """Validity adds 36 months to a rating's date: in year 9999 that would leave Python's calendar."""
    root = make_site({P: product(**{"2024-05-13": "9999-06-01"})})
    _, diags = load_catalog(root)
    assert [d.as_text(context=False) for d in diags if d.is_error] == [
        "products/QN-2023-0042.yaml:10:13: error: issued: 9999-06-01 is out of range: a date must be in the years "
        "1900 to 2199 [E203]"]
    edge = make_site({P: product(**{"2024-05-13": "2199-12-31"})})
    _, diags = load_catalog(edge)
    assert not [d for d in diags if d.is_error], "the last year taken is a date like any other"


def test_prices_and_quantities_no_product_reaches_are_errors(make_site):
    """A price of 26 digits passed the checks and then broke the VND formatting of the product page."""
    root = make_site({P: product(**{"    produced: 2024-03-10\n": "    produced: 2024-03-10\n    quantity: 5000000000\n"})
                      + "price: {min: 99999999999999999999999999, max: 1000000000000}\n"})
    _, diags = load_catalog(root)
    assert [d.as_text(context=False) for d in diags if d.is_error] == [
        "products/QN-2023-0042.yaml:18:15: error: quantity: 5000000000 is out of range: it must be "
        "from 0 to 1,000,000,000 [E206]",
        "products/QN-2023-0042.yaml:19:14: error: min: 99999999999999999999999999 is out of range: it must be "
        "from 0 to 1,000,000,000,000 [E206]"]
