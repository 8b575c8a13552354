"""``ocop-site serve``: build, serve on localhost, rebuild on change, reload open browsers.

An in-process server (standard library only) rather than the livereload
package: livereload injects an inline script (a strict Content-Security-Policy
forbids it) and has no way to show build errors in the page. Here the server
adds ``<script src="/__ocop__/live.js" defer>`` to HTML it serves — never to
``build`` output — and the script listens on a Server-Sent Events stream:
``reload`` after a good rebuild, ``errors`` with the diagnostics after a failed
one, shown as an overlay while the last good site stays served. When only
existing product records changed, their pages are shown first (preview.py),
then the whole site is rebuilt.

Changes are found from the kernel's file events (watchfiles: inotify on
Linux), not by stat-ing every watched file in turn, which on a national
catalog cost most of the time an edit takes to be seen. Two watches: the
source folder itself, not recursively (``site.yaml``, and ``products/``,
``static/``… being created or removed), and each watched folder that exists,
recursively; so what a build writes (``.ocop-cache/``, an output folder
inside the source) wakes nothing and costs no watches. A burst of saves
triggers one rebuild: the paths named by events are collected while they
come, and taken once none came for QUIET_SECONDS. They are then compared
with the (mtime, size) recorded before (a folder stands for the files in it),
so the paths handed on are those a comparison of two snapshots of
``builder.watched_files`` gives: a temporary file an editor wrote and
removed within the burst is not one.
Editors' swap, lock and backup files (``.x.swp``, ``x~``, ``.#x``, vim's
``4913``) are ignored. Events that come while a rebuild runs are kept for
the next round. Where file events are not available (watchfiles fails) or
``OCOP_SERVE_POLL=1`` is set (network file systems, where the kernel hears
nothing of other machines' writes), the watcher compares snapshots every
POLL_SECONDS instead.

The site is served at the root and under ``base_url``'s path (``/ocop/…``), so
root-relative links work either way.
"""

from __future__ import annotations

import errno
import http.server
import json
import mimetypes
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import watchfiles

from ..core.cache import Cache, cache_folder
from ..core.diagnostics import Diagnostic, format_text, visible
from ..core.routes import Routes
from ..records.catalog import load_config
from ..site.builder import WATCHED, BuildReport, OutputError, build, watched_files
from .preview import preview, previewable

LIVE_JS = Path(__file__).with_name("live.js")
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


@dataclass
class LiveState:
    """What the server tells browsers: the build generation and the current errors."""

    generation: int = 0      # bumped by every good build or preview: open pages reload
    errors: list[dict] = field(default_factory=list)
    builds: int = 0          # full builds run (good or not)
    previews: int = 0        # edits shown before their full build (preview.py)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def update(self, generation: int, errors: list[dict]) -> None:
        with self.changed:
            self.generation, self.errors = generation, errors
            self.changed.notify_all()


def make_handler(output: Path, base_path: str, state: LiveState):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # the terminal shows builds, not requests
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer(head=False)

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._answer(head=True)

        def _answer(self, head: bool) -> None:
            """A file of the site (or the live-reload endpoints). A request no file can answer gets
            400 (a NUL byte, a malformed query) or 404 (a name too long for the file system),
            never a traceback."""
            self.head = head
            path = unquote(urlsplit(self.path).path)
            if "\0" in path:
                return self._send(400, b"bad request: a NUL byte in the path\n", "text/plain; charset=utf-8")
            if path == "/__ocop__/live.js":
                return self._send(200, LIVE_JS.read_bytes(), "text/javascript; charset=utf-8")
            if path == "/__ocop__/events":
                return self._events()
            if path == "/__ocop__/status.json":
                body = json.dumps({"generation": state.generation, "errors": state.errors,
                                   "builds": state.builds, "previews": state.previews}).encode()
                return self._send(200, body, "application/json")
            if base_path != "/" and (path + "/").startswith(base_path):
                path = "/" + path[len(base_path):]
            try:
                target = (output / path.lstrip("/")).resolve()
                if not target.is_relative_to(output.resolve()):
                    return self._not_found()
                if target.is_dir():
                    if not path.endswith("/"):
                        self.send_response(301)
                        self.send_header("Location", self.path.split("?")[0] + "/")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    target = target / "index.html"
                if not target.is_file():
                    return self._not_found()
                body = target.read_bytes()
            except OSError:   # a name too long for the file system, and the like: no such page
                return self._not_found()
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.suffix == ".geojson":
                ctype = "application/geo+json"
            return self._send(200, body, ctype)

        def _not_found(self) -> None:
            page = output / "404.html"
            body = page.read_bytes() if page.is_file() else b"<!doctype html><title>404</title><h1>404</h1>"
            self._send(404, body, "text/html")

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            if ctype.startswith("text/html"):
                tag = f'<script src="/__ocop__/live.js" data-generation="{state.generation}" defer></script>'.encode()
                body = body.replace(b"</head>", tag + b"</head>", 1)
                ctype = "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not getattr(self, "head", False):
                self.wfile.write(body)

        def _events(self) -> None:
            query = urlsplit(self.path).query
            given = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("since", "0") or "0"
            if not given.isascii() or not given.isdigit() or len(given) > 18:
                return self._send(400, b"bad request: since must be a build generation number\n",
                                  "text/plain; charset=utf-8")
            since = int(given)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.head:
                return None
            sent_errors: Optional[list] = None
            try:
                while True:
                    with state.changed:
                        generation, errors = state.generation, state.errors
                        if generation == since and errors == sent_errors:
                            state.changed.wait(timeout=10)
                            generation, errors = state.generation, state.errors
                    if generation != since:
                        self.wfile.write(b"event: reload\ndata: {}\n\n")
                        self.wfile.flush()
                        return
                    if errors != sent_errors:
                        payload = json.dumps(errors, ensure_ascii=False)
                        self.wfile.write(f"event: errors\ndata: {payload}\n\n".encode())
                        sent_errors = errors
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


class ThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class PortUnavailable(Exception):
    """The port cannot be listened on; the message says why and what to do."""


def listen(port: int, handler) -> ThreadingServer:
    """A server bound to 127.0.0.1:``port``, before anything is built: a port already taken (often
    by another ``serve`` left running) is then said at once, not after a national build."""
    try:
        return ThreadingServer(("127.0.0.1", port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = "it is in use (another ocop-site serve still running?)"
        elif exc.errno == errno.EACCES:
            why = "this user may not listen on it (ports below 1024 need privileges)"
        else:
            why = exc.strerror or str(exc)
        raise PortUnavailable(f"cannot serve on 127.0.0.1:{port}: {why}; choose another with --port, "
                              "or --port 0 for a free one") from None


def serve(source: Path, port: int, today: Callable[[], date], out=sys.stderr,
          stop: Optional[threading.Event] = None, clock: Callable[[], float] = time.monotonic) -> int:
    """Serve until interrupted (or ``stop`` is set). Returns the exit status; raises
    :class:`PortUnavailable` when the port cannot be had. ``clock`` tells when a burst of saves
    is over (QUIET_SECONDS without events); tests pass one they advance by hand."""
    workdir = Path(tempfile.mkdtemp(prefix="ocop-serve-"))
    output = workdir / "public"
    state = LiveState()
    config, diags = load_config(source)
    base_path = Routes.create(config.base_url, config.languages).base_path if config else "/"
    try:
        server = listen(port, make_handler(output, base_path, state))
    except PortUnavailable:
        shutil.rmtree(workdir, ignore_errors=True)
        raise

    session = None   # what the last good build left for previews

    def show_errors(diagnostics: list[Diagnostic]) -> None:
        state.update(state.generation, [d.as_dict() | {"text": d.as_text()} for d in diagnostics
                                        if d.is_error] or [{"text": "build failed"}])

    def quick_look(changed: list[str]) -> None:
        """Show an edited product at once, before the full rebuild (see preview.py)."""
        files = previewable(session, source, changed)
        if not files:
            return
        started = time.perf_counter()
        try:
            result = preview(session, source, files, output)
        except Exception as exc:  # noqa: BLE001 - the full build that follows reports it properly
            out.write(f"no preview ({type(exc).__name__}: {visible(str(exc))}); rebuilding\n")
            return
        if result.failed:
            out.write(format_text(result.diagnostics))
            show_errors(result.diagnostics)
            out.write("errors: still serving the last good build\n")
        elif result.pages:
            state.previews += 1
            state.update(state.generation + 1, [])
            out.write(f"previewed {len(result.pages)} page(s) in {time.perf_counter() - started:.2f} s; "
                      "rebuilding the rest\n")
        out.flush()

    def rebuild() -> None:
        nonlocal session
        started = time.perf_counter()
        try:
            report: BuildReport = build(source, output, today(), keep_session=True)
        except OutputError as exc:   # the temporary folder could not be written (a full disk)
            state.update(state.generation, [{"text": str(exc)}])
            out.write(f"ocop-site: error: {visible(str(exc))}\nerrors: still serving the last good build\n")
            out.flush()
            state.builds += 1   # counted once its errors are there to be seen
            return
        state.builds += 1
        if report.session is not None:
            session = report.session
        text = format_text(report.diagnostics)
        if text:
            out.write(text)
        if report.published:
            state.update(state.generation + 1, [])
            out.write(f"rebuilt {report.pages:,} pages in {time.perf_counter() - started:.1f} s\n")
        else:
            show_errors(report.diagnostics)
            out.write("errors: still serving the last good build\n")
        out.flush()

    undo_signal = stop_on_sigterm()
    watcher = None
    thread = None
    try:
        watcher = start_watching(source, out, clock)   # before the first build, so that an edit made during it is seen
        rebuild()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        actual = server.server_address[1]
        out.write(f"serving on http://127.0.0.1:{actual}/"
                  + (f" and http://127.0.0.1:{actual}{base_path}" if base_path != "/" else "") + "\n")
        out.flush()
        while True:
            try:
                changed = watcher.changes(stop)
            except NoEvents as exc:
                watcher.close()
                watcher = polling(source, watcher.seen, str(exc), out)
                continue
            if changed is None:
                break
            quick_look(changed)
            rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        undo_signal()
        if watcher is not None:
            watcher.close()
        if thread is not None:
            server.shutdown()   # (waits for serve_forever, so only once it runs)
        server.server_close()
        Cache(cache_folder(source)).drop_manifest(output)   # the session's folder goes: its manifest too
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def stop_on_sigterm() -> Callable[[], None]:
    """Let SIGTERM (``kill``, a service manager, a script stopping ``serve``) end the server as Ctrl-C
    does, through its clean-up, instead of leaving the temporary site behind. Processes forked
    for a build still die at once. Returns what puts the previous handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    server_pid = os.getpid()

    def stop(signum, frame):
        if os.getpid() != server_pid:   # a forked build worker: the default, at once
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)
