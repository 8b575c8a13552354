"""Rendering planned pages through the theme, on every core, and fingerprinting their inputs.

Forked workers share the views copy-on-write; each walks the same plan and renders its own share
(:class:`~.planning.Share`), so the plan is never held in memory and only results travel back.
A page whose fingerprint (:func:`fingerprint_base` plus its template and context, see
:class:`ContextText`) is unchanged and whose file is still there is not rendered again. Template
faults become E401 diagnostics at the template's file and line.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Optional

import jinja2

from ..core.cache import code_version
from ..core.diagnostics import Diagnostic, Position
from ..core.routes import Routes
from ..core.workers import fork_map, forks, shared_bytes, shared_counter
from ..records.catalog import Catalog
from .planning import PageMeta, PlannedPage, Share
from .themes import Theme
from .views import (
    BatchView,
    CertView,
    ChannelView,
    Facet,
    Pagination,
    PriceRange,
    ProducerView,
    ProductSummary,
    ProductView,
    Ref,
    SalesPointView,
    StandardView,
    VariantView,
    Views,
)


def template_diagnostic(exc: Exception, roots: list[tuple[Path, str]]) -> Diagnostic:
    """E401 at the template file and line where rendering failed."""
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not isinstance(exc, jinja2.TemplateSyntaxError):
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt", ".svg", ".j2")):
                filename, lineno = frame.filename, frame.lineno
                break
    shown = filename or "template"
    for root, label in roots:
        try:
            shown = label + Path(filename).resolve().relative_to(root.resolve()).as_posix()
            break
        except (ValueError, TypeError):
            continue
    message = getattr(exc, "message", None) or str(exc)
    return Position(shown, lineno or 1, 1).error("E401", f"template error: {type(exc).__name__}: {message}")


@dataclass
class PageJob:
    """What every worker of the page stage needs (forked workers inherit it, nothing is pickled)."""

    env: jinja2.Environment
    plan: Callable[[Share], Iterator[Optional[PlannedPage]]]
    write: Callable[[str, bytes], None]
    roots: list[tuple[Path, str]]            # template folders and how diagnostics name them
    base: str = ""                           # fingerprint_base of the language
    previous: dict[str, str] = field(default_factory=dict)   # page path → fingerprint in the output
    output: Optional[Path] = None
    counter: Any = None                      # workers.shared_counter() of pages done, for progress
    product_views: Sequence[Any] = ()        # the language's product views, in the order plan shares them
    digests: Optional["SharedDigests"] = None   # made by render_pages for its workers


@dataclass
class PagesDone:
    """One worker's share of the pages, as it travels back."""

    rendered: int = 0                                          # pages rendered
    files: dict[str, int] = field(default_factory=dict)        # page path → size (-1: kept as it was)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)

    def add(self, other: PagesDone) -> None:
        self.rendered += other.rendered
        self.files.update(other.files)
        self.diagnostics += other.diagnostics
        self.fingerprints.update(other.fingerprints)


def _render_share(job: PageJob, index: int, parts: int) -> PagesDone:
    """Render every page of the plan that falls in share ``index`` of ``parts``."""
    env, write, roots, base, previous, output, counter = (job.env, job.write, job.roots, job.base, job.previous,
                                                          job.output, job.counter)
    files: dict[str, int] = {}
    prints: dict[str, str] = {}
    errors: dict[tuple, Diagnostic] = {}
    rendered = done = 0
    context_text = ContextText(job.digests)
    if job.digests is not None:   # this share's products first: the other workers read them from the table
        for view in job.product_views[Share(index, parts).block(len(job.product_views))]:
            context_text.view(view)
    for item in job.plan(Share(index, parts)):
        if item is None:
            continue
        done += 1
        if counter is not None and done % 100 == 0:
            with counter.get_lock():
                counter.value += 100
        fp = hashlib.blake2b((base + item.template + context_text(item.context)).encode("utf-8"),
                             digest_size=16).hexdigest()
        prints[item.path] = fp
        if previous.get(item.path) == fp and output is not None and (output / item.path).is_file():
            files[item.path] = -1
            continue
        try:
            data = env.get_template(item.template).render(item.context).encode("utf-8")
        except Exception as exc:  # any template fault is a diagnostic
            diag = template_diagnostic(exc, roots)
            errors.setdefault((diag.path, diag.line, diag.message), diag)
            continue
        write(item.path, data)
        files[item.path] = len(data)
        rendered += 1
    if counter is not None:
        with counter.get_lock():
            counter.value += done % 100
    return PagesDone(rendered, files, list(errors.values()), prints)


