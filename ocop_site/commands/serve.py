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

The server answers from the start: until the first build is published, every
page is a short "building" page (503, how many pages are rendered so far) that
turns into the site when it is published, so a national catalog's first build
is watched, not waited for.

Changes are found by ``watch.py`` (file events, or polling where there are none).

The site is served at the root and under ``base_url``'s path (``/ocop/…``), so
root-relative links work either way.
"""

from __future__ import annotations

import errno
import gc
import html
import http.server
import json
import mimetypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from ..core.cache import Cache, cache_folder
from ..core.diagnostics import Diagnostic, format_text, visible
from ..core.output import remove_detached
from ..core.routes import Routes
from ..core.workers import WorkerDied, without_cycle_collection
from ..records.catalog import load_config
from ..site.builder import BuildReport, OutputError, build
from .preview import preview, previewable
from .watch import NoEvents, polling, start_watching

LIVE_JS = Path(__file__).with_name("live.js")

@dataclass
class LiveState:
    """What the server tells browsers: the build generation and the current errors."""

    generation: int = 0      # bumped by every good build or preview: open pages reload
    errors: list[dict] = field(default_factory=list)
    builds: int = 0          # full builds run (good or not)
    previews: int = 0        # edits shown before their full build (preview.py)
    ready: bool = False      # a build has been published: until then pages are the building page
    rendered: int = 0        # pages rendered so far by the build running (its progress)
    started: float = field(default_factory=time.monotonic)   # when serve started
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
                                   "builds": state.builds, "previews": state.previews,
                                   "ready": state.ready, "rendered": state.rendered}).encode()
                return self._send(200, body, "application/json")
            if not state.ready:
                return self._building()
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

        def _building(self) -> None:
            """Any page before the first build is published: how far the build is, or its errors
            (live.js, added to it as to every page, reloads it when a build is published)."""
            self._send(503, building_page(state), "text/html", {"Retry-After": str(RETRY_AFTER)})

        def _send(self, status: int, body: bytes, ctype: str, headers: Optional[dict[str, str]] = None) -> None:
            if ctype.startswith("text/html"):
                tag = f'<script src="/__ocop__/live.js" data-generation="{state.generation}" defer></script>'.encode()
                body = body.replace(b"</head>", tag + b"</head>", 1)
                ctype = "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
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


RETRY_AFTER = 5   # seconds, in the building page's Retry-After header


def building_page(state: LiveState) -> bytes:
    """The page served before the first build is published: Vietnamese first, then English (marked
    as such); the build's progress when it was asked for, or its errors once it has failed.
    live.js shows the site in its place once a build is published; without scripts, a link
    reloads it. It never reloads on a timer (WCAG 2.2.1: no refresh the reader did not ask for)."""
    seconds = int(time.monotonic() - state.started)
    elapsed = f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
    if state.errors:
        body = ('<h1>Chưa dựng được trang — <span lang="en">The site could not be built</span></h1>\n'
                "<p>Sửa các lỗi dưới đây rồi lưu tệp: trang web sẽ hiện ra ở đây. "
                '<span lang="en">Fix the errors below and save: the site then appears here.</span></p>\n<pre>'
                + html.escape("\n\n".join(str(e.get("text", "")) for e in state.errors)) + "</pre>")
    else:
        done = f"{state.rendered:,}".replace(",", ".")
        body = ('<h1>Đang dựng trang lần đầu — <span lang="en">Building the site</span></h1>\n'
                f'<p>Đã dựng {done} trang sau {elapsed}. <span lang="en">{state.rendered:,} pages rendered in '
                f"{elapsed}.</span></p>\n"
                "<p>Trang web sẽ hiện ra ở đây khi dựng xong. "
                '<span lang="en">The site appears here when it is ready.</span></p>\n'
                '<p><a href="">Tải lại — <span lang="en">Reload</span></a></p>')
    return ('<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            + "<title>ocop-site serve</title>\n</head>\n<body>\n<main>\n" + body
            + "\n</main>\n</body>\n</html>\n").encode("utf-8")


#: A temporary site with more files than this is removed by a detached process when serve ends
#: (core.output.remove_detached): removing a national site's 400,000 files took about a minute
#: on a virtual machine's disk.
BACKGROUND_REMOVAL_FILES = 20_000


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

    counted = [0, 0]   # pages of the languages done, pages of the current one

    def progress(done: int, total: int = 0) -> None:
        """The build's count of pages rendered, for the building page (it starts again for each language)."""
        if done < counted[1]:
            counted[0] += counted[1]
        counted[1] = done
        state.rendered = counted[0] + done

    files = [0]   # files of the last published build (how long removing the temporary site takes)

    def rebuild() -> None:
        nonlocal session
        started = time.perf_counter()
        counted[:] = [0, 0]
        state.rendered = 0
        try:
            # cycle collection off for the build, as in `build` (it cost a national build 5-8 s here);
            # the server's threads make next to no cyclic garbage meanwhile, and it is collected after
            with without_cycle_collection():
                report: BuildReport = build(source, output, today(), keep_session=True, progress=progress)
        except (OutputError, WorkerDied) as exc:   # a full disk, a worker killed: the last good build stays
            state.update(state.generation, [{"text": str(exc)}])
            out.write(f"ocop-site: error: {visible(str(exc))}\nerrors: still serving the last good build\n")
            out.flush()
            state.builds += 1   # counted once its errors are there to be seen
            return
        state.builds += 1
        if report.session is not None:
            session = report.session
            gc.collect()   # the previous build's session, and the cyclic garbage of this one
        text = format_text(report.diagnostics)
        if text:
            out.write(text)
        if report.published:
            files[0] = report.files
            state.ready = True
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
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()   # pages answer "building" until the first build is published
        actual = server.server_address[1]
        out.write(f"building the site; http://127.0.0.1:{actual}/ shows how far it is, then the site\n")
        out.flush()
        rebuild()
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
        size = max(files[0], state.rendered)   # (a build stopped halfway has written about as many)
        if size > BACKGROUND_REMOVAL_FILES:
            remove_detached(workdir)
            out.write(f"the temporary site ({size:,} files) is being removed in the background: {workdir}\n")
            out.flush()
        else:
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
