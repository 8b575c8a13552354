"""How ``serve`` notices edits: file events, one rebuild per burst, nothing lost during a rebuild, polling as fallback."""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from helpers import write_site

import ocop_site.commands.serve as serve_module
import ocop_site.commands.watch as watch_module
from ocop_site.commands.serve import serve
from ocop_site.commands.watch import Events, snapshot

P = "products/QN-2023-0042.yaml"
PAGE = "/ocop/p/QN-2023-0042/"
NAME = "name: Mật ong bạc hà"


def wait_for(check, timeout: float = 30, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")


class ManualClock:
    """The watcher's clock, standing still until a test moves it: a burst of saves is over only when
    the test says so, however slowly the machine delivers the saves' events."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += seconds


@dataclass
class Served:
    site: Path
    origin: str
    out: io.StringIO
    stop: threading.Event
    thread: threading.Thread
    watchers: list

    def seen(self, *names: str) -> bool:
        """Whether events naming all of ``names`` (paths in the site) reached the watcher, not yet taken."""
        watcher = self.watchers[-1]
        with watcher.arrived:
            return {str(self.site / name) for name in names} <= watcher.pending

    def sentinel(self) -> str:
        """Write a file the build ignores, after the writes a test made: once its event has arrived,
        every earlier one has (events of a folder come in order)."""
        (self.site / "products" / ".sentinel").write_text(str(time.monotonic()))
        wait_for(lambda: self.seen("products/.sentinel"), what="the sentinel's event")
        return str(self.site / "products" / ".sentinel")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.origin + path) as response:
            return response.read().decode()

    def status(self) -> dict:
        return json.loads(self.get("/__ocop__/status.json"))

    def builds(self) -> int:
        return self.status()["builds"]

    def rename(self, name: str) -> None:
        record = self.site / P
        record.write_text(re.sub(r"(?m)^name: .*$", f"name: {name}", record.read_text()))


@pytest.fixture
def start(tmp_path, monkeypatch):
    running: list[Served] = []
    watchers: list = []
    real_start_watching = serve_module.start_watching

    def start_watching(*args, **kwargs):
        watchers.append(real_start_watching(*args, **kwargs))
        return watchers[-1]

    monkeypatch.setattr(serve_module, "start_watching", start_watching)

    def start_serving(clock=time.monotonic) -> Served:
        site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\nbase_url: https://x.gov.vn/ocop/\n"})
        out, stop = io.StringIO(), threading.Event()
        thread = threading.Thread(target=serve, args=(site, 0, lambda: date(2026, 11, 30), out, stop, clock),
                                  daemon=True)
        thread.start()
        port = wait_for(lambda: re.search(r"serving on http://127\.0\.0\.1:(\d+)/", out.getvalue()),
                        what="serve to start")
        served = Served(site, f"http://127.0.0.1:{port.group(1)}", out, stop, thread, watchers)
        running.append(served)
        return served

    yield start_serving
    for served in running:
        served.stop.set()
        served.thread.join(timeout=10)
        assert not served.thread.is_alive(), "the stop event ends serve"


def test_edit_is_rebuilt_from_file_events(start):
    served = start()
    assert "polling" not in served.out.getvalue(), served.out.getvalue()
    assert "Mật ong bạc hà" in served.get(PAGE)
    served.rename("Mật ong hoa rừng")
    wait_for(lambda: "Mật ong hoa rừng" in served.get(PAGE), what="the new name to be served")
    wait_for(lambda: served.builds() == 2, what="the full rebuild")
    assert served.status()["previews"] == 1, "the product page was shown before the full rebuild"


def test_burst_of_saves_gives_one_rebuild(start):
    """Saves that come less than QUIET_SECONDS apart are one burst: one rebuild. The watcher's clock
    stands still while they are made, so no pause of a loaded machine splits the burst."""
    clock = ManualClock()
    served = start(clock)
    for i in range(5):
        served.rename(f"Mật ong {i}")
    sentinel = served.sentinel()
    assert served.builds() == 1, "the burst is not over while the clock stands still"
    clock.advance(watch_module.QUIET_SECONDS / 2)
    assert served.seen(P, "products/.sentinel") and served.builds() == 1, "not yet quiet for long enough"
    clock.advance(watch_module.QUIET_SECONDS)
    wait_for(lambda: served.builds() == 2, what="the rebuild")
    assert "Mật ong 4" in served.get(PAGE)
    assert served.watchers[-1].pending == set() and served.builds() == 2, "one build at start, one for the burst"
    assert os.path.exists(sentinel)


def test_edit_during_a_rebuild_leads_to_another(start, monkeypatch):
    real_build = serve_module.build
    calls = []

    def build(*args, **kwargs):
        report = real_build(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:   # the rebuild for the first edit has read the sources: edit again,
            (served.site / P).write_text((served.site / P).read_text().replace("Mật ong lần 1", "Mật ong lần 2"))
            wait_for(lambda: served.seen(P), what="the event, while this rebuild still runs")
        return report

    monkeypatch.setattr(serve_module, "build", build)
    served = start()
    served.rename("Mật ong lần 1")
    wait_for(lambda: "Mật ong lần 2" in served.get(PAGE), what="the edit made during the rebuild")
    wait_for(lambda: served.builds() == 3, what="a third build")


def test_writes_to_output_cache_and_editor_files_do_not_rebuild(start):
    served = start(ManualClock())
    for i in range(50):
        folder = served.site / "public" / "p" / str(i)
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("x")
        (served.site / ".ocop-cache" / f"junk-{i}").write_text("x")
    (served.site / "products" / ".QN-2023-0042.yaml.swp").write_text("swap")
    (served.site / "products" / "QN-2023-0042.yaml~").write_text("backup")
    (served.site / "products" / "4913").write_text("")
    (served.site / "products" / "4913").unlink()
    sentinel = served.sentinel()
    assert served.watchers[-1].pending == {sentinel}, "no event but the sentinel's reached the watcher"
    assert served.builds() == 1


def test_output_and_cache_churn_wakes_no_watcher(tmp_path):
    site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\n"})
    (site / ".ocop-cache").mkdir()
    events = Events(site)
    try:
        for round_ in range(3):
            for i in range(200):
                folder = site / "public" / "p" / str(i)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "index.html").write_text(str(round_))
                (site / ".ocop-cache" / f"x-{i}").write_text(str(round_))
        sentinel = site / "products" / ".sentinel"     # once its event has come, any earlier one has
        sentinel.write_text("x")
        wait_for(lambda: str(sentinel) in events.pending, what="the sentinel's event")
        assert events.pending == {str(sentinel)}, "no event of the output or the cache reached the loop"
        if os.path.isdir("/proc/self/fdinfo"):   # Linux: the inotify watches this process holds
            assert inotify_watches() < 50, "the source folder, products/, content/ and its subfolders: not public/"
    finally:
        events.close()


def inotify_watches() -> int:
    count = 0
    for name in os.listdir("/proc/self/fdinfo"):
        try:
            with open(f"/proc/self/fdinfo/{name}") as info:
                count += sum(line.startswith("inotify wd:") for line in info)
        except OSError:
            pass
    return count


def test_events_name_files_as_a_snapshot_comparison_does(tmp_path):
    site = write_site(tmp_path / "site", {"site.yaml": "title: Test OCOP\n"})
    events = Events(site)
    stop = threading.Event()
    try:
        before = snapshot(site)
        record = site / P
        record.write_text(record.read_text().replace(NAME, "name: Mật ong 2"))
        # an editor's temporary file, written and renamed over the record
        temp = site / "products" / "tmp-save"
        temp.write_text(record.read_text().replace("name: Mật ong 2", "name: Mật ong 3"))
        os.replace(temp, record)
        outside = tmp_path / "more"
        (outside / "deep").mkdir(parents=True)
        (outside / "a.md").write_text("a")
        (outside / "deep" / "b.md").write_text("b")
        os.rename(outside, site / "content" / "more")   # a folder moved in: one event, two files
        changed = events.changes(stop)
        after = snapshot(site)
        assert changed == sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
        assert changed == sorted([str(record), str(site / "content/more/a.md"), str(site / "content/more/deep/b.md")])
        os.rename(site / "content" / "more", tmp_path / "gone")   # and moved out again
        assert events.changes(stop) == sorted([str(site / "content/more/a.md"), str(site / "content/more/deep/b.md")])
    finally:
        events.close()


def test_folders_created_after_start_are_watched(start):
    served = start()
    static = served.site / "static"
    assert not static.exists()
    static.mkdir()
    (static / "hello.txt").write_text("xin chào")
    wait_for(lambda: served.builds() == 2, what="the rebuild for the new folder")
    assert served.get("/ocop/static/hello.txt") == "xin chào"
    (static / "hello.txt").write_text("tạm biệt")   # inside the folder watched since
    wait_for(lambda: served.get("/ocop/static/hello.txt") == "tạm biệt", what="the edit in the new folder")
    # the build's files are served as soon as it publishes them, a moment before it is counted
    wait_for(lambda: served.builds() >= 3, what="the build that published the edit")
    assert served.builds() == 3


def test_polling_when_asked(start, monkeypatch):
    monkeypatch.setenv("OCOP_SERVE_POLL", "1")
    served = start()
    assert "OCOP_SERVE_POLL is set: polling for changes" in served.out.getvalue()
    served.rename("Mật ong hoa rừng")
    wait_for(lambda: "Mật ong hoa rừng" in served.get(PAGE), what="the new name to be served")
    wait_for(lambda: served.builds() == 2, what="the full rebuild")


def test_polling_when_file_events_fail(start, monkeypatch):
    def broken(*paths, **kwargs):
        raise OSError(28, "inotify watch limit reached")
        yield  # pragma: no cover - a generator, like watchfiles.watch

    monkeypatch.setattr(watch_module.watchfiles, "watch", broken)
    served = start()
    assert "no file events (OSError: [Errno 28] inotify watch limit reached): polling" in served.out.getvalue()
    served.rename("Mật ong hoa rừng")
    wait_for(lambda: "Mật ong hoa rừng" in served.get(PAGE), what="the new name to be served")


def test_a_port_in_use_is_said_at_once_without_a_traceback(tmp_path, monkeypatch, capsys):
    import socket

    from ocop_site.commands.cli import main

    site = write_site(tmp_path / "site", {})
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)   # read TMPDIR again
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        started = time.monotonic()
        assert main(["serve", "--source", str(site), "--port", str(port)]) == 2
    finally:
        taken.close()
        monkeypatch.undo()
    err = capsys.readouterr().err
    assert f"ocop-site: error: cannot serve on 127.0.0.1:{port}: it is in use" in err, err
    assert "it is in use" in err and "--port 0" in err and "Traceback" not in err
    assert "rebuilt" not in err, "nothing is built before the port is had"
    assert time.monotonic() - started < 30
    assert list((tmp_path / "tmp").iterdir()) == [], "no temporary site left behind"


def test_sigterm_stops_serve_through_its_clean_up(tmp_path):
    """A service manager or a script ends serve with SIGTERM; the temporary site goes with it."""
    import signal
    import subprocess
    import sys

    site = write_site(tmp_path / "site", {})
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "ocop_site", "serve", "--source", str(site), "--port", "0",
                             "--today", "2026-11-30"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "serving on" in line:
                break
        assert any("serving on" in line for line in lines), "".join(lines)
        assert len(list(temp.iterdir())) == 1, "the served site lives in a temporary folder"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(temp.iterdir()) == [], "the temporary site is removed"


def test_a_rebuild_that_cannot_write_keeps_the_last_good_site(start, monkeypatch):
    """A full disk during a rebuild is shown like a build error; serve goes on with the last good site."""
    import errno

    from ocop_site.site import builder

    real_build = serve_module.build
    failing = threading.Event()

    def build(*args, **kwargs):
        if failing.is_set():
            raise builder.OutputError(args[1], OSError(errno.ENOSPC, "No space left on device"), False)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve_module, "build", build)
    served = start()
    failing.set()
    served.rename("Mật ong không ghi được")
    wait_for(lambda: served.builds() >= 2, what="the failed rebuild")
    assert "No space left on device" in served.status()["errors"][0]["text"]
    assert "<h1" in served.get(PAGE), "the last good site is still served"
    assert "ocop-site: error: cannot write the output" in served.out.getvalue()
    failing.clear()
    served.rename("Mật ong ghi lại được")
    wait_for(lambda: "Mật ong ghi lại được" in served.get(PAGE), what="the site to come back")
    wait_for(lambda: not served.status()["errors"], what="the errors to clear")
