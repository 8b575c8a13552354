"""Reading files: YAML 1.1 traps, encodings, line ends, NFC, and hostile input."""

import unicodedata

from helpers import PRODUCER, PRODUCT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocop_site.records.catalog import load_catalog
from ocop_site.records.sources import SourceText, parse_yaml

P = "products/QN-2023-0042.yaml"


def errors(diags):
    return [d.as_text(context=False) for d in diags if d.is_error]


def test_yaml_11_traps_stay_text(make_site):
    root = make_site({
        "products/0123.yaml": PRODUCT.format(code="0123").replace("commune: Pả Vi", "commune: No")
        .replace("lot: L2024-03", "lot: 2024-03"),
        "content/producers/htx-mat-ong.md": PRODUCER.replace("type: cooperative", "type: cooperative\nphone: 0912345678"),
    })
    catalog, diags = load_catalog(root)
    assert errors(diags) == []
    p = catalog.products["0123"].record
    assert (p.code, p.location.commune, p.batches[0].lot) == ("0123", "No", "2024-03")
    assert catalog.producers["htx-mat-ong"].record.phone == "0912345678"


def test_quoted_dates_and_on_off_words(make_site):
    text = PRODUCT.format(code="QN-2023-0042").replace("issued: 2024-05-13", 'issued: "2024-05-13"') \
        .replace("province: Hà Giang", "province: On")
    catalog, diags = load_catalog(make_site({P: text}))
    assert errors(diags) == []
    assert catalog.products["QN-2023-0042"].record.location.province == "On"


def test_bom_and_crlf(make_site):
    text = "\ufeff" + PRODUCT.format(code="QN-2023-0042").replace("\n", "\r\n").replace("stars: 4", "stars: 7")
    _, diags = load_catalog(make_site({P: text.encode("utf-8")}))
    assert errors(diags) == ["products/QN-2023-0042.yaml:13:12: error: stars: 7 is out of range: it must be from 3 to 5 [E206]"]


def test_crlf_front_matter_positions(make_site):
    text = "---\r\nname: HTX\r\ntype: coop\r\n---\r\nStory\r\n"
    _, diags = load_catalog(make_site({"content/producers/htx-mat-ong.md": text.encode()}))
    assert errors(diags)[0].startswith("content/producers/htx-mat-ong.md:3:7: error: type: 'coop' is not one of")


def test_nfd_input_is_normalised(make_site):
    text = unicodedata.normalize("NFD", PRODUCT.format(code="QN-2023-0042"))
    catalog, diags = load_catalog(make_site({P: text}))
    assert errors(diags) == []
    name = catalog.products["QN-2023-0042"].record.name
    assert name == "Mật ong bạc hà" and unicodedata.is_normalized("NFC", name)


def test_text_is_trimmed(make_site):
    text = PRODUCT.format(code="QN-2023-0042").replace("name: Mật ong bạc hà", 'name: "  Mật ong bạc hà  "')
    catalog, _ = load_catalog(make_site({P: text}))
    assert catalog.products["QN-2023-0042"].record.name == "Mật ong bạc hà"


def test_empty_file_and_wrong_shapes(make_site):
    _, diags = load_catalog(make_site({P: ""}))
    assert errors(diags) == ["products/QN-2023-0042.yaml:1:1: error: the document is empty; expected 'key: value' lines [E105]"]
    _, diags = load_catalog(make_site({P: "just text\n"}))
    assert errors(diags) == ["products/QN-2023-0042.yaml:1:1: error: expected a mapping of 'key: value' lines, found 'just text' [E105]"]
    _, diags = load_catalog(make_site({P: PRODUCT.format(code="QN-2023-0042").replace("location:\n  province: Hà Giang\n  commune: Pả Vi", "location: [Hà Giang]")}))
    assert errors(diags) == ["products/QN-2023-0042.yaml:5:11: error: location: expected a mapping of 'key: value' lines, found a list [E204]"]


def test_unclosed_front_matter(make_site):
    _, diags = load_catalog(make_site({"content/producers/htx-mat-ong.md": "---\nname: A\n"}))
    assert "content/producers/htx-mat-ong.md:1:1: error: the front matter opened on line 1 is never closed with '---' [E106]" in errors(diags)


def test_deep_nesting_is_bounded(make_site):
    _, diags = load_catalog(make_site({P: "a: " + "[" * 5000 + "]" * 5000 + "\n"}))
    assert [d.code for d in diags if d.is_error] == ["E105"]
    _, diags = load_catalog(make_site({P: "a:\n" + "".join("  " * i + "- \n" for i in range(100))}))
    assert [d.code for d in diags if d.is_error] == ["E105"]


