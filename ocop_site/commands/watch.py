"""Finding what changed in a site folder while ``serve`` runs: file events, or polling.

Changes are found from the kernel's file events (watchfiles: inotify on Linux), not by stat-ing
every watched file in turn, which on a national catalog cost most of the time an edit takes to be
seen. Two watches: the source folder itself, not recursively (``site.yaml``, and ``products/``,
``static/``… being created or removed), and each watched folder that exists, recursively; so what
a build writes (``.ocop-cache/``, an output folder inside the source) wakes nothing and costs no
watches. A burst of saves triggers one rebuild: the paths named by events are collected while they
come, and taken once none came for QUIET_SECONDS. They are then compared with the (mtime, size)
recorded before (a folder stands for the files in it), so the paths handed on are those a
comparison of two snapshots of ``builder.watched_files`` gives: a temporary file an editor wrote
and removed within the burst is not one. Editors' swap, lock and backup files (``.x.swp``,
``x~``, ``.#x``, vim's ``4913``) are ignored. Events that come while a rebuild runs are kept for
the next round. Where file events are not available (watchfiles fails) or ``OCOP_SERVE_POLL=1``
is set (network file systems, where the kernel hears nothing of other machines' writes), the
watcher compares snapshots every POLL_SECONDS instead.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Optional

import watchfiles

from ..site.builder import WATCHED, watched_files

POLL_SECONDS = 0.2       # between two snapshots, when polling
QUIET_SECONDS = 0.2      # a burst of saves is over when nothing changed for this long
POLL_ENV = "OCOP_SERVE_POLL"
#: Editors' swap, lock, backup and probe files: writing them is not an edit worth a rebuild.
EDITOR_FILES = re.compile(r"^(?:4913|\.#.*|#.*#)$|(?:\.sw[a-p]|~|___jb_(?:tmp|old)___)$")

Stats = dict[str, tuple[int, int]]


def stat_files(names: Iterable[str]) -> Stats:
    """(mtime, size) of each of ``names`` that exists."""
    state: Stats = {}
    for name in names:
        try:
            st = os.stat(name)
        except OSError:
            continue
        state[name] = (st.st_mtime_ns, st.st_size)
    return state


def snapshot(root: Path) -> Stats:
    """(mtime, size) of every watched file: a change, addition or removal changes the snapshot."""
    return stat_files(watched_files(root))


def settle(seen: Stats, now: Stats, names: Iterable[str]) -> list[str]:
    """The files among ``names`` whose state differs between ``seen`` and ``now``, sorted, editors'
    files left out; ``seen`` takes their state from ``now``."""
    changed = []
    for name in names:
        if seen.get(name) == now.get(name):
            continue
        if name in now:
            seen[name] = now[name]
        else:
            del seen[name]
        if not EDITOR_FILES.search(os.path.basename(name)):
            changed.append(name)
    return sorted(changed)


class NoEvents(Exception):
    """File events could not be had, or stopped coming."""


class Polling:
    """Finds changes by comparing a snapshot of the watched files with the last, every POLL_SECONDS."""

    def __init__(self, source: Path, seen: Stats) -> None:
        self.source, self.seen = source, seen

    def changes(self, stop: Optional[threading.Event]) -> Optional[list[str]]:
        """The files changed, once a burst of saves is over; None once ``stop`` is set."""
        while not (stop and stop.is_set()):
            time.sleep(POLL_SECONDS)
            now = snapshot(self.source)
            if now == self.seen:
                continue
            while True:  # wait for a burst of saves to settle
                time.sleep(QUIET_SECONDS)
                later = snapshot(self.source)
                if later == now:
                    break
                now = later
            changed = settle(self.seen, now, set(self.seen) | set(now))
            if changed:
                return changed
        return None

    def close(self) -> None:
        pass


class _Until:
    """watchfiles' ``stop_event``: set once one of ``events`` is. watchfiles first asks it once its
    watch is in place, and ``on_start`` is then called."""

    def __init__(self, on_start: Callable[[], None], *events: threading.Event) -> None:
        self.on_start: Optional[Callable[[], None]] = on_start
        self.events = events

    def is_set(self) -> bool:
        if self.on_start:
            self.on_start()
            self.on_start = None
        return any(e.is_set() for e in self.events)


class Events:
    """Finds changes from file events: two threads collect the paths they name, ``changes`` takes them.

    One thread watches the source folder alone (``site.yaml``, watched folders
    created or removed), the other the watched folders that exist, and is
    started again on them whenever that set changes; it then names them all,
    so what changed while nothing watched is found by comparison.
    """

    def __init__(self, source: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self.clock = clock                     # what tells a burst is over (tests drive their own)
        self.base = os.path.abspath(source)    # events name paths from here
        self.pending: set[str] = set()
        self.last = 0.0                        # clock() of the latest events
        self.arrived = threading.Condition()
        self.started = 0
        self.failure: Optional[BaseException] = None
        self.halt = threading.Event()
        self.retarget = threading.Event()      # the watched folders that exist have changed
        self.folders: list[str] = []
        self.threads = [threading.Thread(target=self._guard, args=(self._follow_source,), daemon=True),
                        threading.Thread(target=self._guard, args=(self._follow_folders,), daemon=True)]
        for thread in self.threads:
            thread.start()
        with self.arrived:
            self.arrived.wait_for(lambda: self.started == len(self.threads) or self.failure)
        if self.failure:
            self.close()
            raise NoEvents(f"no file events ({type(self.failure).__name__}: {self.failure})")
        self.seen = snapshot(source)           # after the watches are in place: no edit falls between

    def _name(self, path: str) -> str:
        """An event's path as watched_files names the same file."""
        return str(self.source / os.path.relpath(path, self.base))

    def _wanted(self, _change: watchfiles.Change, path: str) -> bool:
        parts = Path(os.path.relpath(path, self.base)).parts
        return (bool(parts) and parts[0] in WATCHED and not any(p.startswith(".") for p in parts[1:-1])
                and not EDITOR_FILES.search(parts[-1]))

    def _arrive(self, names: set[str]) -> None:
        with self.arrived:
            self.pending |= names
            self.last = self.clock()
            self.arrived.notify_all()

    def _start(self) -> None:
        with self.arrived:
            self.started += 1
            self.arrived.notify_all()

    def _guard(self, follow: Callable[[], None]) -> None:
        try:
            follow()
        except Exception as exc:  # noqa: BLE001 - whatever it is, polling takes over
            with self.arrived:
                self.failure = exc
                self.arrived.notify_all()

    def _existing(self) -> list[str]:
        return [str(self.source / name) for name in WATCHED if (self.source / name).is_dir()]

    def _follow(self, paths: list[str], recursive: bool, until: _Until,
                then: Callable[[], None] = lambda: None) -> None:
        # step: watchfiles hands a batch over once 20 ms pass without a new event (50 by default);
        # bursts longer than that are joined by the quiet period of changes() anyway
        for batch in watchfiles.watch(*paths, watch_filter=self._wanted, stop_event=until, recursive=recursive,
                                      step=20, raise_interrupt=False):
            self._arrive({self._name(path) for _, path in batch})
            then()

    def _follow_source(self) -> None:
        def retarget() -> None:
            if self._existing() != self.folders:
                self.retarget.set()
        self._follow([self.base], False, _Until(self._start, self.halt), retarget)

    def _follow_folders(self) -> None:
        on_start = self._start
        while not self.halt.is_set():
            self.retarget.clear()
            self.folders = folders = self._existing()
            until = _Until(on_start, self.halt, self.retarget)
            if folders:
                try:
                    self._follow(folders, True, until)
                except FileNotFoundError:  # one was removed before it could be watched: start again
                    if self._existing() == folders:
                        raise
            else:
                until.is_set()
                self.retarget.wait()
            if until.on_start is None:  # from now on, a new start compares everything watched
                on_start = self._rescan

    def _rescan(self) -> None:
        self._arrive(set(self._existing()))

    def changes(self, stop: Optional[threading.Event]) -> Optional[list[str]]:
        """The files changed, once no event came for QUIET_SECONDS; None once ``stop`` is set."""
        while True:
            with self.arrived:
                while True:
                    if stop and stop.is_set():
                        return None
                    if self.failure:
                        raise NoEvents(f"file events stopped ({type(self.failure).__name__}: {self.failure})")
                    wait = self.last + QUIET_SECONDS - self.clock()
                    if self.pending and wait <= 0:
                        break
                    self.arrived.wait(min(wait, 0.1) if self.pending else 0.1)
                names, self.pending = self.pending, set()
            files = self._files(names)
            changed = settle(self.seen, stat_files(files), files)
            if changed:
                return changed

    def _files(self, names: set[str]) -> set[str]:
        """The files to compare for paths events named: folders stand for the files in them, now or before."""
        files: set[str] = set()
        gone: list[str] = []
        for name in names:
            if os.path.isdir(name):
                if not (os.path.islink(name) or os.path.basename(name).startswith(".")):
                    for folder, dirs, found in os.walk(name):
                        dirs[:] = [d for d in dirs if not d.startswith(".")]
                        files.update(os.path.join(folder, f) for f in found)
                gone.append(name + os.sep)
            elif name in self.seen or os.path.lexists(name):
                files.add(name)
            else:
                gone.append(name + os.sep)     # perhaps a folder that was removed or renamed
        if gone:
            files.update(name for name in self.seen if name.startswith(tuple(gone)))
        return files

    def close(self) -> None:
        self.halt.set()
        self.retarget.set()
        for thread in self.threads:
            thread.join(timeout=2)


def start_watching(source: Path, out, clock: Callable[[], float] = time.monotonic) -> Events | Polling:
    """What finds changes in ``source``: file events, or polling where they cannot be had or are not wanted."""
    if os.environ.get(POLL_ENV, "") not in ("", "0"):
        return polling(source, snapshot(source), f"{POLL_ENV} is set", out)
    try:
        return Events(source, clock)
    except NoEvents as exc:
        return polling(source, snapshot(source), str(exc), out)


def polling(source: Path, seen: Stats, reason: str, out) -> Polling:
    out.write(f"{reason}: polling for changes every {POLL_SECONDS} s\n")
    out.flush()
    return Polling(source, seen)
