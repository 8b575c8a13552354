"""Publishing the output folder safely.

A build is written into a fresh folder beside the output and swapped in only
when complete, so a failed build leaves the previous site exactly as it was
and visitors never see a half-written one. The tool deletes only folders that
carry its marker file: it refuses an output that is the source folder, holds
the source folder, or is a non-empty folder it did not create.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MARKER = ".ocop-site"
MARKER_TEXT = "This folder is written by ocop-site; it is replaced on every build.\n"


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
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UnsafeOutput(f"the output folder {output} is not empty and was not written by ocop-site "
                           f"(no {MARKER} file); refusing to replace it")


class Staging:
    """A folder beside the output to write a build into, then swap in atomically."""

    def __init__(self, output: Path):
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.output.parent / f".{self.output.name}.building-{os.getpid()}"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        (self.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")

    def write(self, rel: str, data: bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def copy(self, rel: str, source: Path) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

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
