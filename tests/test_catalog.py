"""The assembled catalog: a minimal site loads, cross-file rules hold."""

from helpers import PRODUCT

from ocop_site.records.catalog import load_catalog


def errors(diags):
    return [d.as_text(context=False) for d in diags if d.is_error]


def test_minimal_site_loads(make_site):
    catalog, diags = load_catalog(make_site())
    assert errors(diags) == []
    assert list(catalog.products) == ["QN-2023-0042"]
    assert catalog.products["QN-2023-0042"].record.name == "Mật ong bạc hà"
    assert list(catalog.producers) == ["htx-mat-ong"]
    assert catalog.producers["htx-mat-ong"].body.strip() == "Câu chuyện của chúng tôi."


def test_english_story_is_attached(make_site):
    root = make_site({"content/producers/htx-mat-ong.en.md": "---\nname: Pa Vi Honey Co-op\n---\nOur story.\n"})
    catalog, diags = load_catalog(root)
    assert errors(diags) == []
    en = catalog.producers["htx-mat-ong"].localized["en"]
    assert en.record.name == "Pa Vi Honey Co-op" and en.body.strip() == "Our story."


def test_keep_going_catalog_holds_only_sound_records(make_site):
    root = make_site({
        "products/B-1.yaml": PRODUCT.format(code="B-1").replace("stars: 4", "stars: 9"),
        "products/C-1.yaml": PRODUCT.format(code="C-1").replace("htx-mat-ong", "khong-co"),
    })
    catalog, diags = load_catalog(root)
    assert sorted(catalog.products) == ["QN-2023-0042"]
    assert catalog.skipped == ("products/B-1.yaml", "products/C-1.yaml")
    assert len(errors(diags)) == 2


def test_product_of_broken_producer_is_left_out(make_site):
    root = make_site({"content/producers/htx-mat-ong.md": "---\nname: ''\n---\n"})
    catalog, diags = load_catalog(root)
    assert errors(diags) == ["content/producers/htx-mat-ong.md:2:7: error: name: a value is required here (it is empty) [E202]"]
    assert catalog.products == {} and "products/QN-2023-0042.yaml" in catalog.skipped


def test_extra_is_free_and_typed(make_site):
    root = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042")
                      + "extra:\n  vung: Pả Vi\n  so_ho: 12\n  huu_co: true\n  nested: {a: [1, x]}\n"})
    catalog, diags = load_catalog(root)
    assert errors(diags) == []
    assert catalog.products["QN-2023-0042"].record.extra == {"vung": "Pả Vi", "so_ho": 12, "huu_co": True,
                                                              "nested": {"a": [1, "x"]}}


def test_images_resolve_relative_to_the_record(make_site):
    root = make_site({
        "products/QN-2023-0042/main.jpg": b"\xff\xd8\xff",
        "products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + "images: [QN-2023-0042/main.jpg]\n",
    })
    catalog, diags = load_catalog(root)
    assert errors(diags) == []
    assert catalog.products["QN-2023-0042"].record.images == ("QN-2023-0042/main.jpg",)


def test_symlink_leaving_the_site_is_refused(make_site, tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"x")
    root = make_site({"products/QN-2023-0042.yaml": PRODUCT.format(code="QN-2023-0042") + "images: [link.jpg]\n"})
    (root / "products" / "link.jpg").symlink_to(outside)
    _, diags = load_catalog(root)
    assert errors(diags) == ["products/QN-2023-0042.yaml:18:10: error: images: 'link.jpg' leads outside the site folder [E304]"]


def test_free_pages_cannot_take_reserved_names(make_site):
    _, diags = load_catalog(make_site({"content/pages/producers.md": "---\ntitle: X\n---\n"}))
    assert errors(diags) == ["content/pages/producers.md:1:1: error: file name 'producers.md': 'producers' is reserved "
                             "for the site's own pages; choose another name [E110]"]


def test_source_files_are_found_by_kind_in_name_order(tmp_path):
    """Records by folder and suffix, sorted by name; hidden files (editors' swap files), other
    suffixes and sub-folders left out; a missing folder is no error."""
    from ocop_site.records.catalog import discover

    for rel in ["products/B-2.yaml", "products/A-1.yaml", "products/.A-1.yaml.swp", "products/.hidden.yaml",
                "products/notes.txt", "products/old.yml", "products/sub/C-3.yaml",
                "content/producers/htx-b.md", "content/producers/htx-a.md", "content/producers/draft.md~",
                "content/pages/gioi-thieu.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "products" / "folder.yaml").mkdir()
    found = [(p.relative_to(tmp_path).as_posix(), kind) for p, kind in discover(tmp_path)]
    assert found == [("products/A-1.yaml", "product"), ("products/B-2.yaml", "product"),
                     ("content/producers/htx-a.md", "producer"), ("content/producers/htx-b.md", "producer"),
                     ("content/pages/gioi-thieu.md", "page")]
