"""The build cache: per-file results and the manifest of the last build, keyed by content.

Everything here is an optimisation and the folder is safe to delete: a miss
recomputes. The folder is ``$OCOP_CACHE_DIR`` when set, else ``<source>/.ocop-cache``
(:func:`cache_folder`, the one place that decides it, for records, manifests, images, QR
codes and share cards alike). Keys hash everything a value depends on (the file's bytes, its
path and kind, the site's languages and the code of ocop-site itself), so a
stale entry can never be used. Layout::

    <cache>/records/<name>.pack          source files read and validated (catalog.Loaded), pickled,
                                          many to a pack with an index of where each is
    <cache>/builds/<output-key>.json      what the last build wrote into one output folder
    <cache>/builds/<output-key>.output    that folder's path: manifests of folders now gone
                                          (a serve session's, a deleted output) are pruned
    <cache>/img/<aa>/<key>/               an image's variants (media/images.py)
    <cache>/qr/<aa>/<key>.png|.svg        a QR code (media/qr.py)
    <cache>/card/<aa>/<key>.jpg           a share card (media/sharecard.py)
    <cache>/stat/<site-key>.json          what the image stage learnt of each photo (records/photos.py)
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from .files import write_atomic

CACHE_DIR = ".ocop-cache"
CACHE_ENV = "OCOP_CACHE_DIR"


def cache_folder(source: Path | str) -> Path:
    """``$OCOP_CACHE_DIR`` when set, else ``<source>/.ocop-cache``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path(source) / CACHE_DIR


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of ocop-site's own code: a new version never reuses an old result."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def sharded_names(folder: Path | str, suffix: str) -> set[str]:
    """Names, less ``suffix``, of the files ending in it in the two-letter shard folders of
    ``folder`` (``<folder>/<aa>/<key><suffix>``): one listing instead of a ``stat`` per key."""
    found: set[str] = set()
    try:
        shards = os.scandir(folder)
    except OSError:   # no such folder yet
        return found
    cut = -len(suffix) if suffix else None
    with shards:
        for shard in shards:
            if not shard.is_dir():
                continue
            try:
                with os.scandir(shard.path) as names:
                    found.update(name.name[:cut] for name in names if name.name.endswith(suffix))
            except OSError:
                continue
    return found


_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This folder is a cache of ocop-site (records, processed images, QR codes, share cards).\n"
        "# It is safe to delete: it is rebuilt when needed.\n")


PACK_SUFFIX = ".pack"
PACK_MAGIC = b"ocop-site records 1\n"
MAX_PACKS = 8      # packs of records before they are merged (each build stores its misses as one)


def _write_pack(folder: Path, items: list[tuple[str, bytes]]) -> str:
    """A pack of (key, pickled record) items: the magic, the index's length (8 bytes), the index
    (a pickled dict key → (offset, length) after it), then the records. Named by its keys, so the
    same records stored twice are one file. Returns its path."""
    index: dict[str, tuple[int, int]] = {}
    offset = 0
    for key, data in items:
        index[key] = (offset, len(data))
        offset += len(data)
    head = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    name = hashlib.sha256("\0".join(index).encode()).hexdigest()[:32]
    path = str(folder / (name + PACK_SUFFIX))
    write_atomic(path, [PACK_MAGIC, len(head).to_bytes(8, "little"), head, *(data for _, data in items)])
    return path


def _pack_files(folder: Path) -> list[str]:
    return sorted(glob.glob(os.path.join(glob.escape(str(folder)), "*" + PACK_SUFFIX)))


def _read_pack_index(pack: str) -> Optional[tuple[int, dict[str, tuple[int, int]]]]:
    """(where the records start, the index) of a pack, or None when it is not one."""
    try:
        with open(pack, "rb") as f:
            if f.read(len(PACK_MAGIC)) != PACK_MAGIC:
                return None
            size = int.from_bytes(f.read(8), "little")
            index = pickle.loads(f.read(size))
        return len(PACK_MAGIC) + 8 + size, index
    except Exception:  # truncated, unreadable, or removed meanwhile
        return None


