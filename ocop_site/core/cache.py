"""The build cache: per-file results and the manifest of the last build, keyed by content.

Everything here is an optimisation and the folder is safe to delete: a miss
recomputes. The folder is ``$OCOP_CACHE_DIR`` when set, else ``<source>/.ocop-cache``
(:func:`cache_folder`, the one place that decides it, for records, manifests, images, QR
codes and share cards alike). Keys hash everything a value depends on (the file's bytes, its
path and kind, the site's languages and the code of ocop-site itself), so a
stale entry can never be used. Layout::

    <cache>/records/<aa>/<key>.pickle     a source file read and validated (catalog.Loaded)
    <cache>/builds/<output-key>.json      what the last build wrote into one output folder
    <cache>/builds/<output-key>.output    that folder's path: manifests of folders now gone
                                          (a serve session's, a deleted output) are pruned
    <cache>/img/<aa>/<key>/               an image's variants (media/images.py)
    <cache>/qr/<aa>/<key>.png|.svg        a QR code (media/qr.py)
    <cache>/card/<aa>/<key>.jpg           a share card (media/sharecard.py)
    <cache>/stat/<site-key>.json          what the image stage learnt of each photo (records/photos.py)
"""

from __future__ import annotations

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

    def _record_path(self, key: str) -> Path:
        return self.folder / "records" / key[:2] / f"{key}.pickle"

    def get_record(self, key: str) -> Any:
        try:
            return pickle.loads(self._record_path(key).read_bytes())
        except Exception:  # missing, truncated or from another Python: a miss
            return None

    def record_keys(self) -> set[str]:
        """Keys of the records stored: a fresh build would otherwise try to open tens of
        thousands of missing files, one by one."""
        return sharded_names(self.folder / "records", ".pickle")

    def put_record_bytes(self, key: str, data: bytes) -> None:
        """Store a record already pickled (the loading workers send the same bytes back)."""
        try:
            write_atomic(self._record_path(key), data)
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
