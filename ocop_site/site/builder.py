"""The build stage as a whole: catalog → gate → render → publish.

With errors nothing is published and the existing output stays exactly as it
was; with ``keep_going`` the sound records are published and the broken files
are listed.

Builds are incremental when the output was written by an earlier build whose
manifest is in the cache: if no source file, setting or day changed, nothing
is done; otherwise per-file results come from the cache, pages whose inputs
are unchanged are not rendered, and only files whose bytes changed are
written (deleted sources remove their pages). A first build, or one after the
cache or the output was deleted, writes a fresh folder and swaps it in. Both
give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Optional

from ..core.cache import Cache, cache_folder, code_version
from ..core.diagnostics import Diagnostic, Severity, has_errors, sort_diagnostics
from ..core.output import Incremental, Staging, check_output, output_state, recover
from ..core.routes import Routes
from ..core.safety import INPUTS
from ..core.workers import available_workers
from ..records.catalog import load_catalog
from ..records.sources import file_digest
from .render import render_site, site_theme
from .stories import story_diagnostics
from .themes import BUNDLED_THEMES

MANIFEST_VERSION = 4
WATCHED = INPUTS   # every folder (and site.yaml) a build reads


@dataclass
class BuildReport:
    published: bool = False
    pages: int = 0            # pages rendered
    unchanged: int = 0        # pages not rendered because nothing they show changed
    written: int = 0          # files written to the output
    removed: int = 0          # files removed from the output
    files: int = 0            # files in the output
    seconds: float = 0.0
    up_to_date: bool = False  # nothing changed since the last build
    skipped: tuple[str, ...] = ()
    session: Any = None       # render.Session, when asked for (serve)
    timings: list[tuple[str, float]] = field(default_factory=list)   # (stage, seconds), in order
    diagnostics: list[Diagnostic] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)   # what was done with what killed builds left


def watched_files(source: Path, extra: tuple[Path, ...] = ()) -> Iterator[str]:
    """Every file a build reads (site.yaml, sources, templates, static files), in a stable order.

    Hidden folders (the cache, editors' swap folders) are skipped. ``serve``
    watches the same files.
    """
    for top in [source / name for name in WATCHED] + list(extra):
        if top.is_file():
            yield str(top)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                yield os.path.join(folder, name)


#: A file changed less than this long before the scan that recorded it may change again within the
#: same timestamp tick: its size and time are not trusted and its bytes are read (git's "racy" files).
RACY_NS = 2_000_000_000


def scan_inputs(source: Path, known: Optional[dict] = None) -> tuple[dict[str, list], int]:
    """``{path: [size, mtime_ns, digest]}`` for every file a build reads, and the time of the scan.

    A file whose size and modification time are those ``known`` (the last
    build's scan) recorded, and which was not modified just before that scan,
    keeps its recorded digest without being read; the others are read and
    hashed. So an unchanged national catalog costs a stat per file.
    """
    known = known or {}
    now = time.time_ns()
    trusted_before = int(known.get("\0scanned", 0)) - RACY_NS
    files: dict[str, list] = {}
    for path in watched_files(source, (BUNDLED_THEMES,)):
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):   # a FIFO, socket or device: opening it could block for ever
            continue
        old = known.get(path)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns and st.st_mtime_ns < trusted_before:
            files[path] = old
            continue
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        files[path] = [st.st_size, st.st_mtime_ns, file_digest(data)]
    return files, now


def inputs_fingerprint(files: dict[str, list], today: date, base_url: Optional[str], keep_going: bool,
                       source: Optional[Path] = None) -> str:
    """Everything a build reads: the settings and the content of every source, template and static file.

    Files are named relative to the source folder (bundled themes to their folder), so the
    fingerprint, like the output, does not depend on where the site is: it is also the state id
    the output's marker names (output.py)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{code_version()}|{today}|{base_url}|{keep_going}".encode())
    prefixes = [(str(BUNDLED_THEMES) + os.sep, "\0bundled/")]
    if source is not None:
        prefixes.insert(0, (str(source) + os.sep, ""))
    for path, (_size, _mtime, content) in files.items():
        name = path
        for prefix, instead in prefixes:
            if path.startswith(prefix):
                name = instead + path[len(prefix):]
                break
        digest.update(f"\0{name}|{content}".encode())
    return digest.hexdigest()


class OutputError(Exception):
    """The site could not be written (a folder that cannot be made, a full disk). What was staged
    is removed; the output is unchanged unless the failure came while publishing."""

    def __init__(self, output: Path, error: OSError, publishing: bool):
        where = f" ({error.filename})" if error.filename else ""
        after = ("it is partly updated; the next build completes it once this is mended" if publishing
                 else "nothing was published; it is unchanged")
        super().__init__(f"cannot write the output {output}: {error.strerror or error}{where}; {after}")


def build(source: Path, output: Path, today: date, base_url: Optional[str] = None,
          keep_going: bool = False, workers: Optional[int] = None, cache_dir: Optional[Path] = None,
          progress: Optional[Callable[[int, int], None]] = None, keep_session: bool = False) -> BuildReport:
    """Build the site in ``source`` into ``output``. Raises UnsafeOutput for a dangerous output folder
    and OutputError when the output cannot be written."""
    started = time.perf_counter()
    check_output(output, source)
    workers = workers if workers is not None else available_workers()
    cache = Cache(cache_dir or cache_folder(source))
    report = BuildReport()
    last = [started]

    def mark(stage: str) -> None:
        """Time spent since the previous mark, for ``build --timings``."""
        now = time.perf_counter()
        report.timings.append((stage, now - last[0]))
        last[0] = now

    try:
        recovered = recover(output)
    except OSError as exc:   # a leftover publish that cannot be completed (a folder still read-only)
        raise OutputError(output, exc, True) from None
    report.recovered = recovered
    manifest = cache.get_manifest(output)
    same_version = bool(manifest and manifest.get("version") == MANIFEST_VERSION)
    files, scanned = scan_inputs(source, manifest.get("files") if same_version else None)
    inputs = inputs_fingerprint(files, today, base_url, keep_going, source)
    mark("scan sources")
    # the manifest describes the output only if the output holds the state it names: another
    # build (another copy of the site, another cache) or an interrupted publish changes that
    state = output_state(output)
    incremental = same_version and state is not None and manifest.get("state") == state
    if incremental and manifest["inputs"] == inputs and _output_intact(output, manifest):
        report.published = report.up_to_date = True
        report.unchanged = len(manifest["pages"])
        report.files = len(manifest["produced"])
        report.diagnostics = [_diagnostic(d) for d in manifest.get("diagnostics", [])]
        report.skipped = tuple(manifest.get("skipped", ()))
        report.seconds = time.perf_counter() - started
        return report

    catalog, diags = load_catalog(source, cache, workers, digests={path: f[2] for path, f in files.items()})
    mark("read and check records")
    report.diagnostics = diags
    if catalog is None:
        return report
    if has_errors(diags) and not keep_going:
        # nothing is rendered; what rendering would find in the theme and the stories is reported all the same
        report.diagnostics = sort_diagnostics(diags + site_theme(catalog)[1] + story_diagnostics(catalog, workers=workers))
        return report
    report.skipped = catalog.skipped
    routes = Routes.create(base_url or catalog.config.base_url, catalog.config.languages)
    publishing = False
    try:
        writer: Incremental | Staging = (Incremental(output, routes.base_url) if incremental
                                         else Staging(output, routes.base_url))
    except OSError as exc:
        raise OutputError(output, exc, publishing) from None
    try:
        result = render_site(catalog, today, routes, writer.write, writer.copy, workers,
                             previous=manifest["pages"] if incremental else None,
                             output=output.resolve() if incremental else None, progress=progress,
                             keep_session=keep_session, mark=mark, cache=cache)
        # stories of files left out (or all, when rendering stopped early) are checked, not published
        unpublished = story_diagnostics(catalog, result.stories, workers)
        report.diagnostics = sort_diagnostics(diags + result.diagnostics + unpublished)
        if has_errors(result.diagnostics):
            writer.discard()
            return report
        produced = set(result.files)
        publishing = True
        if isinstance(writer, Incremental):
            report.written, report.removed = writer.publish(produced, set(manifest["produced"]), inputs)
        else:
            old = set(manifest["produced"]) if manifest else set()
            cache.drop_manifest(output)
            writer.publish(inputs)
            report.written = len(produced)
            report.removed = len(old - produced) if old else 0
    except OSError as exc:   # a full disk, a folder that went read-only: said, not a traceback
        if isinstance(writer, Incremental) and writer.committed:
            writer.release()      # its journal: the next build completes the publish
        else:
            writer.discard()
        raise OutputError(output, exc, publishing and isinstance(writer, Incremental)) from None
    except BaseException as exc:   # Ctrl-C: what was staged goes, unless the publish had begun
        if isinstance(writer, Incremental) and writer.committed:
            writer.release()
        else:   # a stop (Ctrl-C, SIGTERM) does not wait for a national build's files to be removed
            writer.discard(detached=isinstance(exc, KeyboardInterrupt))
        raise
    cache.put_manifest(output, {"version": MANIFEST_VERSION, "inputs": inputs, "state": inputs,
                                "pages": result.fingerprints, "files": files | {"\0scanned": scanned},
                                "produced": sorted(produced), "signature": _signature(output),
                                "diagnostics": [_stored(d) for d in report.diagnostics],
                                "skipped": list(report.skipped)})
    mark("publish")
    report.published = True
    report.session = result.session
    report.pages = result.pages
    report.unchanged = result.unchanged
    report.files = len(produced)
    report.seconds = time.perf_counter() - started
    return report


def _stored(d: Diagnostic) -> list:
    """A diagnostic as the manifest keeps it: the up-to-date short cut repeats the last build's."""
    return [d.path, d.line, d.col, d.severity.value, d.code, d.message, d.source_line]


def _diagnostic(item: list) -> Diagnostic:
    path, line, col, severity, code, message, source_line = item
    return Diagnostic(path, line, col, Severity(severity), code, message, source_line)


def _signature(output: Path) -> list:
    """Modification times of the output folder and of the folders in it, to notice hand edits
    between builds cheaply: deleting or adding a page's folder, or a file at the top, shows here.
    (Walking a national output to stat every file would cost more than the no-change build itself.)"""
    found = []
    try:
        found.append(["", os.stat(output).st_mtime_ns])
        with os.scandir(output) as entries:
            found += sorted([e.name, e.stat().st_mtime_ns] for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    return found


def _output_intact(output: Path, manifest: dict) -> bool:
    return manifest.get("signature") == _signature(output)
