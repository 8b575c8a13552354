"""Assemble the catalog: discover files, read and validate each, then check across files.

Per-file work (:func:`load_file`) depends only on that file's bytes and the
site folder, so it can be cached and run in parallel; the cross-file checks
(duplicate codes, dangling references, missing images) are cheap and always
recomputed. Every problem becomes a :class:`Diagnostic`; nothing is raised for
bad data. With errors, the returned catalog still holds every record that is
sound, which is what ``build --keep-going`` publishes.
"""

from __future__ import annotations

import os
import pickle
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ..core.cache import Cache

from ..core.diagnostics import Diagnostic, Position, has_errors, shortened, sort_diagnostics
from ..core.routes import RESERVED
from ..core.safety import document_problem, nfd_hint, not_regular, publish_problem
from ..core.workers import fork_map, forks
from .fields import CODE_PATTERN, MAX_SLUG, SLUG_PATTERN, suggest
from .photos import probe_known, unusable_message
from .provinces import check_location
from .schema import (
    Page,
    Partial,
    Producer,
    ProducerEnglish,
    Product,
    Record,
    SalesPoint,
    SalesPointEnglish,
    SiteConfig,
    validate,
    validate_partial,
)
from .sources import (
    JUDGEABLE,
    MAX_FILE_BYTES,
    SourceMap,
    SourceText,
    file_digest,
    parse_yaml,
    read_text,
    relpath,
    split_front_matter,
)

PRODUCTS_DIR = "products"
PRODUCERS_DIR = "content/producers"
SALES_POINTS_DIR = "content/sales-points"
PAGES_DIR = "content/pages"

_CODE_RE = re.compile(CODE_PATTERN)
_SLUG_RE = re.compile(SLUG_PATTERN)
_LOCALIZED_RE = re.compile(r"(?P<slug>[^.]+)\.(?P<lang>[a-z]{2,3})")


def parse_source(source: SourceText, kind: str, positions: bool = True
                 ) -> tuple[Any, Optional[SourceMap], str, int, list[Diagnostic]]:
    """YAML data of a record file: the whole file for products, the front matter otherwise.

    Returns (data, source map or None without front matter, Markdown body, its first line, diagnostics).
    Without ``positions`` the source map is empty (see parse_yaml).
    """
    if kind == "product":
        data, smap, diags = parse_yaml(source, positions=positions)
        return data, smap, "", 0, diags
    front, offset, body, body_line, diags = split_front_matter(source)
    if front is None:
        return None, None, "", 0, diags
    data, smap, more = parse_yaml(source, front, offset, positions=positions)
    return data, smap, body, body_line, diags + more


class LazySourceMap:
    """A file's SourceMap, recomputed on first use.

    Cached per-file results leave positions out (they are most of a record's
    size and rarely needed): a cross-file diagnostic re-reads the one file it
    points into.
    """

    def __init__(self, root: Path, path: str, kind: str):
        self.root, self.path, self.kind = root, path, kind
        self._smap: Optional[SourceMap] = None

    def _load(self) -> SourceMap:
        if self._smap is None:
            source, _ = read_text(self.root / self.path, self.root)
            smap = parse_source(source, self.kind)[1] if source is not None else None
            self._smap = smap or SourceMap(SourceText(self.path, ""))
        return self._smap

    def value(self, loc):
        return self._load().value(loc)

    def key(self, loc):
        return self._load().key(loc)


@dataclass(frozen=True)
class Localized:
    """A translation file (``<slug>.en.md``): translated fields and body."""

    path: str
    record: Record
    body: str
    body_line: int
    digest: str = ""


@dataclass(frozen=True)
class Entry:
    """One valid source record, with where it came from."""

    key: str                 # product code or slug
    path: str                # site-relative path of the file
    record: Any              # Product | Producer | SalesPoint | Page
    smap: SourceMap = field(repr=False, compare=False)
    body: str = ""           # Markdown body (producers, sales points, pages)
    body_line: int = 0       # 0-based line of the body's first line
    localized: dict[str, Localized] = field(default_factory=dict)
    digest: str = ""         # hash of the file's bytes

    def __repr__(self) -> str:
        """Short and exact: pages' fingerprints include it (see render.fingerprint_base)."""
        translations = ",".join(f"{lang}@{loc.digest}" for lang, loc in sorted(self.localized.items()))
        return f"Entry({self.path}@{self.digest};{translations})"


