"""Publishing the output folder safely, and finishing what a killed build left.

A build is written into a fresh folder beside the output and swapped in only
when complete, so a failed build leaves the previous site exactly as it was
and visitors never see a half-written one. The tool deletes only folders that
carry its marker file: it refuses an output that is the source folder, holds
the source folder, is a mount point, or is a non-empty folder it did not create.

The marker file names the state the output holds (``state: <id>``, the
fingerprint of the build's inputs), written last; while files are being moved
in it names none. An incremental build trusts its manifest only when the two
agree. Staging folders beside the output (``.<name>.building-<pid>``,
``.<name>.changes-<pid>``, ``.<name>.old-<pid>``) are locked (``flock``) by the
build that made them; the next build finishes or removes those whose build is
gone (:func:`recover`): a complete swap or a committed journal is carried
through, anything else is thrown away.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

from .files import write_all, write_atomic
from .safety import source_role

try:
    import fcntl
except ImportError:   # not on a POSIX system: staging folders are told in use by their process id
    fcntl = None  # type: ignore[assignment]

MARKER = ".ocop-site"
MARKER_TEXT = "This folder is written by ocop-site; it is replaced on every build.\n"
JOURNAL = ".ocop-journal"
STAGING_KINDS = ("building", "changes", "old")

#: Test-only fault injection: with ``OCOP_FAULT_AT=N`` the build's process group is killed (SIGKILL)
#: at the N-th step of writing or publishing (a file staged, moved in or removed; the marker; the swap).
FAULT_ENV = "OCOP_FAULT_AT"
_fault = {"at": int(os.environ.get(FAULT_ENV) or 0), "count": 0}


def fault_point() -> None:
    """One step of writing or publishing (see FAULT_ENV); nothing unless the hook is set."""
    if _fault["at"]:
        _fault["count"] += 1
        if _fault["count"] >= _fault["at"]:
            os.killpg(os.getpgid(0), signal.SIGKILL)


def marker_text(state: Optional[str], base_url: Optional[str] = None) -> str:
    """The marker file's text: the base_url the site was built for (``deploy`` refuses to publish it
    to a target that serves another address), then the state the output holds, or none while it
    changes."""
    return MARKER_TEXT + (f"base_url: {base_url}\n" if base_url else "") + (f"state: {state}\n" if state else "")


def output_state(folder: Path | str) -> Optional[str]:
    """The state the marker of ``folder`` names; None without a marker or while files are moved in."""
    try:
        with open(os.path.join(folder, MARKER), encoding="utf-8") as f:
            text = f.read(4096)
    except (OSError, ValueError):
        return None
    for line in text.splitlines():
        if line.startswith("state: "):
            return line[len("state: "):].strip() or None
    return None


# --- locks: a staging folder in use is never touched by another build ---------------------------

_held: dict[str, int] = {}   # staging folder → descriptor holding its lock


def _lock(folder: Path) -> None:
    """Hold a lock on ``folder`` (a staging folder of this build) until :func:`_unlock`. Where the
    file system has no locks (some network file systems), the folder's process id tells instead."""
    if fcntl is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return
    _held[str(folder)] = fd


def _unlock(folder: Path) -> None:
    fd = _held.pop(str(folder), None)
    if fd is not None:
        os.close(fd)


def forget_inherited_locks() -> None:
    """In a forked worker: drop the copies of the parent's lock descriptors, so that the locks go
    with the parent (a build killed while its workers linger is then seen as gone)."""
    for fd in _held.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