def _read_at(fd: int, offset: int, length: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    parts = []
    while length > 0:
        part = os.read(fd, length)
        if not part:
            break
        parts.append(part)
        length -= len(part)
    return b"".join(parts)


class Cache:
    """The one cache of a build: a folder of files named by content keys, written atomically (safe
    with parallel builds and with the forked workers writing into it at once).

    Two kinds of entries live in it: pickled records and build manifests (:meth:`get_record`,
    :meth:`get_manifest`), and the media files builds hard-link into their output (images, QR
    codes, share cards: :meth:`where`, :meth:`write`, :meth:`commit_dir`). When the folder cannot
    be created or written (a read-only source folder), a temporary one is used for this run and
    removed afterwards: only speed is lost.
    """

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self._pack_index: Optional[dict[str, tuple[str, int, int]]] = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(_TAG, encoding="utf-8")
            (self.folder / "tmp").mkdir(exist_ok=True)
            probe_file = self.folder / "tmp" / f".write-test-{os.getpid()}"
            probe_file.write_bytes(b"")
            probe_file.unlink()
        except OSError:
            self.folder = Path(tempfile.mkdtemp(prefix="ocop-cache-"))
            (self.folder / "tmp").mkdir()
            weakref.finalize(self, shutil.rmtree, str(self.folder), True)

    # --- media files: ``<cache>/<kind>/<aa>/<key><suffix>`` ---

    def path(self, kind: str, key: str, suffix: str = "") -> Path:
        return Path(self.where(kind, key, suffix))

    def where(self, kind: str, key: str, suffix: str = "") -> str:
        """``path`` as text: national builds ask for a few hundred thousand of them."""
        return f"{self.folder}/{kind}/{key[:2]}/{key}{suffix}"

    def read(self, kind: str, key: str, suffix: str = "") -> Optional[bytes]:
        try:
            return self.path(kind, key, suffix).read_bytes()
        except OSError:
            return None

    def present(self, kind: str, suffix: str = "") -> set[str]:
        """Keys of the ``kind`` files with ``suffix`` in the cache (a national build asks about
        113,000 QR codes)."""
        return sharded_names(f"{self.folder}/{kind}", suffix)

    def write(self, kind: str, key: str, suffix: str, data: bytes) -> Path:
        target = self.where(kind, key, suffix)
        write_atomic(target, data, mode=0o444)   # never changed in place: builds may hard-link it into the output
        return Path(target)

    def new_dir(self) -> Path:
        return Path(tempfile.mkdtemp(dir=self.folder / "tmp"))

    def commit_dir(self, tmp: Path, kind: str, key: str) -> Path:
        """Move a finished temporary folder into place (another process may have won the race)."""
        target = self.path(kind, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    # --- records and manifests ---

    @staticmethod
    def key(*parts: bytes | str) -> str:
        digest = hashlib.sha256(code_version().encode())
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little") + data)
        return digest.hexdigest()

    # Records are stored many to a file, a *pack*: the pickled records one after the other, after
    # an index of where each is. A national build reads some 28,000 files, and a file each in the
    # cache cost its workers more (creating, writing, renaming) than writing them all at once.

    def _packs(self) -> dict[str, tuple[str, int, int]]:
        """Key → (pack, offset, length) of every record stored, from the packs' indexes (read once
        per Cache; packs written since are not seen, which only costs speed)."""
        if self._pack_index is None:
            found: dict[str, tuple[str, int, int]] = {}
            for pack in _pack_files(self.folder / "records"):
                index = _read_pack_index(pack)
                if index is not None:
                    start, entries = index
                    found.update((key, (pack, start + offset, length)) for key, (offset, length) in entries.items())
            self._pack_index = found
        return self._pack_index

    def get_record(self, key: str) -> Any:
        where = self._packs().get(key)
        if where is None:
            return None
        pack, offset, length = where
        try:
            fd = os.open(pack, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                data = os.pread(fd, length, offset) if hasattr(os, "pread") else _read_at(fd, offset, length)
            finally:
                os.close(fd)
            return pickle.loads(data)
        except Exception:  # removed by another build's compaction, truncated, from another Python: a miss
            return None

    def record_keys(self) -> set[str]:
        """Keys of the records stored: a fresh build would otherwise look for tens of thousands of
        missing records, one by one."""
        return set(self._packs())

    def put_records(self, items: list[tuple[str, bytes]], keep: Optional[set[str]] = None) -> None:
        """Store pickled records (key, bytes) as one new pack. When there are more than
        ``MAX_PACKS`` packs, they are merged into one with only the records of ``keep`` (the keys
        the build that stores them uses): records of files since edited or removed go."""
        folder = self.folder / "records"
        self._pack_index = None
        try:
            if items:
                _write_pack(folder, items)
            packs = _pack_files(folder)
            if keep is None or len(packs) <= MAX_PACKS:
                return
            kept: dict[str, bytes] = {}
            for pack in packs:
                index = _read_pack_index(pack)
                if index is None:
                    continue
                start, entries = index
                with open(pack, "rb") as f:
                    body = f.read()
                kept.update((key, body[start + offset:start + offset + length])
                            for key, (offset, length) in entries.items() if key in keep)
            merged = _write_pack(folder, sorted(kept.items())) if kept else None
            for pack in packs:
                if pack != merged:
                    os.unlink(pack)
            for old in folder.iterdir():   # the one-file-a-record layout of earlier versions
                if old.is_dir() and len(old.name) == 2:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only or full disk only costs speed

    def _manifest_path(self, output: Path) -> Path:
        return self.folder / "builds" / (hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:24] + ".json")

    def get_manifest(self, output: Path) -> Optional[dict]:
        try:
            return json.loads(self._manifest_path(output).read_text(encoding="utf-8"))
        except Exception:
            return None

    def put_manifest(self, output: Path, manifest: dict) -> None:
        path = self._manifest_path(output)
        try:
            write_atomic(path.with_suffix(".output"), str(output.resolve()).encode("utf-8"))
            write_atomic(path, json.dumps(manifest, sort_keys=True).encode("utf-8"))
        except OSError:
            pass
        self.prune_manifests()

    def drop_manifest(self, output: Path) -> None:
        path = self._manifest_path(output)
        for name in (path, path.with_suffix(".output")):
            try:
                name.unlink()
            except OSError:
                pass

    def prune_manifests(self) -> int:
        """Remove the manifests of output folders that no longer exist (each ``serve`` session builds
        into a temporary folder; outputs get deleted or moved) and of unknown folders. Returns how many."""
        folder = self.folder / "builds"
        removed = 0
        try:
            names = [p for p in folder.iterdir() if p.suffix == ".json"]
        except OSError:
            return 0
        for manifest in names:
            try:
                output = manifest.with_suffix(".output").read_text(encoding="utf-8")
            except (OSError, ValueError):
                output = ""
            if output and os.path.isdir(output):
                continue
            for name in (manifest, manifest.with_suffix(".output")):
                try:
                    name.unlink()
                except OSError:
                    pass
            removed += 1
        return removed
