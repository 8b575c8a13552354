"""The deploy command (SPEC §9): publish a built output folder to S3-compatible object storage
or to another folder, moving only what changed.

Three parts, each testable on its own:

- what each file is (:class:`Rules`): its ``Content-Type``, its ``Cache-Control`` and the phase it
  goes up in, all from its path;
- what to do (:func:`plan_sync`, pure): given the output's files and what the target holds,
  the uploads in order and the deletions;
- doing it (:class:`S3Store`, :class:`FolderStore`, :func:`deploy`): list the target once, find
  the SHA-256 of what it holds (kept in object metadata, remembered between runs in the cache),
  upload in parallel phase by phase, delete last.

Order matters because visitors are online while a deploy runs: assets and media go first (a
page never links to a file not there yet), then detail pages, then listings, then the home
pages, sitemaps, feeds and exports that lead to them, and deletions last. An interrupted deploy
leaves the target a mix of old and new that still works; run again, it finds what is already
up (the hashes are in the objects' metadata) and uploads only the rest.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from ..core.files import write_atomic
from ..core.output import MARKER, marker_base_url, marker_text, output_state

#: Default number of parallel uploads.
WORKERS = 16
#: Keys per listing range (S3 targets list ranges of the key space in parallel).
LIST_RANGE = 5000
#: Default of ``--max-deletes``.
MAX_DELETES = 256

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"

#: Files whose name changes when their content does: cached for a year, never revalidated.
#: Image variants ``media/…/<name>.<hash>-<width>.<ext>``, share cards ``share-<hash>.jpg``,
#: the search index ``search/<lang>-<hash>/…``.
CONTENT_ADDRESSED = re.compile(
    r"^media/(?:.+/)?[^/]+\.[0-9a-f]{10}-\d+\.[a-z0-9]+$"
    r"|(?:^|/)share-[0-9a-f]{10}\.[a-z0-9]+$"
    r"|^search/[a-z]{2,3}-[0-9a-f]{10}/")

_UTF8 = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + _UTF8, ".htm": "text/html" + _UTF8,
    ".css": "text/css" + _UTF8, ".js": "text/javascript" + _UTF8, ".mjs": "text/javascript" + _UTF8,
    ".json": "application/json", ".map": "application/json",
    ".geojson": "application/geo+json", ".webmanifest": "application/manifest+json",
    ".xml": "application/xml" + _UTF8, ".txt": "text/plain" + _UTF8, ".csv": "text/csv" + _UTF8,
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif", ".avif": "image/avif", ".ico": "image/x-icon",
    ".pdf": "application/pdf", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
    ".gz": "application/gzip", ".zip": "application/zip",
}
#: Whole names that say more than their extension.
NAMED_TYPES = {"feed.xml": "application/atom+xml" + _UTF8, "LICENSE": "text/plain" + _UTF8}

#: Phases, in upload order.
ASSETS, DETAILS, PAGES, ENTRIES = 0, 1, 2, 3
PHASE_NAMES = ("assets and media", "detail pages", "listings and other pages", "home pages, sitemaps, feeds, exports")
_DETAIL_FOLDERS = ("p", "producers", "sales-points")
_ENTRY_SUFFIXES = (".json", ".csv", ".geojson", ".xml", ".webmanifest")
_ENTRY_NAMES = ("robots.txt", "sw.js")


class DeployError(Exception):
    """The deploy failed or was refused (exit status 1): one line, said as it is."""


# --- what each file is --------------------------------------------------------------------

@dataclass(frozen=True)
class Matcher:
    pattern: re.Pattern
    cache_control: Optional[str] = None
    content_type: Optional[str] = None


class Rules:
    """Content type, cache policy and phase of a file, from its path relative to the output.

    Matchers of site.yaml (``deploy.matchers``) come first; the first one whose pattern matches
    (``re.search``) and sets a header decides it; otherwise the built-in rules do."""

    def __init__(self, matchers: Iterable[Any] = (), languages: Iterable[str] = ("vi", "en")):
        self.matchers = [m if isinstance(m, Matcher) else
                         Matcher(re.compile(m.pattern), m.cache_control, m.content_type) for m in matchers]
        self.languages = frozenset(languages)

    def _matched(self, key: str, what: str) -> Optional[str]:
        for m in self.matchers:
            value = getattr(m, what)
            if value and m.pattern.search(key):
                return value
        return None

    def content_type(self, key: str) -> str:
        found = self._matched(key, "content_type")
        if found:
            return found
        name = key.rpartition("/")[2]
        if name in NAMED_TYPES:
            return NAMED_TYPES[name]
        suffix = os.path.splitext(name)[1].lower()
        if suffix in CONTENT_TYPES:
            return CONTENT_TYPES[suffix]
        guessed = mimetypes.guess_type(name, strict=False)[0]
        if guessed and guessed.startswith("text/"):
            guessed += _UTF8
        return guessed or "application/octet-stream"

    def cache_control(self, key: str) -> str:
        return self._matched(key, "cache_control") or (IMMUTABLE if CONTENT_ADDRESSED.search(key) else SHORT)

    def phase(self, key: str) -> int:
        if CONTENT_ADDRESSED.search(key):
            return ASSETS
        parts = key.split("/")
        if len(parts) > 1 and parts[0] in self.languages:
            parts = parts[1:]
        name = parts[-1]
        if name.endswith((".html", ".htm")):
            if len(parts) == 1 and name == "index.html":
                return ENTRIES                       # a home page
            if parts[0] in _DETAIL_FOLDERS and len(parts) > 2:
                return DETAILS                       # a product, lot, producer or sales point page
            return PAGES
        if name.endswith(_ENTRY_SUFFIXES) or name in _ENTRY_NAMES:
            return ENTRIES                           # sitemaps, feeds, catalog.*, GeoJSON, service worker
        return ASSETS


# --- what to do (pure) --------------------------------------------------------------------

@dataclass(frozen=True)
class LocalFile:
    key: str
    path: str
    size: int
    sha256: str
    content_type: str
    cache_control: str
    phase: int


@dataclass(frozen=True)
class RemoteFile:
    key: str
    size: int
    sha256: Optional[str] = None          # None: not known (not written by ocop-site)
    content_type: Optional[str] = None    # None where the target keeps no headers (a folder)
    cache_control: Optional[str] = None


@dataclass(frozen=True)
class Upload:
    file: LocalFile
    reason: str       # new | changed | headers | forced


@dataclass
class Plan:
    uploads: list[Upload] = field(default_factory=list)    # in upload order
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def upload_bytes(self) -> int:
        return sum(u.file.size for u in self.uploads)

    def phases(self) -> list[list[Upload]]:
        out: list[list[Upload]] = [[] for _ in PHASE_NAMES]
        for u in self.uploads:
            out[u.file.phase].append(u)
        return out


def plan_sync(local: dict[str, LocalFile], remote: dict[str, RemoteFile], force: bool = False,
              headers: bool = True) -> Plan:
    """The uploads (new and changed files, phase by phase) and deletions (what the target holds that
    the output does not) that make the target equal to the output. ``headers``: the target keeps
    content types and cache policies, so a file whose rules changed is sent again."""
    plan = Plan()
    for key in sorted(local, key=lambda k: (local[k].phase, k)):
        want, have = local[key], remote.get(key)
        if have is None:
            plan.uploads.append(Upload(want, "new"))
        elif force:
            plan.uploads.append(Upload(want, "forced"))
        elif have.size != want.size or have.sha256 != want.sha256:
            plan.uploads.append(Upload(want, "changed"))
        elif headers and (have.content_type, have.cache_control) != (want.content_type, want.cache_control):
            plan.uploads.append(Upload(want, "headers"))
        else:
            plan.unchanged += 1
    plan.deletes = sorted(set(remote) - set(local))
    return plan


# --- remembered hashes --------------------------------------------------------------------

class State:
    """What a previous deploy to one target learnt, kept under ``.ocop-cache/deploy/``: the SHA-256
    of output files by size and modification time (so unchanged files are not read again), and of
    target objects by ETag (so the target's hashes need no request per object). An entry is used only
    while its size/time or ETag still match; losing the file costs time, never correctness."""

    VERSION = 1

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.local: dict[str, list] = {}
        self.remote: dict[str, list] = {}
        self._lock = threading.Lock()
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == self.VERSION:
                    self.local, self.remote = data["local"], data["remote"]
            except (OSError, ValueError, KeyError, TypeError):
                pass

    def remember(self, key: str, tag: str, sha256: str, content_type: Optional[str], cache_control: Optional[str]) -> None:
        with self._lock:
            self.remote[key] = [tag, sha256, content_type, cache_control]

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            data = json.dumps({"version": self.VERSION, "local": self.local, "remote": self.remote},
                              separators=(",", ":")).encode("utf-8")
        try:
            write_atomic(self.path, data)
        except OSError:
            pass    # only an optimisation


def state_path(cache_dir: Path, target: Any) -> Path:
    ident = json.dumps([target.url, target.endpoint_url or ""])
    return cache_dir / "deploy" / f"{hashlib.sha256(ident.encode()).hexdigest()[:16]}.json"


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def scan_output(output: Path, rules: Rules, state: State, workers: int = WORKERS) -> dict[str, LocalFile]:
    """Every file of the output (but the marker), with its hash and headers. Only files whose size
    or modification time differ from what ``state`` remembers are read (in parallel: hashlib lets
    other threads run while it hashes)."""
    known = state.local
    fresh: dict[str, list] = {}
    unknown: list[tuple[str, str, int, int]] = []
    pending = [(str(output), "")]
    while pending:
        folder, base = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                key = base + entry.name
                if entry.is_dir(follow_symlinks=True):
                    pending.append((entry.path, key + "/"))
                    continue
                if key == MARKER:
                    continue
                st = entry.stat()
                seen = known.get(key)
                if seen and seen[0] == st.st_size and seen[1] == st.st_mtime_ns:
                    fresh[key] = seen
                else:
                    unknown.append((key, entry.path, st.st_size, st.st_mtime_ns))
    if unknown:
        with ThreadPoolExecutor(max(1, min(workers, 8))) as pool:
            for (key, _path, size, mtime), sha in zip(unknown, pool.map(lambda u: _sha256_file(u[1]), unknown)):
                fresh[key] = [size, mtime, sha]
    state.local = fresh
    root = str(output)
    return {key: LocalFile(key, f"{root}/{key}", size, sha, rules.content_type(key), rules.cache_control(key),
                           rules.phase(key)) for key, (size, _mtime, sha) in fresh.items()}


# --- targets ------------------------------------------------------------------------------

class S3Store:
    """A bucket (and key prefix) of AWS S3 or an S3-compatible service, through boto3."""

    keeps_headers = True

    def __init__(self, target: Any, workers: int = WORKERS):
        import boto3
        import botocore.session
        from botocore.config import Config

        parts = urlsplit(target.url)
        self.bucket = parts.netloc
        prefix = unquote(parts.path).strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.endpoint = target.endpoint_url
        self.where = f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint}" if self.endpoint else "")
        from botocore.exceptions import BotoCoreError

        try:
            core = botocore.session.get_session()
            # Timestamps are never used here, and parsing 1,000 of them per listing page is most of
            # the listing's time: keep them as the text received.
            core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
            session = boto3.session.Session(botocore_session=core)
            credentials = session.get_credentials()
            region = target.region or session.region_name or "us-east-1"
            config = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                            max_pool_connections=workers + 4,
                            s3={"addressing_style": "path"} if self.endpoint else {})
            self.client = session.client("s3", endpoint_url=self.endpoint, region_name=region, config=config)
            self.workers = workers
        except BotoCoreError as exc:     # a profile that does not exist, an unreadable ~/.aws/config…
            raise DeployError(f"the AWS configuration cannot be used for {self.where}: {exc}") from None
        if credentials is None:
            raise DeployError(f"no S3 credentials for {self.where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                              "or AWS_PROFILE with ~/.aws/credentials (never in site.yaml)")

    def describe(self, exc: BaseException) -> str:
        return s3_error(exc, self.where, self.bucket)

    def list(self, hints: Iterable[str] = ()) -> dict[str, tuple[int, str]]:
        """Every object under the prefix: key (relative to the prefix) → (size, ETag).

        A listing is 1,000 keys a request, one after the other: 370 requests for a national site.
        The output's own keys (``hints``), which are most of what the target holds, cut the key
        space into ranges of about :data:`LIST_RANGE` keys listed in parallel; range *i* holds
        the keys after boundary *i* up to boundary *i + 1*, so every key is listed exactly once
        — on a store that lists keys in the byte order S3 specifies. Some S3-compatible stores
        keep folders and list ``a/…`` before ``a.b`` (SeaweedFS does); a range that sees keys out
        of byte order says so, and the prefix is then listed again in one sequence, which needs
        no order at all."""
        keys = sorted(self.prefix + k for k in hints)
        bounds = keys[LIST_RANGE::LIST_RANGE]
        ranges = list(zip([None, *bounds], [*bounds, None]))
        with ThreadPoolExecutor(max(1, min(self.workers, len(ranges)))) as pool:
            parts = list(pool.map(lambda r: self._list_range(*r), ranges))
        if any(part is None for part in parts):
            parts = [self._list_range(None, None, in_order=False)]
        return {k: v for part in parts for k, v in part.items()}   # type: ignore[union-attr]

    def _list_range(self, after: Optional[str], upto: Optional[str],
                    in_order: bool = True) -> Optional[dict[str, tuple[int, str]]]:
        """The keys in (after, upto]; None when the store listed keys out of byte order (see list),
        unless ``in_order`` is False (the whole prefix in one sequence, whatever its order)."""
        out: dict[str, tuple[int, str]] = {}
        args = {"Bucket": self.bucket, "Prefix": self.prefix} | ({"StartAfter": after} if after else {})
        previous = after or ""
        for page in self.client.get_paginator("list_objects_v2").paginate(**args):
            passed = False    # the page reached past upto: finish it (to see its order), then stop
            for obj in page.get("Contents", ()):
                if in_order and obj["Key"] <= previous:
                    return None
                previous = obj["Key"]
                if upto is not None and obj["Key"] > upto:
                    passed = True
                    continue
                key = obj["Key"][len(self.prefix):]
                if key and not key.endswith("/"):
                    out[key] = (obj["Size"], obj["ETag"])
            if passed:
                break
        return out

    def head(self, key: str, tag: str) -> RemoteFile:
        from botocore.exceptions import ClientError

        try:
            r = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return RemoteFile(key, -1)      # deleted since the listing: sent again
            raise
        return RemoteFile(key, r["ContentLength"], r.get("Metadata", {}).get("sha256"),
                          r.get("ContentType"), r.get("CacheControl"))

    def upload(self, f: LocalFile) -> str:
        with open(f.path, "rb") as fh:
            body = fh.read()
        r = self.client.put_object(Bucket=self.bucket, Key=self.prefix + f.key, Body=body, ContentType=f.content_type,
                                   CacheControl=f.cache_control, Metadata={"sha256": f.sha256})
        return r["ETag"]

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            r = self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": self.prefix + k} for k in batch], "Quiet": True})
            errors = r.get("Errors") or []
            if errors:
                e = errors[0]
                raise DeployError(f"{self.where} refused to delete {e.get('Key')}: {e.get('Code')} {e.get('Message', '')}".rstrip())

    def finish(self) -> None:
        pass


def s3_error(exc: BaseException, where: str, bucket: str) -> str:
    """One line for what went wrong talking to S3."""
    from botocore import exceptions as bx

    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return f"no usable S3 credentials for {where}: {exc}"
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ConnectionClosedError)):
        return f"cannot reach {where}: {exc}"
    if isinstance(exc, bx.ReadTimeoutError):
        return f"{where} did not answer in time: {exc}"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "")) or str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        message = error.get("Message") or ""
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                    "AuthorizationHeaderMalformed", "InvalidClientTokenId"):
            return (f"{where} refused the credentials ({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                    f"(or the AWS profile)")
        if code in ("AccessDenied", "403", "Forbidden"):
            return f"{where} denied access ({code}): the credentials may not list, write or delete in bucket {bucket}"
        if code in ("NoSuchBucket", "404"):
            return f"there is no bucket {bucket} at {where.partition(' at ')[2] or 'AWS'}; create it first"
        return f"{where} answered an error: {code} {message}".rstrip()
    if isinstance(exc, bx.BotoCoreError):
        return f"S3 error with {where}: {exc}"
    if isinstance(exc, OSError):
        return f"cannot read {getattr(exc, 'filename', None) or 'a file'}: {exc.strerror or exc}"
    return f"{where}: {exc}"


class FolderStore:
    """A folder on this machine (a web server's root, a mounted share): files are replaced
    atomically, and the folder carries the ocop-site marker so that a deploy never empties a
    folder of something else."""

    keeps_headers = False

    def __init__(self, target: Any, base_url: Optional[str] = None):
        parts = urlsplit(target.url)
        self.root = Path(unquote(parts.path))
        self.where = str(self.root)
        self.base_url = base_url
        self._made: set[str] = set()

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, OSError):
            return f"cannot write {getattr(exc, 'filename', None) or self.root}: {exc.strerror or exc}"
        return f"{self.where}: {exc}"

    def list(self, hints: Iterable[str] = ()) -> dict[str, tuple[int, str]]:
        root = self.root
        if root.exists() and not root.is_dir():
            raise DeployError(f"the target {root} is a file, not a folder")
        if root.is_dir() and any(root.iterdir()) and not (root / MARKER).is_file():
            raise DeployError(f"the target folder {root} is not empty and was not written by ocop-site "
                              f"(no {MARKER} file); refusing to replace its files: empty it or choose another folder")
        out: dict[str, tuple[int, str]] = {}
        text = str(root)
        for folder, _dirs, files in os.walk(text):
            for name in files:
                path = os.path.join(folder, name)
                key = os.path.relpath(path, text).replace(os.sep, "/")
                if key == MARKER:
                    continue
                st = os.stat(path)
                out[key] = (st.st_size, _tag(st))
        return out

    def head(self, key: str, tag: str) -> RemoteFile:
        path = self.root / key
        return RemoteFile(key, path.stat().st_size, _sha256_file(str(path)))

    def claim(self) -> None:
        """Mark the folder as written by ocop-site (before the first file goes in)."""
        marker = self.root / MARKER
        if not marker.is_file():
            write_atomic(marker, marker_text(None, self.base_url).encode("utf-8"))

    def upload(self, f: LocalFile) -> str:
        target = self.root / f.key
        if target.is_dir():      # a folder where a file now goes
            shutil.rmtree(target)
        for parent in reversed(target.relative_to(self.root).parents[:-1]):
            if (self.root / parent).is_file():    # a file where a folder now goes
                (self.root / parent).unlink()
        with open(f.path, "rb") as fh:
            write_atomic(target, fh.read())
        return _tag(target.stat())

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            path = self.root / key
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            parent = path.parent
            while parent != self.root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def finish(self) -> None:
        write_atomic(self.root / MARKER, marker_text(None, self.base_url).encode("utf-8"))


def open_store(target: Any, base_url: Optional[str], workers: int = WORKERS):
    scheme = urlsplit(target.url).scheme.lower()
    if scheme == "s3":
        return S3Store(target, workers)
    return FolderStore(target, base_url)


# --- doing it -----------------------------------------------------------------------------

@dataclass
class Summary:
    target: str = ""
    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    plan: Optional[Plan] = None


def same_url(a: str, b: str) -> bool:
    return a.rstrip("/") + "/" == b.rstrip("/") + "/"


def check_output_folder(output: Path, target: Any) -> Optional[str]:
    """Refuse an output that is not a complete ocop-site build, or one built for another address
    than the target serves. Returns the base_url the output was built for."""
    if not output.is_dir():
        raise DeployError(f"there is no build in {output}: run 'ocop-site build' first")
    if not (output / MARKER).is_file():
        raise DeployError(f"{output} is not an ocop-site build (no {MARKER} file): "
                          "deploy publishes only what 'ocop-site build' wrote")
    if output_state(output) is None:
        raise DeployError(f"{output} is not a complete build (its marker names no finished state: a build "
                          "was stopped while publishing, or is publishing now); run 'ocop-site build' first")
    built_for = marker_base_url(output)
    if target.public_url:
        if built_for is None:
            raise DeployError(f"{output} does not record the base_url it was built for (an older build); "
                              f"build again before deploying to {target.name}")
        if not same_url(built_for, target.public_url):
            raise DeployError(f"{output} was built for {built_for} but target {target.name} serves "
                              f"{target.public_url}; build with --base-url {target.public_url} (or fix public_url)")
    return built_for


def deploy(output: Path, target: Any, rules: Rules, cache_dir: Optional[Path], *, dry_run: bool = False,
           force: bool = False, max_deletes: int = MAX_DELETES, workers: int = WORKERS,
           confirm: Optional[Callable[[Plan], bool]] = None, listing: Optional[Callable[[str], None]] = None,
           progress: Optional[Callable[[int, int, int], None]] = None) -> Summary:
    """Make ``target`` hold exactly the files of ``output``. Raises :class:`DeployError`."""
    started = time.perf_counter()
    output = output.resolve()
    built_for = check_output_folder(output, target)
    state = State(state_path(cache_dir, target) if cache_dir is not None else None)
    store = open_store(target, built_for, workers)
    if isinstance(store, FolderStore):
        there = store.root.resolve()
        if there == output or there.is_relative_to(output) or output.is_relative_to(there):
            raise DeployError(f"the target folder {store.root} overlaps the output {output}; choose a folder outside it")
    summary = Summary(target=f"{target.name} ({store.where})", dry_run=dry_run)

    def talk(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except DeployError:
            raise
        except Exception as exc:
            raise DeployError(store.describe(exc)) from None

    try:
        local = scan_output(output, rules, state, workers)
    except OSError as exc:
        raise DeployError(f"cannot read {exc.filename or output}: {exc.strerror or exc}") from None
    listed = talk(lambda: store.list(local))
    remote = talk(lambda: _remote_files(store, listed, local, state, workers))
    plan = plan_sync(local, remote, force, headers=store.keeps_headers)
    summary.plan = plan
    summary.unchanged = plan.unchanged
    if listing is not None:
        for u in plan.uploads:
            listing(f"upload  {u.file.key}  ({u.reason}, {u.file.size:,} bytes, {u.file.content_type}, {u.file.cache_control})")
        for key in plan.deletes:
            listing(f"delete  {key}")
    if len(plan.deletes) > max_deletes:
        raise DeployError(f"{len(plan.deletes):,} files would be deleted from {store.where}, more than --max-deletes "
                          f"{max_deletes}; check that {output} is the right build, or raise --max-deletes")
    if dry_run:
        summary.seconds = time.perf_counter() - started
        state.save()
        return summary
    if confirm is not None and (plan.uploads or plan.deletes) and not confirm(plan):
        raise DeployError("not confirmed; nothing was changed")

    if isinstance(store, FolderStore):
        talk(store.claim)
    total, done, sent = len(plan.uploads), 0, 0
    lock = threading.Lock()

    def send(u: Upload) -> None:
        nonlocal done, sent
        tag = store.upload(u.file)
        state.remember(u.file.key, tag, u.file.sha256, u.file.content_type if store.keeps_headers else None,
                       u.file.cache_control if store.keeps_headers else None)
        with lock:
            done += 1
            sent += u.file.size
            if progress is not None:
                progress(done, total, sent)

    try:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for batch in plan.phases():
                if not batch:
                    continue
                futures = [pool.submit(send, u) for u in batch]
                finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
                for f in pending:
                    f.cancel()
                for f in finished:
                    if f.exception() is not None:
                        talk(lambda f=f: f.result())
                if len(batch) >= 1000:    # a long deploy remembers as it goes (a save costs a second at national size)
                    state.save()
        if plan.deletes:
            talk(lambda: store.delete(plan.deletes))
        with state._lock:
            for key in plan.deletes:
                state.remote.pop(key, None)
        talk(store.finish)
    finally:
        state.save()
        summary.uploaded, summary.uploaded_bytes = done, sent
    summary.deleted = len(plan.deletes)
    summary.seconds = time.perf_counter() - started
    return summary


def _remote_files(store, listed: dict[str, tuple[int, str]], local: dict[str, LocalFile], state: State,
                  workers: int) -> dict[str, RemoteFile]:
    """What the target holds, with hashes: remembered by ETag, else asked (HEAD) for the objects
    the output also has at the same size (any other is new, changed or to delete anyway)."""
    remote: dict[str, RemoteFile] = {}
    ask: list[tuple[str, int, str]] = []
    known = state.remote
    for key, (size, tag) in listed.items():
        seen = known.get(key)
        if seen and seen[0] == tag:
            remote[key] = RemoteFile(key, size, seen[1], seen[2], seen[3])
        elif key in local and local[key].size == size:
            ask.append((key, size, tag))
        else:
            remote[key] = RemoteFile(key, size)
    if ask:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for (key, _size, tag), found in zip(ask, pool.map(lambda a: store.head(a[0], a[2]), ask)):
                remote[key] = found
                if found.sha256:
                    state.remember(key, tag, found.sha256, found.content_type, found.cache_control)
    with state._lock:    # forget objects gone or replaced since
        state.remote = {k: v for k, v in state.remote.items() if k in listed and v[0] == listed[k][1]}
    return remote


def _tag(st: os.stat_result) -> str:
    """What a folder target remembers of a file it holds: it changes whenever the file is rewritten."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
