"""Writing one file so that no reader ever sees half of it: the one atomic write of ocop-site.

Caches, manifests, reports, the deploy's state and every page of an incremental build go
through :func:`write_atomic`.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path


def write_atomic(path: Path | str, data: bytes | list[bytes], mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` (bytes, or a list of parts written one after the other, so that
    a large file need not be joined in memory first) in one step: a reader sees the old file or
    the new, never half of one.

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
            for part in data if isinstance(data, list) else (data,):
                write_all(fd, part)
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


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may take fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