class ContextText:
    """The text of a page's context that goes into its fingerprint.

    A product view is in the context of its product page, of each of its lot pages, of listings,
    of its producer's page and of the sales points that sell it; its repr (certifications, lots,
    variants…) is the costly part, so each view is represented by a hash of its text, made once
    per worker. Lists, tuples and other dataclasses (a page's lot, the sales points grouped by
    province…) are written field by field so that the views in them are hashes too; anything
    else (text, numbers, dates, the page's metadata, map features) is its ``repr``. Views are
    remembered by identity: they live as long as the build, so an identity is never reused
    while remembered.
    """

    def __init__(self, shared: Optional["SharedDigests"] = None) -> None:
        self._views: dict[int, str] = {}
        self._shared = shared

    def view(self, value: Any) -> str:
        text = self._views.get(id(value))
        if text is None:
            product = type(value) is ProductView
            text = self._shared.get(value) if product and self._shared is not None else None
            if text is None:
                shown = repr(value) if product else self.fields(value)
                text = hashlib.blake2b(shown.encode("utf-8"), digest_size=16).hexdigest()
                if product and self._shared is not None:
                    self._shared.put(value, text)
            self._views[id(value)] = text
        return text

    def fields(self, value: Any) -> str:
        """A dataclass as its type and the fields its repr shows, each through :meth:`value`."""
        kind = type(value)
        names = _SHOWN.get(kind)
        if names is None:
            names = _SHOWN[kind] = tuple(f.name for f in fields(value) if f.repr)
        return kind.__name__ + "(" + ", ".join([f"{name}={self.value(getattr(value, name))}" for name in names]) + ")"

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind in _PLAIN:
            return repr(value)
        if kind in _VIEWS:
            return self.view(value)
        if kind is list:
            return "[" + ", ".join([self.value(v) for v in value]) + "]"
        if kind is tuple:
            return "(" + ", ".join([self.value(v) for v in value]) + ",)"
        if hasattr(kind, "__dataclass_fields__"):
            return self.fields(value)
        return repr(value)

    def __call__(self, context: dict[str, Any]) -> str:
        return "{" + ", ".join([f"{key!r}: {self.value(value)}" for key, value in context.items()]) + "}"


class SharedDigests:
    """The hashes :class:`ContextText` makes of product views, shared by the page workers.

    A product view is in its own pages, which one worker renders, but also in the listings, its
    producer's page and its sales points' pages, which all workers render: each worker would hash
    nearly every view, and a view's text is the costly part of fingerprints. Each worker hashes
    its own share of the products first and puts the hashes in this table (shared memory made
    before the fork); a view another worker has hashed is read from it, one not yet hashed is
    hashed again (the same text, so the same hash). A lock around every read and write orders the
    hash's bytes before its "ready" mark on every processor."""

    def __init__(self, views: Sequence[Any]):
        self._views = views   # held, so that the identities below stay theirs
        self._index = {id(view): n for n, view in enumerate(views)}
        self._table, self._lock = shared_bytes(17 * len(views))   # per view: its hash, then "ready"

    def get(self, view: Any) -> Optional[str]:
        n = self._index.get(id(view))
        if n is None:
            return None
        with self._lock:
            return bytes(self._table[17 * n:17 * n + 16]).hex() if self._table[17 * n + 16] else None

    def put(self, view: Any, text: str) -> None:
        n = self._index.get(id(view))
        if n is not None:
            with self._lock:
                self._table[17 * n:17 * n + 16] = bytes.fromhex(text)
                self._table[17 * n + 16] = 1


# no views in these: their repr (for a dataclass, one generated function instead of a call per field)
_PLAIN = frozenset({str, int, float, bool, type(None), date, dict, PageMeta, BatchView, CertView, VariantView, Ref, ProductSummary,
                    Facet, Pagination, PriceRange, ChannelView, StandardView})
_SHOWN: dict[type, tuple[str, ...]] = {}   # dataclass → names of the fields its repr shows
_VIEWS = (ProductView, ProducerView, SalesPointView)


def fingerprint_base(catalog: Catalog, theme: Theme, today: date, routes: Routes, lang: str,
                     static_hashes: dict[str, str], views: Views, config: Any) -> str:
    """What every page of a language depends on besides its own context: the code, the day, the
    settings, every template and catalog, and the site-wide parts templates read (navigation,
    facet counts). A page's fingerprint adds its template name and its context."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (code_version(), today.isoformat(), routes.base_url, lang, repr(config), repr(sorted(static_hashes.items())),
                 repr(views.pages), repr(views.categories), repr(views.stars), repr(views.provinces)):
        digest.update(part.encode("utf-8") + b"\0")
    for folder in (theme.templates, theme.root / "locale", catalog.root / "templates"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def render_pages(job: PageJob, workers: int, progress: Optional[Callable[[int, int], None]] = None,
                 meanwhile: Optional[Callable[[], None]] = None) -> PagesDone:
    """Render and write the pages ``job.plan(share)`` yields, on ``workers`` forked processes.

    Each worker walks the plan and builds and renders its own share (:class:`Share`): the plan
    is never held in memory as a whole and nothing is pickled but the results. ``meanwhile`` runs
    in this process while the workers render (see core.workers.fork_map).
    """
    parts = workers if forks(workers, workers, min_items=2) else 1
    if parts > 1 and progress:
        job.counter = shared_counter()
    job.digests = SharedDigests(job.product_views) if parts > 1 and job.product_views else None
    total = PagesDone()
    poll = (lambda: progress(job.counter.value, 0)) if job.counter is not None else None  # type: ignore[misc]
    for share in fork_map(lambda index: _render_share(job, index, parts), list(range(parts)), workers,
                          min_items=2, chunksize=1, while_waiting=poll, meanwhile=meanwhile):
        total.add(share)
    if progress:
        progress(len(total.fingerprints), 0)
    return total
