"""Incremental builds: after any sequence of edits, renames, deletions and interrupted builds the output
equals a clean build."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from datetime import date
from pathlib import Path

from helpers import PRODUCT, write_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ocop_site.site.builder import build

TODAY = date(2026, 11, 30)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def product(code: str, name: str = "Mật ong bạc hà", stars: int = 4) -> str:
    return PRODUCT.format(code=code).replace("name: Mật ong bạc hà", f"name: {name}").replace("stars: 4", f"stars: {stars}")


def op_rename(site: Path, n: int) -> None:
    files = sorted((site / "products").glob("*.yaml"))
    if files:
        old = files[n % len(files)]
        code = f"R-{n}"
        old.unlink()
        (site / "products" / f"{code}.yaml").write_text(product(code, f"Sản phẩm đổi tên {n}"))


def op_edit_name(site: Path, n: int) -> None:
    for path in sorted((site / "products").glob("*.yaml"))[:1]:
        path.write_text(product(path.stem, f"Tên mới {n}", 3 + n % 3))


def op_delete(site: Path, n: int) -> None:
    files = sorted((site / "products").glob("*.yaml"))
    if len(files) > 1:
        files[n % len(files)].unlink()


def op_add(site: Path, n: int) -> None:
    (site / "products" / f"N-{n}.yaml").write_text(product(f"N-{n}", f"Chè Shan tuyết {n}", 5))


def op_story(site: Path, n: int) -> None:
    (site / "content" / "producers" / "htx-mat-ong.md").write_text(
        f"---\nname: HTX Mật ong số {n}\ntype: cooperative\n---\n## Câu chuyện {n}\n\nNội dung {n}.\n")


def op_sales_point(site: Path, n: int) -> None:
    """Its card is on the page of every product it sells (rendered once per build: view_part)."""
    (site / "content" / "sales-points" / "diem-meo-vac.md").write_text(
        f"---\nname: Điểm OCOP số {n}\nkind: shop\naddress: Số {n} Mèo Vạc\ncoordinates: {{lat: 23.16, lon: 105.41}}\n---\n")


def op_page(site: Path, n: int) -> None:
    pages = site / "content" / "pages"
    pages.mkdir(exist_ok=True)
    target = pages / "gioi-thieu.md"
    if target.exists() and n % 2:
        target.unlink()
    else:
        target.write_text(f"---\ntitle: Giới thiệu {n}\n---\nXin chào {n}.\n")


def op_break(site: Path, n: int) -> None:
    (site / "products" / "X-BROKEN.yaml").write_text("code: X-BROKEN\nname: [\n")


def op_fix(site: Path, n: int) -> None:
    (site / "products" / "X-BROKEN.yaml").unlink(missing_ok=True)


def op_interrupted(site: Path, n: int) -> None:
    """An edit whose build is killed (the test loop kills it, at step 1 + 19n of rendering or publishing:
    see killed_build); the edit is then changed again and the next build checked."""
    op_edit_name(site, n)


def killed_build(site: Path, out: Path, step: int) -> None:
    """Build in a forked process that is killed with SIGKILL at the ``step``-th write or move
    (output.FAULT_ENV), as a power cut or ``kill -9`` would."""
    from ocop_site.core import output
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)        # the hook kills its process group: this process alone
            output._fault.update(at=step, count=0)
            build(site, out, TODAY, workers=1)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


OPS = [op_rename, op_edit_name, op_delete, op_add, op_story, op_sales_point, op_page, op_break, op_fix, op_interrupted]


@example([(op_interrupted, 6), (op_add, 1)])
@example([(op_interrupted, 2), (op_break, 0), (op_interrupted, 5)])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 9)), min_size=1, max_size=3))
def test_incremental_equals_clean(tmp_path_factory, ops):
    root = tmp_path_factory.mktemp("inc")
    site = write_site(root / "site", {"products/B-1.yaml": product("B-1", "Bánh đa Đồng Đăng", 3)})
    out = root / "out"
    assert build(site, out, TODAY, workers=1).published
    for i, (op, n) in enumerate(ops):
        op(site, n)
        if op is op_interrupted:
            killed_build(site, out, 1 + 19 * n)
            op_edit_name(site, n + 1)
        before = tree(out)
        report = build(site, out, TODAY, workers=1)
        assert not [p.name for p in root.iterdir() if p.name.startswith(".out.")], "no staging folder is left"
        if not report.published:
            if op is not op_interrupted:   # (else it completed the publish the killed build began)
                assert tree(out) == before, "a failed build leaves the output as it was"
            continue
        clean = root / f"clean-{i}"
        assert build(site, clean, TODAY, workers=1, cache_dir=root / f"cache-{i}").published
        assert tree(out) == tree(clean), f"after {[o.__name__ for o, _ in ops[:i + 1]]}"


def test_unchanged_sources_do_nothing(make_site, tmp_path):
    site = make_site()
    out = tmp_path / "out"
    first = build(site, out, TODAY, workers=1)
    assert first.published and first.pages > 0 and not first.up_to_date
    again = build(site, out, TODAY, workers=1)
    assert again.up_to_date and again.pages == 0 and again.written == 0
    assert build(site, out, date(2026, 12, 1), workers=1).pages > 0, "another day is another build"


def test_one_edit_renders_few_pages_and_writes_few_files(make_site, tmp_path):
    site = make_site({"products/B-1.yaml": product("B-1", "Bánh đa", 3)})
    out = tmp_path / "out"
    first = build(site, out, TODAY, workers=1)
    record = site / "products" / "QN-2023-0042.yaml"
    record.write_text(record.read_text().replace("produced: 2024-03-10", "produced: 2024-03-11"))
    second = build(site, out, TODAY, workers=1)
    assert 0 < second.pages < first.pages / 2 and second.unchanged > 0
    assert 0 < second.written < first.written / 3


def test_deleting_the_cache_or_output_is_safe(make_site, tmp_path):
    site = make_site()
    out = tmp_path / "out"
    build(site, out, TODAY, workers=1)
    expected = tree(out)
    shutil.rmtree(site / ".ocop-cache")
    assert build(site, out, TODAY, workers=1).pages > 0 and tree(out) == expected
    shutil.rmtree(out)
    assert build(site, out, TODAY, workers=1).published and tree(out) == expected
    (out / "index.html").unlink()
    report = build(site, out, TODAY, workers=1)
    assert not report.up_to_date and tree(out) == expected, "a hand-deleted file is noticed and restored"


def test_unchanged_files_are_not_read_again(make_site, tmp_path, monkeypatch):
    from ocop_site.site import builder
    site = make_site()
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(hour_ago, hour_ago))
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    opened: list[str] = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builder, "open", counting_open, raising=False)
    assert build(site, out, TODAY, workers=1).up_to_date
    assert not [p for p in opened if p.startswith(str(site))], "sizes and times vouch for unchanged files"
    record = site / "products" / "QN-2023-0042.yaml"
    record.write_text(record.read_text().replace("produced: 2024-03-10", "produced: 2024-03-11"))
    report = build(site, out, TODAY, workers=1)
    assert not report.up_to_date and report.pages > 0
    assert [p for p in opened if p.startswith(str(site))] == [str(record)], "only the edited file is read"


def test_only_edited_records_are_checked_again(make_site, tmp_path, monkeypatch):
    """Records are read and validated again only when their file changed: the others come from
    the cache, found by one listing of it."""
    from ocop_site.records import catalog
    site = make_site({"products/B-1.yaml": product("B-1", "Bánh đa", 3), "products/B-2.yaml": product("B-2", "Chè", 5)})
    out = tmp_path / "out"
    checked: list[str] = []
    real = catalog.load_file

    def counting(root, path, *args, **kwargs):
        checked.append(Path(path).name)
        return real(root, path, *args, **kwargs)

    monkeypatch.setattr(catalog, "load_file", counting)
    assert build(site, out, TODAY, workers=1).published
    assert {"B-1.yaml", "B-2.yaml"} <= set(checked)
    checked.clear()
    (site / "products" / "B-2.yaml").write_text(product("B-2", "Chè Shan tuyết", 5))
    assert build(site, out, TODAY, workers=1).published
    assert checked == ["B-2.yaml"]


def test_an_edit_that_keeps_size_and_time_right_after_a_build_is_noticed(make_site, tmp_path):
    site = make_site()
    out = tmp_path / "out"
    record = site / "products" / "QN-2023-0042.yaml"
    build(site, out, TODAY, workers=1)
    st = record.stat()
    record.write_text(record.read_text().replace("produced: 2024-03-10", "produced: 2024-03-11"))
    os.utime(record, ns=(st.st_atime_ns, st.st_mtime_ns))     # same size, same time: a racy edit
    assert record.stat().st_size == st.st_size
    report = build(site, out, TODAY, workers=1)
    assert not report.up_to_date and report.pages > 0
    assert "ngày 11 tháng 3 năm 2024" in (out / "p/QN-2023-0042/lot/L2024-03/index.html").read_text()


def test_media_files_are_read_only_links_into_the_cache(make_site, tmp_path):
    site = make_site()
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    qr = out / "p/QN-2023-0042/qr.png"
    cached = [p for p in (site / ".ocop-cache" / "qr").rglob("*.png") if os.path.samefile(p, qr)]
    assert cached and qr.stat().st_nlink >= 2 and (qr.stat().st_mode & 0o777) == 0o444
    # a build replaces an output file, it never writes through the link into the cache
    record = site / "products" / "QN-2023-0042.yaml"
    record.write_text(record.read_text().replace("code: QN-2023-0042", "code: QN-2023-0042\n# edited"))
    shutil.rmtree(out / "p")
    assert build(site, out, TODAY, workers=1).published
    assert os.path.samefile(cached[0], out / "p/QN-2023-0042/qr.png")
    # pages and theme files are plain copies (editing them never reaches the theme)
    assert (out / "static/css/site.css").stat().st_nlink == 1


def test_page_fingerprints_are_the_same_on_one_worker_and_on_two(tmp_path):
    """Two page workers share the hashes of product views (pages.SharedDigests): every page's
    fingerprint is the one a single process gives, so an edit re-renders the same pages."""
    from ocop_site.core.cache import Cache

    site = write_site(tmp_path / "site", {f"products/B-{n}.yaml": product(f"B-{n}", f"Bánh đa {n}", 3 + n % 3)
                                          for n in range(12)})
    prints = {}
    for workers in (1, 2):
        out, cache = tmp_path / f"out-{workers}", tmp_path / f"cache-{workers}"
        assert build(site, out, TODAY, workers=workers, cache_dir=cache).published
        prints[workers] = Cache(cache).get_manifest(out)["pages"]
    assert len(prints[1]) > 40 and prints[1] == prints[2]
    # an edit, built incrementally on two workers, gives the clean build's output
    op_edit_name(site, 7)
    assert build(site, tmp_path / "out-2", TODAY, workers=2, cache_dir=tmp_path / "cache-2").published
    assert build(site, tmp_path / "clean", TODAY, workers=2, cache_dir=tmp_path / "cache-clean").published
    assert tree(tmp_path / "out-2") == tree(tmp_path / "clean")


def test_product_view_hashes_made_by_one_worker_are_read_by_the_others(tmp_path):
    import multiprocessing

    from ocop_site.site.pages import ContextText, SharedDigests
    from ocop_site.site.views import ProductView

    views = [ProductView(f"P-{n}", None, f"Tên {n}", None, None, None, None, None, "", "", "", [], [], [], [], [], None)
             for n in range(3)]
    shared = SharedDigests(views)
    worker = multiprocessing.get_context("fork").Process(target=lambda: [ContextText(shared).view(v) for v in views[:2]])
    worker.start()
    worker.join()
    assert worker.exitcode == 0
    alone = [ContextText().view(v) for v in views]
    assert [shared.get(v) for v in views] == [alone[0], alone[1], None]
    # a view whose hash is in the table is read, not hashed again (this change is not seen)
    views[0].name = "changed in this process only"
    assert ContextText(shared).view(views[0]) == alone[0] != ContextText().view(views[0])
    # one not hashed yet is hashed here and put in the table
    assert ContextText(shared).view(views[2]) == alone[2] == shared.get(views[2])