@dataclass(frozen=True)
class Catalog:
    root: Path
    config: SiteConfig
    products: dict[str, Entry]
    producers: dict[str, Entry]
    sales_points: dict[str, Entry]
    pages: dict[str, Entry]
    skipped: tuple[str, ...] = ()   # files left out because of errors
    #: (path, Markdown body, its first line) of every story read, those of files with errors too, so that
    #: their faults are reported with the rest (site/stories.py: story_diagnostics)
    stories: tuple[tuple[str, str, int], ...] = ()


@dataclass
class Loaded:
    """The result of the per-file stage."""

    path: str
    kind: str
    key: str
    lang: Optional[str]
    record: Optional[Record]
    smap: Optional[SourceMap]
    body: str
    body_line: int
    diagnostics: list[Diagnostic]
    digest: str = ""          # hash of the file's bytes: the record is a function of it
    partial: Optional[Partial] = None   # what is sound of a record that failed (checked, never published)
    read: bool = True         # False: refused before reading (a link outside, a FIFO, too big, not UTF-8)


# --- site.yaml ----------------------------------------------------------------------------

def load_config(root: Path) -> tuple[Optional[SiteConfig], list[Diagnostic]]:
    path = root / "site.yaml"
    if not path.is_file():
        return None, [Position("site.yaml").error("E109", f"no site.yaml in {root}; is this a site folder?")]
    source, read = read_text(path, root)
    if source is None:
        return None, read
    data, smap, diags = parse_yaml(source)
    if read or diags:
        return None, read + diags
    config, diags = validate(SiteConfig, data, smap)
    if config is not None and len(set(config.languages)) != len(config.languages):
        diags.append(smap.value(("languages",)).error("E205", "languages: a language is listed twice"))
        config = None
    if config is not None:
        names = [t.name for t in config.deploy.targets]
        for i, name in enumerate(names):
            if name in names[:i]:
                diags.append(smap.value(("deploy", "targets", i, "name")).error(
                    "E205", f"deploy.targets.{i}.name: the target name '{name}' is used twice"))
                config = None
    return config, diags  # type: ignore[return-value]


# --- per file -----------------------------------------------------------------------------

def load_file(root: Path, path: Path, kind: str, languages: tuple[str, ...], positions: bool = True,
              folders: Optional[dict[str, bool]] = None) -> Loaded:
    """Read and validate one source file. ``kind``: product | producer | sales-point | page.

    Without ``positions`` the result has no source map, and a failed check finds its position by
    reading the file again (LazySourceMap): the workers of a large build, whose maps are dropped
    anyway, save about a third of the YAML work. ``folders``: see sources.read_text.
    """
    rel = relpath(path, root)
    stem = path.name.rsplit(".", 1)[0]
    lang = None
    if kind != "product":
        m = _LOCALIZED_RE.fullmatch(stem)
        if m:
            stem, lang = m["slug"], m["lang"]
    loaded = Loaded(rel, kind, stem, lang, None, None, "", 0, [])
    if lang is not None and lang not in languages[1:]:
        loaded.diagnostics.append(Position(rel).warning(
            "W102", f"'{lang}' is not one of the site's other languages ({', '.join(languages[1:]) or 'none'}); file ignored"))
        return loaded
    pattern, what = (_CODE_RE, "product code") if kind == "product" else (_SLUG_RE, "slug")
    if not pattern.fullmatch(stem):
        loaded.diagnostics.append(Position(rel).error(
            "E110", f"file name '{shortened(path.name)}': '{shortened(stem)}' is not a valid {what}"
            + (" (letters, digits, '.', '_', '-')" if kind == "product" else " (lowercase letters and digits separated by '-')")))
        return loaded
    if len(stem) > MAX_SLUG and kind != "product":   # (a code is at most 40 by its pattern)
        loaded.diagnostics.append(Position(rel).error(
            "E214", f"file name '{shortened(path.name)}': the slug is {len(stem)} characters long; a slug may have "
                    f"at most {MAX_SLUG} (it names a folder of the site)"))
        return loaded
    if kind == "page" and stem in RESERVED:
        loaded.diagnostics.append(Position(rel).error(
            "E110", f"file name '{shortened(path.name)}': '{shortened(stem)}' is reserved for the site's own pages; choose another name"))
        return loaded
    source, diags = read_text(path, root, folders)
    loaded.diagnostics += diags
    if source is None:
        loaded.read = False
        return loaded
    data, smap, loaded.body, loaded.body_line, diags = parse_source(source, kind, positions)
    if smap is None:
        loaded.diagnostics += diags
        return loaded
    loaded.smap = smap if positions else None
    loaded.diagnostics += diags
    if any(d.code not in JUDGEABLE for d in diags):
        return loaded
    model = _MODELS[kind][1 if lang else 0]
    places = smap if positions else LazySourceMap(root, rel, kind)   # positions for the checks below
    record, loaded.partial, diags = validate_partial(model, data, places)  # type: ignore[arg-type]
    loaded.diagnostics += diags
    code = (record or loaded.partial).code if kind == "product" and (record or loaded.partial) else None
    if code is not None and code != stem:
        loaded.diagnostics.append(places.value(("code",)).error(
            "E211", f"code: '{code}' differs from the file name '{shortened(path.name)}'; they must be the same"))
        record = None
    loaded.record = record
    return loaded