def in_use(folder: Path, pid: int) -> bool:
    """Whether a live build holds the staging folder ``folder`` (made by process ``pid``)."""
    if fcntl is not None:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return True   # gone, or not ours to open: leave it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False  # (closing releases the lock just taken)
        except BlockingIOError:
            return True
        except OSError:   # no locks on this file system: the process id tells
            pass
        finally:
            os.close(fd)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def publishing_lock(output: Path) -> Iterator[None]:
    """Held while a build finishes leftovers or swaps its output in: two builds into one output never
    move files at the same time. (A lock on the folder holding the output, which stays put.)"""
    try:
        fd = os.open(output.parent, os.O_RDONLY) if fcntl is not None else None
    except OSError:
        fd = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:   # no locks on this file system
                pass
        yield
    finally:
        if fd is not None:
            os.close(fd)


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
        fault_point()
        fd = os.open(self.target(rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            write_all(fd, data)
        finally:
            os.close(fd)


class UnsafeOutput(Exception):
    """The output folder cannot be used (a usage error, exit status 2)."""


def _unescape_mount(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def is_mount_point(path: Path) -> bool:
    """Whether ``path`` is a mount point, bind mounts of a folder of the same file system included
    (which ``os.path.ismount`` cannot tell: Linux lists them in /proc/self/mountinfo)."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            points = {_unescape_mount(line.split()[4]) for line in f if len(line.split()) > 4}
    except OSError:
        return False
    return str(path) in points


def check_output(output: Path, source: Path) -> None:
    out = output.resolve()
    src = source.resolve()
    if out == src:
        raise UnsafeOutput(f"the output folder {output} is the source folder; choose another, e.g. {source / 'public'}")
    if src.is_relative_to(out):
        raise UnsafeOutput(f"the output folder {output} contains the source folder {source}; refusing to replace it")
    role = source_role(source, output)
    if role:
        raise UnsafeOutput(f"the output folder {output} is {role}; choose another, e.g. {source / 'public'}")
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"the output {output} is a file, not a folder")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UnsafeOutput(f"the output {output} cannot be made: {parent} is a file, not a folder")
            break
    if out.is_dir() and is_mount_point(out):
        raise UnsafeOutput(f"the output folder {output} is a mount point: a build replaces its output folder as "
                           f"a whole, which a mount point does not allow; build into a folder inside it, e.g. "
                           f"{output / 'public'}")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UnsafeOutput(f"the output folder {output} is not empty and was not written by ocop-site "
                           f"(no {MARKER} file); refusing to replace it")


def staging_folder(output: Path, kind: str, pid: Optional[int] = None) -> Path:
    return output.parent / f".{output.name}.{kind}-{os.getpid() if pid is None else pid}"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not
    available, and the caller renames twice."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class Staging:
    """A folder beside the output to write a build into, then swap in atomically.

    Its marker names no state until :meth:`publish`; from then on it is complete, and should the
    build be killed between the two renames of a swap (where one step is not available), the next
    build moves it in (:func:`recover`)."""

    def __init__(self, output: Path, base_url: str | None = None):
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.path = staging_folder(self.output, "building")
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        _lock(self.path)
        self.base_url = base_url
        (self.path / MARKER).write_text(marker_text(None, base_url), encoding="utf-8")
        self._files = _Folder(self.path)

    def write(self, rel: str, data: bytes) -> None:
        self._files.put(rel, data)

    def copy(self, rel: str, source: Path | str, link: bool = False) -> None:
        fault_point()
        place(source, self._files.target(rel), link)

    def publish(self, state: Optional[str] = None) -> None:
        """Swap the finished build in place of the output."""
        fault_point()
        write_atomic(self.path / MARKER, marker_text(state, self.base_url).encode("utf-8"))
        fault_point()
        with publishing_lock(self.output):
            if self.output.exists() and _exchange(self.path, self.output):
                fault_point()
                self._remove_old(self.path)     # (now the previous output)
                return
            old = staging_folder(self.output, "old")
            if self.output.exists():
                os.replace(self.output, old)
                fault_point()
            try:
                os.replace(self.path, self.output)
            except OSError:
                if old.exists():
                    os.replace(old, self.output)
                raise
            fault_point()
            self._remove_old(old)

    def _remove_old(self, old: Path) -> None:
        _unlock(self.path)
        remove_staging(old)

    def discard(self, detached: bool = False) -> None:
        """Remove what was staged; ``detached``: by a process of its own (a stop need not wait)."""
        _unlock(self.path)
        _remove(self.path, detached)


def _remove(folder: Path, detached: bool) -> None:
    """Remove a staging folder, here or (``detached``) by a process of its own."""
    if detached:
        try:
            remove_detached(folder)
            return
        except OSError:   # no process could be started: here, then
            pass
    remove_staging(folder)


class Incremental:
    """Update an existing output in place, touching only what changed.

    Changed files are first written into a folder beside the output; only when
    the whole build succeeded are they moved in (each move is atomic) and the
    files no longer produced are removed. A failed build leaves the output
    exactly as it was. Unchanged bytes are never rewritten, so file times and
    caches downstream stay valid.

    Publishing is journalled: the list of files to remove and the state the
    output will hold are written into the folder (``.ocop-journal``) before
    the first file moves, and the output's marker names no state until the
    last one has. A build killed in between is completed by the next one
    (:func:`recover`), which finds the journal and the files still to move.
    """

    def __init__(self, output: Path, base_url: str | None = None):
        self.output = output.resolve()
        self.base_url = base_url
        self.path = staging_folder(self.output, "changes")
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        _lock(self.path)
        (self.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        self.committed = False
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
        fault_point()
        place(source, self._files.target(rel), link)

    def publish(self, produced: set[str], previous: set[str] | None = None,
                state: Optional[str] = None) -> tuple[int, int]:
        """Move changed files in and remove those no longer produced (all files ever written by
        the previous build are listed in ``previous``; without it the output is walked).
        Returns (written, removed). Should it fail halfway (an OSError), the journal stays for the
        next build to complete."""
        if previous is None:
            previous = {p.relative_to(self.output).as_posix() for p in self.output.rglob("*") if p.is_file()}
        removals = sorted(previous - produced - {MARKER})
        fault_point()
        write_atomic(self.path / JOURNAL, json.dumps({"state": state, "base_url": self.base_url,
                                                          "remove": removals}).encode("utf-8"))
        self.committed = True
        with publishing_lock(self.output):
            written, removed = _carry_out(self.path, self.output, removals, state, self.base_url)
        self.discard()
        return written, removed

    def discard(self, detached: bool = False) -> None:
        """Remove what was staged; ``detached``: by a process of its own (a stop need not wait)."""
        _unlock(self.path)
        _remove(self.path, detached)

    def release(self) -> None:
        """Leave the folder (and its committed journal) for the next build to complete."""
        _unlock(self.path)


def _carry_out(changes: Path, output: Path, removals: list[str], state: Optional[str],
               base_url: Optional[str] = None) -> tuple[int, int]:
    """Move the files staged in ``changes`` into ``output`` and remove ``removals``, the marker naming
    no state meanwhile and ``state`` after. Doing it again after an interruption finishes it."""
    fault_point()
    write_atomic(output / MARKER, marker_text(None, base_url).encode("utf-8"))
    written = 0
    for folder, _dirs, files in os.walk(changes):
        top = folder == str(changes)
        for name in files:
            if top and name in (MARKER, JOURNAL):
                continue
            staged = Path(folder) / name
            target = output / staged.relative_to(changes)
            target.parent.mkdir(parents=True, exist_ok=True)
            fault_point()
            os.replace(staged, target)
            written += 1
    removed = 0
    for rel in removals:
        path = output / rel
        fault_point()
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass     # removed before an interruption; its empty folders perhaps not
        parent = path.parent
        while parent != output and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    fault_point()
    write_atomic(output / MARKER, marker_text(state, base_url).encode("utf-8"))
    return written, removed


def remove_staging(folder: Path) -> None:
    """Remove a staging folder, its marker last: a build killed while removing one (a national
    site's old copy takes a while) leaves a folder the next build still knows as ours. A journal
    goes first: what is left of the folder is never taken for a publish to complete."""
    with contextlib.suppress(OSError):
        os.unlink(folder / JOURNAL)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(folder / MARKER)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


#: Run by :func:`remove_detached` in a new interpreter: the package's folder, then the folder to remove.
_REMOVER = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from ocop_site.core.output import _remove_as_remover; _remove_as_remover(Path(sys.argv[2]))")


def remove_detached(folder: Path) -> subprocess.Popen:
    """Remove ``folder`` (as :func:`remove_staging` does: a staging folder's journal first, its
    marker last) in a process of its own session, which outlives this one and is not stopped by
    the Ctrl-C or SIGTERM that is ending it. A national site is 400,000 files: removing them took
    20 s to a minute on a virtual machine's disk, which a stop need not wait for. It inherits no
    descriptor (a server's port, a lock). Returns once the remover holds the folder (a fraction of
    a second): a staging folder's name is free again by then. OSError when no remover started."""
    with contextlib.suppress(OSError):
        os.unlink(folder / JOURNAL)   # (before this returns: never taken for a publish to complete)
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    remover = subprocess.Popen([sys.executable, "-c", _REMOVER, package_parent, str(folder)], start_new_session=True,
                               close_fds=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    with remover.stdout:  # type: ignore[union-attr]
        if remover.stdout.readline() != b"holding\n":  # type: ignore[union-attr]
            raise OSError(f"the process that was to remove {folder} did not start")
    return remover


def _remove_as_remover(folder: Path) -> None:
    """The remover's part of :func:`remove_detached`. A staging folder is first locked, as a build
    locks its own, and renamed to the same kind under this process's id: the stopped build (or
    the next one of its process) may stage under its name at once, and while this runs no other
    build touches the folder; should this die, it is a staging folder of a process now gone,
    which the next build removes (:func:`recover`), taking it for a finished build only if a
    publish had written its state (as a build killed there would leave it). Then "holding" is
    said, and the folder removed."""
    match = _STAGING_NAME.match(folder.name)
    if match:
        _lock(folder)
        held = folder.with_name(f".{match['name']}.{match['kind']}-{os.getpid()}")
        os.rename(folder, held)
        folder = held
    sys.stdout.write("holding\n")
    sys.stdout.close()
    remove_staging(folder)


_STAGING_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<kind>building|changes|old)-(?P<pid>[0-9]+)$")


def leftovers(output: Path) -> list[tuple[str, Path]]:
    """(kind, folder) of the staging folders beside ``output`` that builds now gone left behind:
    only folders named for this output that carry the marker (ours) and that no live build holds."""
    found = []
    try:
        entries = list(os.scandir(output.parent))
    except OSError:
        return found
    for entry in entries:
        match = _STAGING_NAME.match(entry.name)
        if not match or match["name"] != output.name or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        if not (folder / MARKER).is_file() or in_use(folder, int(match["pid"])):
            continue
        found.append((match["kind"], folder))
    return sorted(found, key=lambda item: (STAGING_KINDS.index(item[0]), _mtime(item[1])))


def _mtime(folder: Path) -> int:
    try:
        return folder.stat().st_mtime_ns
    except OSError:
        return 0


def recover(output: Path) -> list[str]:
    """Finish or throw away what killed builds left beside ``output``; returns what was done, one line
    each. A swap cut between its two renames is completed (the finished folder moved in, else the
    previous output moved back); a publish whose journal was written is carried through; every
    other staging folder of a build now gone is removed."""
    output = output.resolve()
    done: list[str] = []
    if not output.parent.is_dir():
        return done
    with publishing_lock(output):
        found = leftovers(output)
        if not found:
            return done
        if not output.exists():
            complete = [f for kind, f in found if kind == "building" and output_state(f)]
            previous = [f for kind, f in found if kind == "old"]
            for folder in complete[-1:] or previous[-1:]:
                os.replace(folder, output)
                done.append(f"completed an interrupted publish ({folder.name})" if folder in complete
                            else f"put the previous output back ({folder.name})")
                found = [(k, f) for k, f in found if f != folder]
        for kind, folder in found:
            journal = folder / JOURNAL
            if kind == "changes" and journal.is_file() and (output / MARKER).is_file():
                try:
                    entry = json.loads(journal.read_text(encoding="utf-8"))
                    removals, state, base_url = list(entry["remove"]), entry["state"], entry.get("base_url")
                except (ValueError, KeyError, TypeError):
                    pass
                else:
                    _carry_out(folder, output, removals, state, base_url)
                    done.append(f"completed an interrupted publish ({folder.name})")
            remove_staging(folder)
            if not any(line.endswith(f"({folder.name})") for line in done):
                done.append(f"removed {folder.name}, left by a build that was stopped")
    return done