def test_every_problem_is_reported_at_once(make_site):
    text = PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stars: 9").replace("category: food", "category: x")
    _, diags = load_catalog(make_site({P: text, "products/B.yaml": "code: [\n"}))
    assert sorted(d.code for d in diags) == ["E102", "E205", "E206"]


def test_python_tags_are_not_executed():
    src = SourceText("a.yaml", "a: !!python/object/apply:os.system ['echo hi']\n")
    data, _, diags = parse_yaml(src)
    assert diags == [] and data == {"a": ["echo hi"]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_loader_never_raises_on_random_bytes(make_site, data):
    root = make_site({P: data, "content/producers/htx-mat-ong.md": b"---\n" + data + b"\n---\n"})
    load_catalog(root)


yaml_text = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yaml_text, st.sampled_from(["code", "certifications", "location", "batches", "translations", "extra", "stars"]))
def test_loader_never_raises_on_random_yaml(make_site, value, key):
    import yaml
    doc = yaml.safe_dump({key: value, "code": "QN-2023-0042"}, allow_unicode=True)
    root = make_site({P: doc})
    load_catalog(root)


FIXED_YAML = [
    "a: 1\nb: [x, ~, '', null]\nextra: {n: 3, t: true, f: 1.5, s: 'x', z: ~}\n",
    "k: v\nk: w\nlist:\n  - a\n  - b: c\n    b: d\n",                       # duplicate keys
    "base: &b {x: 1, y: [2, 3]}\nuse: *b\nagain: *b\nx: &s text\ny: *s\n",   # anchors and aliases
    "name: \"Me\u0302\u0323t\"\nnull_text: 'null'\n? [a]\n: b\n",            # NFD text, a list as a key
    "a: b\n--- \nc: d\n", "a: *missing\n", "[1, 2]\n", "just text\n", "",
    "extra:\n  deep: {a: {b: {c: [1, {d: null}]}}}\ntop: {extra: 2}\n",
    "&k key: v\n*k : w\nM\u0065\u0302\u0323t: 1\nM\u1ec7t: 2\n'a ': 1\na: 2\n\"\": x\n'': y\n",   # keys: anchored, NFD, spaces
    "code: 0123\nlot: 2024-03\ncommune: No\nphone: '0912345678'\nempty:\nq: ''\nbatches:\n  - {lot: 01, lot: 02}\n",
]


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.sampled_from(FIXED_YAML),
                 yaml_text.map(lambda v: __import__("yaml").safe_dump({"extra": v, "x": v}, allow_unicode=True))),
       st.sampled_from([frozenset({"extra"}), None, frozenset()]))
def test_composing_without_positions_gives_the_same_data(text, typed_keys):
    """Builds and workers compose records without positions (a faster path for values); the data
    and the diagnostics must be those of composing with positions."""
    src = SourceText("a.yaml", text)
    with_positions = parse_yaml(src, typed_keys=typed_keys)
    without = parse_yaml(src, typed_keys=typed_keys, positions=False)
    assert without[0] == with_positions[0]
    assert repr(without[0]) == repr(with_positions[0])   # types too (1 against '1', None against '')
    assert [d.as_text() for d in without[2]] == [d.as_text() for d in with_positions[2]]


# --- line numbers the way editors and grep -n count them (issue 15, item 11) ---------------

