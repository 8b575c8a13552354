"""The records of the build cache: stored many to a pack, found again, merged, and never trusted
when damaged (a miss re-reads the file)."""

from __future__ import annotations

import pickle
from datetime import date

from helpers import PRODUCT, write_site

from ocop_site.core import cache as build_cache
from ocop_site.core.cache import MAX_PACKS, PACK_SUFFIX, Cache
from ocop_site.records import catalog as records
from ocop_site.site.builder import build

TODAY = date(2026, 11, 30)


def packs(folder):
    return sorted((folder / "records").glob("*" + PACK_SUFFIX))


def test_records_stored_as_one_pack_are_found_by_a_later_cache(tmp_path):
    items = [(f"k{n}", pickle.dumps({"n": n, "tên": "Mật ong" * n})) for n in range(50)]
    Cache(tmp_path).put_records(items)
    assert len(packs(tmp_path)) == 1
    later = Cache(tmp_path)
    assert later.record_keys() == {f"k{n}" for n in range(50)}
    assert [later.get_record(f"k{n}") for n in (0, 7, 49)] == [{"n": n, "tên": "Mật ong" * n} for n in (0, 7, 49)]
    assert later.get_record("nope") is None


def test_packs_are_merged_keeping_only_the_records_still_used(tmp_path):
    cache = Cache(tmp_path)
    (tmp_path / "records" / "ab").mkdir(parents=True)
    (tmp_path / "records" / "ab" / "old.pickle").write_bytes(b"a record of an earlier version's layout")
    for n in range(MAX_PACKS):
        cache.put_records([(f"k{n}", pickle.dumps(n))], keep={"k1", "k5"})
    assert len(packs(tmp_path)) == MAX_PACKS and (tmp_path / "records" / "ab").exists()
    cache.put_records([("new", pickle.dumps("new"))], keep={"k1", "k5", "new"})
    assert len(packs(tmp_path)) == 1 and not (tmp_path / "records" / "ab").exists()
    later = Cache(tmp_path)
    assert later.record_keys() == {"k1", "k5", "new"}
    assert (later.get_record("k1"), later.get_record("k5"), later.get_record("new")) == (1, 5, "new")


def test_a_damaged_or_vanished_pack_is_a_miss(tmp_path):
    cache = Cache(tmp_path)
    cache.put_records([("a", pickle.dumps("A")), ("b", pickle.dumps("B"))])
    (tmp_path / "records" / ("junk" + PACK_SUFFIX)).write_bytes(b"not a pack at all")
    reader = Cache(tmp_path)
    assert reader.record_keys() == {"a", "b"}        # the junk file is no pack: ignored
    pack = packs(tmp_path)[0]
    data = pack.read_bytes()
    pack.write_bytes(data[:-3])                       # the last record cut short
    assert reader.get_record("a") == "A" and reader.get_record("b") is None
    pack.unlink()                                     # removed by another build's merge
    assert reader.get_record("a") is None


def test_a_build_stores_what_it_read_and_the_next_reads_only_what_changed(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", {f"products/B-{n}.yaml": PRODUCT.format(code=f"B-{n}") for n in range(6)})
    monkeypatch.setenv(build_cache.CACHE_ENV, str(tmp_path / "cache"))
    read: list[str] = []
    real = records.load_file
    monkeypatch.setattr(records, "load_file", lambda root, path, *a, **k: read.append(path.name) or real(root, path, *a, **k))
    assert build(site, tmp_path / "out", TODAY, workers=1).published
    first = set(read)
    assert {f"B-{n}.yaml" for n in range(6)} <= first and len(packs(tmp_path / "cache")) == 1
    read.clear()
    (site / "products" / "B-3.yaml").write_text(PRODUCT.format(code="B-3").replace("name: Mật ong bạc hà", "name: Mới"),
                                                 encoding="utf-8")
    report = build(site, tmp_path / "out", TODAY, workers=1)
    assert report.published and read == ["B-3.yaml"]
    assert len(packs(tmp_path / "cache")) == 2
    # a pack gone: its records are read again, and the build is the same
    for pack in packs(tmp_path / "cache"):
        pack.unlink()
    read.clear()
    (tmp_path / "out2").mkdir()
    assert build(site, tmp_path / "out2", TODAY, workers=1).published and set(read) == first