_MODELS: dict[str, tuple[type[Record], type[Record]]] = {
    "product": (Product, Product),
    "producer": (Producer, ProducerEnglish),
    "sales-point": (SalesPoint, SalesPointEnglish),
    "page": (Page, Page),
}


#: Names an editor may give a record that the build does not read (only '.yaml' and '.md' are): warned
#: about (W106), so a product never vanishes silently.
_NEAR_SUFFIXES = {".yaml": (".yml", ".yaml"), ".md": (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt")}


def discover(root: Path, notes: Optional[list[Diagnostic]] = None) -> list[tuple[Path, str]]:
    """Every source file with its kind, in a stable order (by name; hidden files left out).

    One listing per folder: the entries say which are files, where a glob and a ``stat`` per file
    cost half a second for a national catalog. ``notes`` receives warnings about what is left out:
    a record saved under another extension (``X.yml``, ``X.YAML``, ``story.markdown``: W106) and a
    FIFO, socket or device in one of the record folders, whatever its name (W107; reading it would
    block)."""
    found: list[tuple[Path, str]] = []
    for folder, suffix, kind in ((PRODUCTS_DIR, ".yaml", "product"), (PRODUCERS_DIR, ".md", "producer"),
                                 (SALES_POINTS_DIR, ".md", "sales-point"), (PAGES_DIR, ".md", "page")):
        base = root / folder
        names = []
        try:
            with os.scandir(base) as entries:
                for e in entries:
                    if e.name.startswith("."):
                        continue
                    if e.is_file():
                        if e.name.endswith(suffix):
                            names.append(e.name)
                    elif e.is_dir():
                        continue
                    elif notes is not None and (what := not_regular(e.path)):
                        notes.append(Position(f"{folder}/{e.name}").warning(
                            "W107", f"this is {what}, not a file; it is skipped"))
                        continue
                    if e.name.endswith(suffix):
                        continue
                    if notes is not None and os.path.splitext(e.name)[1].lower() in _NEAR_SUFFIXES[suffix]:
                        stem = os.path.splitext(e.name)[0]
                        notes.append(Position(f"{folder}/{e.name}").warning(
                            "W106", f"this file is not read: {'product records' if kind == 'product' else 'stories'} "
                                    f"end in '{suffix}' (rename it {stem}{suffix})"))
        except OSError:   # no such folder
            continue
        found += [(base / name, kind) for name in sorted(names)]
    return found


# --- across files -------------------------------------------------------------------------

def _check_file(root: Path, entry_path: str, smap: SourceMap, loc: tuple, value: str) -> Optional[Diagnostic]:
    """An image or document path: relative to the file naming it, inside the site folder."""
    base = (root / entry_path).parent
    target = (base / value)
    try:
        resolved = target.resolve()
        inside = resolved.is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False
    name = next((p for p in reversed(loc) if isinstance(p, str)), "path")
    if not inside:
        return smap.value(loc).error("E304", f"{name}: '{shortened(value)}' leads outside the site folder")
    site_path = posixpath.normpath(posixpath.join(posixpath.dirname(entry_path), value))
    problem = publish_problem(root, site_path)
    if problem:
        return smap.value(loc).error("E308", f"{name}: '{shortened(value)}' {problem}")
    if (kind := not_regular(resolved)):   # never opened: reading it could block the build
        return smap.value(loc).error("E303", f"{name}: '{shortened(value)}' is {kind}, not a file")
    if not resolved.is_file():
        return smap.value(loc).error(
            "E303", f"{name}: '{shortened(value)}' does not exist (looked for {shortened(relpath(target, root))})"
                    + nfd_hint(target))
    if loc == ("standard", "document"):
        problem = document_problem(root, site_path)
        if problem:
            return smap.value(loc).error("E308", f"{name}: '{shortened(value)}' {problem}")
    return None


def _check_image(root: Path, entry_path: str, smap: SourceMap, loc: tuple, value: str) -> Optional[Diagnostic]:
    """An image named by a record that is not an image, unsupported, over the pixel limit or truncated:
    warning W104, and the page is published without it (a cheap look at the header and structure; see
    photos.probe). Missing files and paths leaving the site are _check_file's errors."""
    if loc[0] not in ("images", "logo") and loc[-1] != "packaging_image":
        return None
    target = (root / entry_path).parent / value
    try:
        if not (target.is_file() and target.resolve().is_relative_to(root.resolve())):
            return None
    except (OSError, RuntimeError):
        return None
    problem = probe_known(root, target)
    if problem is None:
        return None
    name = next((p for p in reversed(loc) if isinstance(p, str)), "path")
    return smap.value(loc).warning("W104", unusable_message(name, value, problem))


def _product_files(product: Product) -> list[tuple[tuple, str]]:
    """(place, path) of every file a product names (a Partial's unsound ones are None: left out)."""
    files: list[tuple[tuple, str]] = [(("images", i), img) for i, img in enumerate(product.images or ()) if img]
    files += [(("variants", i, "packaging_image"), v.packaging_image)
              for i, v in enumerate(product.variants or ()) if v is not None and v.packaging_image]
    if product.standard and product.standard.document:
        files.append((("standard", "document"), product.standard.document))
    return files


def _duplicates(items: list[tuple[tuple, str]], smap: SourceMap, what: str) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    out = []
    for loc, value in items:
        folded = value.casefold()
        if folded in seen:
            out.append(smap.value(loc).error(
                "E306", f"{loc[-1]}: {what} '{shortened(value)}' is listed twice (as '{shortened(seen[folded])}'; letter case does not count)"))
        else:
            seen[folded] = value
    return out


def check_product(root: Path, entry: Entry, producer_keys: set[str] | dict,
                  sales_point_keys: set[str] | dict) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """A product's checks against the rest of the site: (errors, warnings).

    References to producers and sales points, lots and SKUs unique, files that
    exist inside the site (errors); images that cannot be used (W104).
    """
    p: Product = entry.record   # or a Partial of one, whose unsound values are None
    sm = entry.smap
    found: list[Diagnostic] = []
    if p.producer is not None and p.producer not in producer_keys:
        found.append(sm.value(("producer",)).error(
            "E301", f"producer: there is no {PRODUCERS_DIR}/{p.producer}.md{suggest(p.producer, producer_keys)}"))
    for i, slug in enumerate(p.sales_points or ()):
        if slug is not None and slug not in sales_point_keys:
            found.append(sm.value(("sales_points", i)).error(
                "E302", f"sales_points: there is no {SALES_POINTS_DIR}/{slug}.md{suggest(slug, sales_point_keys)}"))
    found += _duplicates([(("batches", i, "lot"), b.lot) for i, b in enumerate(p.batches or ())
                          if b is not None and b.lot is not None], sm, "lot")
    found += _duplicates([(("variants", i, "sku"), v.sku) for i, v in enumerate(p.variants or ())
                          if v is not None and v.sku is not None], sm, "SKU")
    found += [d for loc, value in _product_files(p) if (d := _check_file(root, entry.path, sm, loc, value))]
    warnings = [d for loc, value in _product_files(p) if (d := _check_image(root, entry.path, sm, loc, value))]
    return found, warnings


def _location_warnings(entry: Entry) -> list[Diagnostic]:
    """W103 for the place names of a record (or of what is sound of one)."""
    location = getattr(entry.record, "location", None)
    if location is None or location.province is None:
        return []
    return [entry.smap.value(("location", name)).warning("W103", f"location.{name}: {message}")
            for name, message in check_location(location)]


def assemble(root: Path, config: SiteConfig, loaded: list[Loaded]) -> tuple[Catalog, list[Diagnostic]]:
    """Cross-file checks and the catalog of every sound record."""
    diags: list[Diagnostic] = [d for item in loaded for d in item.diagnostics]
    bad_paths = {item.path for item in loaded if has_errors(item.diagnostics)}
    by_kind: dict[str, list[Loaded]] = {}
    for item in loaded:
        by_kind.setdefault(item.kind, []).append(item)

    def entries(kind: str) -> tuple[dict[str, Entry], set[str]]:
        """Sound base records by key, and every key that has a file (sound or not)."""
        items = by_kind.get(kind, [])
        exists = {i.key for i in items if i.lang is None}
        out: dict[str, Entry] = {}
        for i in items:
            if i.lang is None and i.record is not None and i.path not in bad_paths:
                out[i.key] = Entry(i.key, i.path, i.record, i.smap, i.body, i.body_line, {},  # type: ignore[arg-type]
                                   i.digest)
        for i in items:
            if i.lang is None:
                continue
            if i.key not in exists:
                diags.append(Position(i.path).error("E307", f"there is no {i.key}.md for this translation"))
                bad_paths.add(i.path)
            elif i.record is not None and i.key in out:
                out[i.key].localized[i.lang] = Localized(i.path, i.record, i.body, i.body_line, i.digest)
        return out, exists

    producers, producer_keys = entries("producer")
    sales_points, sales_point_keys = entries("sales-point")
    pages, _ = entries("page")
    products, _ = entries("product")
    languages = set(config.languages[1:])

    # translations: blocks in the records themselves
    for entry in [*products.values(), *producers.values(), *sales_points.values()]:
        for lang in entry.record.translations:
            if lang not in languages:
                diags.append(entry.smap.key(("translations", lang)).warning(
                    "W102", f"translations: '{shortened(lang)}' is not one of the site's other languages "
                            f"({', '.join(sorted(languages)) or 'none'}); it is not published"))

    # place names: a unit of Vietnam before or after the July 2025 reform (W103; shown as written anyway)
    placed = {entry.path for entry in [*products.values(), *producers.values(), *sales_points.values()]}
    for entry in [*products.values(), *producers.values(), *sales_points.values()]:
        diags += _location_warnings(entry)

    # products: codes unique ignoring case, across all files (even broken ones)
    by_folded: dict[str, str] = {}
    for item in by_kind.get("product", []):
        folded = item.key.casefold()
        if folded in by_folded:
            where = item.smap.value(("code",)) if item.smap else Position(item.path)
            diags.append(where.error("E305", f"code '{item.key}' is also used by {by_folded[folded]} "
                                             "(codes must differ in more than letter case)"))
            bad_paths.add(item.path)
            products.pop(item.key, None)
        else:
            by_folded[folded] = item.path

    checked_products = list(products.values())
    for code, entry in list(products.items()):
        errors, warnings = check_product(root, entry, producer_keys, sales_point_keys)
        diags += warnings
        if entry.record.producer in producer_keys and entry.record.producer not in producers:
            bad_paths.add(entry.path)  # its producer has errors: cannot be published alone
        if errors:
            diags += errors
            bad_paths.add(entry.path)
        if entry.path in bad_paths:
            del products[code]

    for slug, entry in list(producers.items()):
        if entry.record.logo:
            d = _check_file(root, entry.path, entry.smap, ("logo",), entry.record.logo)
            w = _check_image(root, entry.path, entry.smap, ("logo",), entry.record.logo)
            diags += [w] if w else []
            if d:
                diags.append(d)
                bad_paths.add(entry.path)
                del producers[slug]
                for code in [c for c, e in products.items() if e.record.producer == slug]:
                    del products[code]

    # files with errors of their own (or left out with a sound record): what the checks across files can
    # still judge of them is reported too, so that fixing one layer does not reveal the next
    judged = {e.path for e in [*checked_products, *producers.values()]}
    for item in loaded:
        record = item.record if item.record is not None else item.partial
        if item.lang is not None or record is None or item.smap is None or item.path in judged:
            continue
        entry = Entry(item.key, item.path, record, item.smap)
        if item.kind == "product":
            errors, warnings = check_product(root, entry, producer_keys, sales_point_keys)
            diags += errors + warnings
        elif item.kind == "producer" and record.logo:
            diags += [d for d in (_check_file(root, item.path, item.smap, ("logo",), record.logo),
                                  _check_image(root, item.path, item.smap, ("logo",), record.logo)) if d]
        if item.path not in placed:
            diags += _location_warnings(entry)

    catalog = Catalog(
        root=root, config=config,
        products=dict(sorted(products.items())),
        producers=dict(sorted(producers.items())),
        sales_points=dict(sorted(sales_points.items())),
        pages=dict(sorted(pages.items())),
        skipped=tuple(sorted(bad_paths)),
        stories=tuple(sorted((i.path, i.body, i.body_line) for i in loaded if i.kind != "product" and i.body.strip())),
    )
    return catalog, sort_diagnostics(diags)


def load_catalog(root: Path, cache: Optional["Cache"] = None, workers: int = 1,
                 digests: Optional[dict[str, str]] = None) -> tuple[Optional[Catalog], list[Diagnostic]]:
    """Read, validate and assemble the whole site folder.

    Per-file results come from ``cache`` when the file's bytes are unchanged;
    the others are loaded on ``workers`` processes. The cross-file checks
    always run on the whole catalog. ``digests`` (path → content hash, from
    the builder's scan) saves reading files whose results are cached.
    """
    digests = digests or {}
    root = Path(root)
    config, diags = load_config(root)
    if config is None:
        return None, sort_diagnostics(diags)
    if not (root / PRODUCTS_DIR).is_dir():
        diags.append(Position(PRODUCTS_DIR).error("E109", f"there is no {PRODUCTS_DIR}/ folder in {root}"))
    files = discover(root, diags)
    stored = cache.record_keys() if cache is not None else set()
    loaded: list[Optional[Loaded]] = [None] * len(files)
    keys: list[Optional[str]] = [None] * len(files)
    hashes: list[str] = [""] * len(files)
    for i, (path, kind) in enumerate(files):
        known = digests.get(str(path))
        if known is None:
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                known = file_digest(path.read_bytes())
            except OSError:
                continue
        hashes[i] = known
        if cache is not None:
            keys[i] = cache.key(kind, relpath(path, root), ",".join(config.languages), known)
            if keys[i] in stored:
                loaded[i] = cache.get_record(keys[i])
    missing = [i for i, item in enumerate(loaded) if item is None]
    jobs = [(*files[i], keys[i]) for i in missing]
    used = {key for key in keys if key is not None}
    for i, item in zip(missing, _load_many(root, jobs, config.languages, workers, cache, used)):
        loaded[i] = item
    for item, digest in zip(loaded, hashes):
        if item is not None:
            item.digest = digest
            if item.smap is None:
                item.smap = LazySourceMap(root, item.path, item.kind)  # type: ignore[assignment]
    catalog, more = assemble(root, config, loaded)  # type: ignore[arg-type]
    return catalog, sort_diagnostics(diags + more)


def _load_stored(root: Path, languages: tuple[str, ...], folders: dict[str, bool],
                 job: tuple[Path, str, Optional[str]], pickled: bool) -> tuple[Loaded, bytes]:
    """load_file without the source map (positions are most of a record's size and are rarely
    needed after the file's own checks; a LazySourceMap finds them again). Returns the result
    and, when ``pickled`` asks, its bytes (what a worker sends back, and the cache stores)."""
    path, kind, key = job
    loaded = load_file(root, path, kind, languages, positions=False, folders=folders)
    return loaded, pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL) if pickled else b""


def _load_many(root: Path, jobs: list[tuple[Path, str, Optional[str]]], languages: tuple[str, ...], workers: int,
               cache: Optional["Cache"] = None, keep: Optional[set[str]] = None) -> list[Loaded]:
    """load_file over many (path, kind, cache key) jobs, on several processes when it pays; the
    results are stored in ``cache`` as one pack (``keep``: the keys the build uses, see
    Cache.put_records). A file refused before reading is not stored: why it was refused (a link
    leading outside, a FIFO) is not in its bytes, and the same bytes as a plain file must be read
    next time."""
    folders: dict[str, bool] = {}   # folders are resolved once per load (sources.read_text)
    if not forks(workers, len(jobs), _FORK_FROM):
        done = [_load_stored(root, languages, folders, job, pickled=cache is not None) for job in jobs]
    else:
        # each result comes pickled, and is loaded here while the workers go on with the next files
        pickled = fork_map(lambda job: _load_stored(root, languages, folders, job, pickled=True)[1], jobs, workers,
                           min_items=_FORK_FROM, chunksize=max(1, len(jobs) // (workers * 32)))
        done = [(pickle.loads(data), data) for data in pickled]
    if cache is not None:
        cache.put_records([(key, data) for (_, _, key), (loaded, data) in zip(jobs, done)
                           if key is not None and loaded.read], keep)
    return [loaded for loaded, _ in done]


_FORK_FROM = 400   # files: fewer are read faster in this process than forking costs