def _grep_n(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` as grep -n and editors show them (lines end at '\\n')."""
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_line_numbers_after_unicode_line_separators_match_grep(make_site):
    """YAML also ends lines at U+0085, U+2028 and U+2029; editors and grep -n do not."""
    text = PRODUCT.format(code="QN-2023-0042").replace(
        "name: Mật ong bạc hà", 'name: "Mật ong\u2028bạc hà"\ndescription: "Một\u2029hai\x85ba"').replace(
        "stars: 4", "stras: 4")
    text += "extra: {ghi_chu: \"a\u2028b\", x: [1, 2]}\nchannels: [{type: shopee, url: \"a\u2028b\"}, {type: zalo, url: ftp://x}]\n"
    _, diags = load_catalog(make_site({P: text}))
    found = {d.code: (d.line, d.col) for d in diags if d.is_error}
    assert found["E201"] == _grep_n(text, "stras")
    line, col = _grep_n(text, "ftp://x")
    assert (line, col) in {(d.line, d.col) for d in diags if d.code == "E209"}
    assert all(d.source_line is None or "stras" in d.source_line for d in diags if d.code == "E201")


def test_line_numbers_in_front_matter_after_line_separators(make_site):
    text = "---\nname: \"Điểm\u2028OCOP\"\naddress: 'B\u2029C'\ncoordinates: {lat: 105.41, lon: 23.16}\n---\nStory\n"
    _, diags = load_catalog(make_site({"content/sales-points/diem-meo-vac.md": text}))
    [e210] = [d for d in diags if d.code == "E210"]
    assert (e210.line, e210.col) == _grep_n(text, "{lat")


def test_a_lone_carriage_return_ends_a_line(make_site):
    """Old Mac line ends (a lone CR) end a line, as in YAML and most editors (grep -n alone disagrees)."""
    text = PRODUCT.format(code="QN-2023-0042").replace("stars: 4", "stras: 4").replace("\n", "\r")
    _, diags = load_catalog(make_site({P: text.encode()}))
    [e201] = [d for d in diags if d.code == "E201"]
    assert (e201.line, e201.col) == _grep_n(text.replace("\r", "\n"), "stras")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="ab \u2028\u2029\x85", max_size=6), min_size=1, max_size=6),
       st.sampled_from(["plain", "single", "double", "flow"]))
def test_every_key_is_where_grep_finds_it(values, style):
    """Whatever YAML-only line ends the values hold, each key's position is its line and column in the file."""
    def written(value: str) -> str:
        if style == "single":
            return "'" + value + "'"
        if style == "double" or not value.strip(" ") or value != value.strip(" \u2028\u2029\x85"):
            return '"' + value + '"'
        return value
    keys = [f"k{i}x" for i in range(len(values))]
    if style == "flow":
        text = "m: {" + ", ".join(f"{k}: {written(v)}" for k, v in zip(keys, values)) + "}\n"
        loc = ("m",)
    else:
        text = "".join(f"{k}: {written(v)}\n" for k, v in zip(keys, values))
        loc = ()
    data, smap, diags = parse_yaml(SourceText("x.yaml", text))
    if diags:   # a value YAML cannot read as written (e.g. a plain scalar ending in a line end)
        return
    for k in keys:
        position = smap.key(loc + (k,))
        assert (position.line, position.col) == _grep_n(text, k), (text, k)


def test_reading_many_files_opens_a_plain_file_once_and_checks_anything_else_step_by_step(tmp_path, monkeypatch):
    """read_text with ``folders`` (the bulk loader) opens a regular file of a folder inside the site
    with O_NOFOLLOW | O_NONBLOCK; a link, a FIFO or a large file takes the step-by-step checks and
    gets the same result and diagnostics as when read alone."""
    import os

    from ocop_site.records import sources

    site = tmp_path / "site"
    (site / "products").mkdir(parents=True)
    (tmp_path / "outside.yaml").write_text("code: secret\n", encoding="utf-8")
    plain = site / "products" / "A.yaml"
    plain.write_bytes(b"\xef\xbb\xbfname: M\xe1\xba\xadt ong\r\n")
    os.symlink(plain, site / "products" / "B.yaml")                      # a link inside the site
    os.symlink(tmp_path / "outside.yaml", site / "products" / "C.yaml")  # a link leading outside
    os.mkfifo(site / "products" / "D.yaml")
    (site / "products" / "E.yaml").write_bytes(b"#" * (sources.MAX_FILE_BYTES + 1))

    def outcome(name, folders):
        text, diags = sources.read_text(site / "products" / f"{name}.yaml", site, folders)
        return (text.path, text.text) if text else None, [d.as_text(context=False) for d in diags]

    alone = {name: outcome(name, None) for name in "ABCDE"}
    assert alone["A"] == (("products/A.yaml", "name: Mật ong\n"), [])
    assert alone["B"] == (("products/B.yaml", "name: Mật ong\n"), [])
    assert "[E304]" in alone["C"][1][0] and "[W107]" in alone["D"][1][0] and "[E103]" in alone["E"][1][0]

    careful = []
    real_not_regular = sources.not_regular
    monkeypatch.setattr(sources, "not_regular", lambda path: careful.append(os.path.basename(path))
                        or real_not_regular(path))
    folders: dict[str, bool] = {}
    assert {name: outcome(name, folders) for name in "ABCDE"} == alone
    assert careful == ["B.yaml", "D.yaml", "E.yaml"]   # A in one open; C refused before any (its link leads outside)
