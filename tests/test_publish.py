"""Publishing survives kills and failures: the next build repairs the output, leftovers are removed,
and the manifest is trusted only for the output state it describes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import PRODUCT, ROOT, write_site

from ocop_site.core import cache as build_cache
from ocop_site.core import output as output_module
from ocop_site.core.output import MARKER, UnsafeOutput, output_state
from ocop_site.site.builder import build

TODAY = date(2026, 11, 30)


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder: an empty folder left behind counts too."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
            for p in sorted(folder.rglob("*"))}


def staging_left(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def small_site(root: Path) -> Path:
    return write_site(root, {f"products/B-{i}.yaml": PRODUCT.format(code=f"B-{i}").replace("L2024-03", f"L{i}")
                             for i in range(1, 4)})


def retitle(site: Path, title: str) -> None:
    config = site / "site.yaml"
    config.write_text(config.read_text().splitlines()[0].split(":")[0] + f": {title}\n"
                      + "\n".join(config.read_text().splitlines()[1:]) + "\n")


def test_builds_killed_at_random_points_are_repaired_by_the_next(tmp_path):
    """The fault-injection test: a build (its whole process group) is killed with SIGKILL at a seeded
    random step of rendering or publishing, the edit is reverted, and the next build gives exactly
    a clean build's output, with no staging folder left beside it."""
    site = small_site(tmp_path / "site")
    reference = tmp_path / "reference"
    assert build(site, reference, TODAY, workers=1, cache_dir=tmp_path / "reference-cache").published
    expected = tree(reference)
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    original = (site / "site.yaml").read_text()
    rng = random.Random(15)
    killed = 0
    for round_ in range(8):
        if round_ % 3 == 2:    # no manifest: a clean build, swapped in whole
            shutil.rmtree(site / ".ocop-cache" / "builds", ignore_errors=True)
        retitle(site, f"Danh mục sửa {round_}")
        at = rng.randint(1, len(expected) // 2)   # each process counts its own steps: a worker writes about half
        env = dict(os.environ, PYTHONPATH=str(ROOT), **{output_module.FAULT_ENV: str(at)})
        run = subprocess.run([sys.executable, "-m", "ocop_site", "build", "--source", str(site), "--output", str(out),
                              "--today", str(TODAY), "--quiet"], env=env, capture_output=True, text=True,
                             timeout=120, start_new_session=True)
        assert run.returncode in (0, -9), run.stderr
        killed += run.returncode == -9
        (site / "site.yaml").write_text(original)
        assert build(site, out, TODAY, workers=1).published
        assert tree(out) == expected, f"round {round_}, killed at step {at}"
        assert staging_left(out) == [], f"round {round_}, killed at step {at}"
    assert killed >= 5


def test_a_publish_that_fails_halfway_is_completed_by_the_next_build(make_site, tmp_path, monkeypatch, capsys):
    """A move into the output fails (a read-only folder): exit 2, the output's marker names no state,
    and the next build, once it can write, completes the publish and gives a clean build's bytes."""
    from ocop_site.commands.cli import main
    site = make_site()
    out = tmp_path / "out"
    assert main(["build", "--source", str(site), "--output", str(out), "--today", str(TODAY)]) == 0
    record = site / "products" / "QN-2023-0042.yaml"
    record.write_text(record.read_text().replace("Mật ong bạc hà", "Mật ong bạc hà Đồng Văn"))
    real_replace, moves = os.replace, []

    def read_only(src, dst):
        if ".changes-" in str(src) and MARKER not in str(dst):
            moves.append(dst)
            if len(moves) == 3:
                raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(output_module.os, "replace", read_only)
    capsys.readouterr()
    assert main(["build", "--source", str(site), "--output", str(out), "--today", str(TODAY)]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "the next build completes it" in err and "Traceback" not in err
    assert output_state(out) is None, "a half-published output names no state"
    monkeypatch.setattr(output_module.os, "replace", real_replace)
    assert main(["build", "--source", str(site), "--output", str(out), "--today", str(TODAY)]) == 0
    assert "note: completed an interrupted publish" in capsys.readouterr().err
    clean = tmp_path / "clean"
    assert build(site, clean, TODAY, workers=1, cache_dir=tmp_path / "clean-cache").published
    assert tree(out) == tree(clean) and staging_left(out) == []
    assert build(site, out, TODAY, workers=1).up_to_date, "the completed publish is trusted again"


def test_a_swap_cut_between_its_two_renames_is_completed(tmp_path):
    """Where folders cannot be exchanged in one step, a swap is two renames; killed between them,
    the output is missing: the next build moves the finished folder in."""
    site = small_site(tmp_path / "site")
    done = tmp_path / "done"
    assert build(site, done, TODAY, workers=1, cache_dir=tmp_path / "other-cache").published
    expected = tree(done)
    out = tmp_path / "out"
    retitle(site, "Danh mục khác")
    assert build(site, out, TODAY, workers=1).published
    retitle(site, "Test OCOP")
    os.rename(out, tmp_path / ".out.old-999999")         # the previous output, renamed away
    os.rename(done, tmp_path / ".out.building-999998")   # complete: its marker names its state
    report = build(site, out, TODAY, workers=1)
    assert report.published and report.recovered == ["completed an interrupted publish (.out.building-999998)",
                                                     "removed .out.old-999999, left by a build that was stopped"]
    assert tree(out) == expected and staging_left(out) == []


def test_an_unfinished_swap_without_a_finished_folder_puts_the_previous_output_back(tmp_path):
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    expected = tree(out)
    os.rename(out, tmp_path / ".out.old-999999")
    unfinished = tmp_path / ".out.building-999998"
    unfinished.mkdir()
    (unfinished / MARKER).write_text(output_module.MARKER_TEXT)   # no state: it was still being written
    (unfinished / "index.html").write_text("half")
    assert build(site, out, TODAY, workers=1).up_to_date
    assert tree(out) == expected and staging_left(out) == []


def test_copies_a_b_a_into_one_output_give_a(tmp_path):
    """Two copies of a site built in turn into one output: each build's manifest names the output state
    it wrote, so A's manifest is not trusted over B's output."""
    a = small_site(tmp_path / "a")
    b = small_site(tmp_path / "b")
    retitle(b, "Danh mục bản B")
    out = tmp_path / "out"
    assert build(a, out, TODAY, workers=1).published
    assert build(b, out, TODAY, workers=1).published
    report = build(a, out, TODAY, workers=1)
    assert report.published and not report.up_to_date
    clean = tmp_path / "clean"
    assert build(a, clean, TODAY, workers=1, cache_dir=tmp_path / "clean-cache").published
    assert tree(out) == tree(clean)
    assert "Danh mục bản B" not in (out / "index.html").read_text()


def test_leftover_staging_folders_of_stopped_builds_are_removed(tmp_path):
    """Only folders named for this output, carrying the marker (ours) and held by no live build."""
    import fcntl
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    expected = tree(out)
    for name in (".out.changes-123456", ".out.building-123457", ".out.old-123458", ".out.changes-123459",
                 ".out.building-1", ".out.old-42", ".other.old-5"):
        folder = tmp_path / name
        (folder / "p").mkdir(parents=True)
        (folder / "p" / "x.html").write_text("x" * 1000)
        (folder / MARKER).write_text(output_module.MARKER_TEXT)
    (tmp_path / ".out.old-42" / MARKER).unlink()         # not ours
    live = tmp_path / ".out.building-1"                   # a build of another process, still running
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        report = build(site, out, TODAY, workers=1)
        assert len(report.recovered) == 4 and report.up_to_date
        assert staging_left(out) == [".out.building-1", ".out.old-42"]
        assert (tmp_path / ".other.old-5").is_dir() and (live / "p" / "x.html").is_file()
    finally:
        os.close(fd)
    assert tree(out) == expected
    build(site, out, TODAY, workers=1)
    assert staging_left(out) == [".out.old-42"], "once its build is gone, it is removed too"


def test_a_mount_point_as_output_is_refused_up_front(make_site, tmp_path, monkeypatch):
    site = make_site()
    out = tmp_path / "mnt"
    out.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(output_module.os.path, "ismount", lambda p: str(p) == str(out.resolve()) or real(p))
    with pytest.raises(UnsafeOutput, match="is a mount point.*build into a folder inside it"):
        build(site, out, TODAY, workers=1)
    assert list(out.iterdir()) == []
    assert build(site, out / "public", TODAY, workers=1).published


def test_mount_points_are_read_from_mountinfo(tmp_path, monkeypatch):
    """Bind mounts of a folder of the same file system are not seen by os.path.ismount."""
    folder = tmp_path / "with space"
    folder.mkdir()
    line = f"36 35 98:0 / {str(folder).replace(' ', chr(92) + '040')} rw,noatime master:1 - ext3 /dev/root rw\n"
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path == "/proc/self/mountinfo":
            import io
            return io.StringIO(line)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    assert output_module.is_mount_point(folder)
    assert not output_module.is_mount_point(tmp_path)


def test_a_live_build_keeps_its_staging_folder_from_others(tmp_path):
    """A staging folder is locked by its build: another build's clean-up leaves it alone; a forked
    worker lets go of its copy of the lock, so the lock goes with the build."""
    out = tmp_path / "out"
    out.mkdir()
    staging = output_module.Staging(out)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:   # a worker
        output_module.forget_inherited_locks()
        os.write(ready_w, b"1")
        os.read(go_r, 1)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        assert output_module.in_use(staging.path, os.getpid())
        assert output_module.leftovers(out.resolve()) == []
        output_module._unlock(staging.path)       # the build is gone; its worker still runs
        assert not output_module.in_use(staging.path, os.getpid())
        assert [kind for kind, _ in output_module.leftovers(out.resolve())] == ["building"]
    finally:
        os.write(go_w, b"1")
        os.waitpid(pid, 0)
        staging.discard()


# --- the up-to-date short cut repeats the last build's diagnostics and status ------------------

def run_cli(capsys, *args: str) -> tuple[int, str]:
    from ocop_site.commands.cli import main
    capsys.readouterr()
    status = main(list(args))
    return status, capsys.readouterr().err


def test_a_repeated_keep_going_build_repeats_its_errors_and_status(make_site, tmp_path, capsys):
    site = make_site({"products/B-1.yaml": PRODUCT.format(code="B-1").replace("stars: 4", "stars: 9")})
    out = tmp_path / "out"
    args = ("build", "--source", str(site), "--output", str(out), "--today", str(TODAY), "--keep-going")
    first = run_cli(capsys, *args)
    second = run_cli(capsys, *args)
    assert first[0] == second[0] == 1
    assert "is up to date" in second[1] and "left out because of errors:\n  products/B-1.yaml" in second[1]
    assert "products/B-1.yaml:" in second[1] and "[E206]" in second[1]
    diagnostics = [line for line in first[1].splitlines() if "[E" in line or "[W" in line]
    assert diagnostics and diagnostics == [line for line in second[1].splitlines() if "[E" in line or "[W" in line]


def test_a_repeated_build_repeats_its_warnings(make_site, tmp_path, capsys):
    site = make_site({"products/B-1.yaml": PRODUCT.format(code="B-1").replace("province: Hà Giang", "province: Hà Giangg")})
    out = tmp_path / "out"
    args = ("build", "--source", str(site), "--output", str(out), "--today", str(TODAY))
    first, second = run_cli(capsys, *args), run_cli(capsys, *args)
    assert first[0] == second[0] == 0 and "[W103]" in first[1] and "is up to date" in second[1]
    assert "[W103]" in second[1] and "0 error(s), 1 warning(s)" in second[1]


def test_a_repeated_check_repeats_its_findings(make_site, capsys):
    site = make_site({"products/B-1.yaml": PRODUCT.format(code="B-1").replace("stars: 4", "stars: 9")})
    first = run_cli(capsys, "check", "--source", str(site), "--today", str(TODAY))
    second = run_cli(capsys, "check", "--source", str(site), "--today", str(TODAY))
    assert first[0] == second[0] == 1 and "[E206]" in second[1] and first[1] == second[1]


# --- the cache folder --------------------------------------------------------------------------

def test_ocop_cache_dir_holds_the_whole_cache(make_site, tmp_path, monkeypatch):
    """Records and build manifests go where images, QR codes and cards go: one folder."""
    site = make_site()
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(build_cache.CACHE_ENV, str(elsewhere))
    out = tmp_path / "out"
    assert build(site, out, TODAY, workers=1).published
    assert not (site / ".ocop-cache").exists()
    assert build_cache.cache_folder(site) == build_cache.cache_folder(site) == elsewhere
    assert list((elsewhere / "records").glob("*.pack")) and list((elsewhere / "builds").glob("*.json"))
    assert build(site, out, TODAY, workers=1).up_to_date


def test_manifests_of_outputs_that_are_gone_are_pruned(make_site, tmp_path):
    site = make_site()
    for name in ("a", "b", "c"):
        assert build(site, tmp_path / name, TODAY, workers=1).published
    builds = site / ".ocop-cache" / "builds"
    (builds / "0123456789abcdef01234567.json").write_text("{}")    # an older version's, of no known folder
    shutil.rmtree(tmp_path / "a")
    shutil.rmtree(tmp_path / "b")
    assert build(site, tmp_path / "c", TODAY, workers=1).up_to_date   # (nothing written: nothing pruned yet)
    assert build(site, tmp_path / "d", TODAY, workers=1).published
    assert len(list(builds.glob("*.json"))) == 2 and len(list(builds.glob("*.output"))) == 2
    assert build(site, tmp_path / "c", TODAY, workers=1).up_to_date


def test_a_staging_folder_loses_its_marker_last(tmp_path, monkeypatch):
    """A build killed while removing a big staging folder leaves one the next build still knows as ours."""
    folder = tmp_path / ".out.old-4242"
    for i in range(3):
        (folder / f"p{i}").mkdir(parents=True)
        (folder / f"p{i}" / "index.html").write_text("x")
    (folder / MARKER).write_text(output_module.MARKER_TEXT)
    (folder / "index.html").write_text("x")
    real_rmtree, calls = shutil.rmtree, []

    def killed(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt   # (stands for the kill)
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(output_module.shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        output_module.remove_staging(folder)
    assert (folder / MARKER).is_file()
    monkeypatch.setattr(output_module.shutil, "rmtree", real_rmtree)
    assert [kind for kind, _ in output_module.leftovers(tmp_path / "out")] == ["old"]
    output_module.remove_staging(folder)
    assert not folder.exists()


def test_a_stopped_build_leaves_its_staging_to_a_detached_process(make_site, tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM during a national build: its 400,000 staged files are removed by a process of
    its own session (the stop does not wait for them); the next build may start at once, and what the
    remover holds, or leaves if it dies, is never published."""
    import os
    import signal

    from ocop_site.site import render as render_module
    site = make_site()
    real_render, started = render_module.render_site, []
    out = tmp_path / "out"
    staging = tmp_path / f".out.building-{os.getpid()}"

    def stopped(*args, **kwargs):
        real_render(*args, **kwargs)          # everything staged…
        for n in range(20000):                # (as many files as a big site: the remover is still at them below)
            (staging / f"x{n}").write_bytes(b"")
        raise KeyboardInterrupt               # …then the stop, before the publish

    real_remove = output_module.remove_detached

    def remove(folder):
        remover = real_remove(folder)
        os.kill(remover.pid, signal.SIGSTOP)  # held, not yet removed
        started.append((folder, remover))
        return remover

    monkeypatch.setattr(output_module, "remove_detached", remove)
    monkeypatch.setattr("ocop_site.site.builder.render_site", stopped)
    with pytest.raises(KeyboardInterrupt):
        build(site, out, TODAY, workers=1)
    [(folder, remover)] = started
    try:
        assert folder == staging and not folder.exists(), "its name is free again: the next build stages anew"
        held = tmp_path / f".out.building-{remover.pid}"
        assert (held / output_module.MARKER).is_file() and not (held / output_module.JOURNAL).exists()
        assert os.getsid(remover.pid) == remover.pid != os.getsid(0), "not stopped by the terminal's Ctrl-C"
        assert not out.exists()
        monkeypatch.setattr("ocop_site.site.builder.render_site", real_render)
        report = build(site, out, TODAY, workers=1)
        assert report.published and report.recovered == [], "the next build need not wait, nor touch what is held"
        assert held.is_dir() and not (out / "x0").exists()
        os.kill(remover.pid, signal.SIGKILL)  # a remover that dies halfway
        remover.wait(timeout=30)
        shutil.rmtree(out)
        assert output_module.recover(out) == [f"removed {held.name}, left by a build that was stopped"]
        assert not out.exists() and not held.exists(), "a stopped build is never put in place of the output"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(remover.pid, signal.SIGCONT)
        remover.wait(timeout=60)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_detached_remover_removes_the_folder(tmp_path):
    folder = tmp_path / ".out.changes-4242"
    (folder / "p").mkdir(parents=True)
    (folder / "p" / "index.html").write_text("x")
    (folder / output_module.MARKER).write_text(output_module.MARKER_TEXT)
    remover = output_module.remove_detached(folder)
    assert not folder.exists(), "renamed before it returns"
    assert remover.wait(timeout=60) == 0
    assert list(tmp_path.iterdir()) == []


def test_other_failures_remove_the_staging_before_they_are_raised(make_site, tmp_path, monkeypatch):
    site = make_site()

    def failing(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(output_module, "remove_detached", lambda folder: pytest.fail("not detached"))
    monkeypatch.setattr("ocop_site.site.builder.render_site", failing)
    with pytest.raises(RuntimeError):
        build(site, tmp_path / "out", TODAY, workers=1)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
