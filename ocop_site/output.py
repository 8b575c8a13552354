"""Publishing the output folder safely.

A build is written into a fresh folder beside the output and swapped in only
when complete, so a failed build leaves the previous site exactly as it was
and visitors never see a half-written one. The tool deletes only folders that
carry its marker file: it refuses an output that is the source folder, holds
the source folder, or is a non-empty folder it did not create.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

MARKER = ".ocop-site"
MARKER_TEXT = "This folder is written by ocop-site; it is replaced on every build.\n"


def marker_text(base_url: str | None) -> str:
    """The marker's text: the notice, then the base_url the site was built for (``deploy`` refuses
    to publish it to a target that serves another address)."""
    return MARKER_TEXT + (f"base_url: {base_url}\n" if base_url else "")


def marker_base_url(output: Path | str) -> str | None:
    """The base_url recorded in an output folder's marker (None when absent: an older build)."""
    try:
        text = (Path(output) / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("base_url:"):
            return line.partition(":")[2].strip() or None
    return None


def write_atomic(path: Path | str, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` in one step: a reader sees the old file or the new, never half of one.

    The temporary file beside it is named by process and a counter (no random names to try), and
    its folder is made only when opening fails: caches write tens of thousands of these.
    """
    path = str(path)
    tmp = f"{path}.{os.getpid()}-{next(_temp_names)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(tmp, flags, mode)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)       # whatever the umask: the files are published as they are
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_temp_names = itertools.count()


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may take fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def place(source: Path | str, target: Path | str, link: bool = False) -> None:
    """Copy ``source`` to ``target``; with ``link``, a hard link when the file system allows it.

    Links are for the media cache's files (QR codes, share cards, image
    variants): they are written once under a name that is the hash of their
    content, read-only, and never changed in place, so a link costs nothing and
    a national build does not copy a quarter of a million small files. A build
    replaces output files, never edits them, so the cache cannot change through
    the output.
    """
    if link:
        try:
            os.link(source, target)
            return
        except FileExistsError:   # linked already, by a background copy that then failed
            if os.path.samefile(source, target):
                return
        except OSError:   # another file system, or links not allowed
            pass
    shutil.copyfile(source, target)


class _Folder:
    """Files written under one folder, by path text: a national build writes over 100,000 pages,
    and pathlib objects plus a ``mkdir`` that fails on every existing folder cost more than the
    write itself. Folders made are remembered (per process: forked workers each keep their own)."""

    def __init__(self, path: Path):
        self.path = path
        self._root = str(path)
        self._made: set[str] = set()

    def target(self, rel: str) -> str:
        target = f"{self._root}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            try:
                os.mkdir(folder)            # a page's own new folder: its parent is usually there
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass
            self._made.add(folder)
        return target

    def put(self, rel: str, data: bytes) -> None:
        fd = os.open(self.target(rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)


class UnsafeOutput(Exception):
    """The output folder cannot be used (a usage error, exit status 2)."""


def check_output(output: Path, source: Path) -> None:
    out = output.resolve()
    src = source.resolve()
    if out == src:
        raise UnsafeOutput(f"the output folder {output} is the source folder; choose another, e.g. {source / 'public'}")
    if src.is_relative_to(out):
        raise UnsafeOutput(f"the output folder {output} contains the source folder {source}; refusing to replace it")
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"the output {output} is a file, not a folder")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UnsafeOutput(f"the output {output} cannot be made: {parent} is a file, not a folder")
            break
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UnsafeOutput(f"the output folder {output} is not empty and was not written by ocop-site "
                           f"(no {MARKER} file); refusing to replace it")


class Staging:
    """A folder beside the output to write a build into, then swap in atomically."""

    def __init__(self, output: Path, base_url: str | None = None):
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.output.parent / f".{self.output.name}.building-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        (self.path / MARKER).write_text(marker_text(base_url), encoding="utf-8")
        self._files = _Folder(self.path)

    def write(self, rel: str, data: bytes) -> None:
        self._files.put(rel, data)

    def copy(self, rel: str, source: Path | str, link: bool = False) -> None:
        place(source, self._files.target(rel), link)

    def publish(self) -> None:
        """Swap the finished build in place of the output."""
        old = self.output.parent / f".{self.output.name}.old-{os.getpid()}"
        if self.output.exists():
            os.replace(self.output, old)
        try:
            os.replace(self.path, self.output)
        except OSError:
            if old.exists():
                os.replace(old, self.output)
            raise
        if old.exists():
            shutil.rmtree(old)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class Incremental:
    """Update an existing output in place, touching only what changed.

    Changed files are first written into a folder beside the output; only when
    the whole build succeeded are they moved in (each move is atomic) and the
    files no longer produced are removed. A failed build leaves the output
    exactly as it was. Unchanged bytes are never rewritten, so file times and
    caches downstream stay valid.
    """

    def __init__(self, output: Path, base_url: str | None = None):
        self.output = output.resolve()
        self.marker = marker_text(base_url)
        self.path = self.output.parent / f".{self.output.name}.changes-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        self._files = _Folder(self.path)

    def _same(self, rel: str, data: bytes) -> bool:
        target = self.output / rel
        try:
            if target.stat().st_size != len(data):
                return False
            return target.read_bytes() == data
        except OSError:
            return False

    def write(self, rel: str, data: bytes) -> None:
        if not self._same(rel, data):
            self._files.put(rel, data)

    def copy(self, rel: str, source: Path | str, link: bool = False) -> None:
        target = f"{self.output}/{rel}"
        try:
            if link and os.path.samefile(target, source):
                return
            if os.stat(target).st_size == os.stat(source).st_size:
                with open(target, "rb") as a, open(source, "rb") as b:
                    if a.read() == b.read():
                        return
        except OSError:
            pass
        place(source, self._files.target(rel), link)

    def publish(self, produced: set[str], previous: set[str] | None = None) -> tuple[int, int]:
        """Move changed files in and remove those no longer produced (all files ever written by
        the previous build are listed in ``previous``; without it the output is walked).
        Returns (written, removed)."""
        written = 0
        for folder, _dirs, files in os.walk(self.path):
            for name in files:
                staged = Path(folder) / name
                target = self.output / staged.relative_to(self.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
                written += 1
        marker = self.output / MARKER
        try:
            current = marker.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != self.marker:    # built for another base_url than before (or by an older version)
            write_atomic(marker, self.marker.encode("utf-8"))
        if previous is None:
            previous = {p.relative_to(self.output).as_posix() for p in self.output.rglob("*") if p.is_file()}
        removed = 0
        for rel in sorted(previous - produced - {MARKER}):
            path = self.output / rel
            try:
                path.unlink()
            except OSError:
                continue
            removed += 1
            parent = path.parent
            while parent != self.output and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        self.discard()
        return written, removed

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
