"""Plan every page of the site, render it through the theme, and write the output.

``plan_pages`` lists (output path, template, context) for one language; the
renderer turns each into bytes. Template errors become diagnostics naming the
template file and line (E401), and any error stops the build before anything
is published.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import jinja2

from . import exports
from .catalog import Catalog, Entry, Localized
from .diagnostics import Diagnostic, Position
from .markup import Media, render_markdown, unsafe_html_warnings
from .routes import FILES, Routes
from .themes import Theme, find_theme, hash_static, make_environment, ThemeError
from .views import Facet, ProductView, Views, build_views, paginate


@dataclass(frozen=True)
class PlannedPage:
    path: str                      # output path, e.g. "p/X/index.html"
    template: str
    context: dict[str, Any]


@dataclass
class SiteContext:
    """Per-language values every template sees."""

    config: Any
    lang: str
    languages: tuple[str, ...]
    views: Views
    routes: Routes
    today: date
    page_langs: dict[str, tuple[str, ...]]   # free page slug → languages it is written in


@dataclass
class RenderResult:
    files: dict[str, int] = field(default_factory=dict)   # output path → size
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pages: int = 0


class StoryRenderer:
    """Markdown bodies → HTML, each rendered once, with its diagnostics collected."""

    def __init__(self, root: Path, base_path: str, media: Media):
        self.root, self.base_path, self.media = root, base_path, media
        self.diagnostics: list[Diagnostic] = []
        self._cache: dict[str, str] = {}

    def __call__(self, entry: Entry, localized: Optional[Localized]) -> str:
        path, body, line = (localized.path, localized.body, localized.body_line) if localized else \
            (entry.path, entry.body, entry.body_line)
        if path not in self._cache:
            html, diags = render_markdown(body, path, line, self.root, self.base_path, self.media)
            self.diagnostics += diags + unsafe_html_warnings(body, path, line)
            self._cache[path] = html
        return self._cache[path]


def _alternates(routes: Routes, kind: str, args: tuple, langs: tuple[str, ...], page: int = 1) -> dict[str, str]:
    return {lang: routes.abs_url(kind, *args, lang=lang, page=page) for lang in langs}


def plan_pages(site: SiteContext) -> Iterator[PlannedPage]:
    """Every HTML page of one language."""
    routes, lang, views = site.routes, site.lang, site.views
    langs = site.languages

    def page(kind: str, args: tuple, template: str, title: str | None, *, page_no: int = 1,
             description: str | None = None, noindex: bool = False, alternates_langs=langs, **ctx) -> PlannedPage:
        meta = {
            "kind": kind, "title": title, "description": description,
            "canonical": routes.abs_url(kind, *args, lang=lang, page=page_no),
            "alternates": _alternates(routes, kind, args, alternates_langs, page_no),
            "alternate_urls": {l: routes.url(kind, *args, lang=l, page=page_no) for l in alternates_langs},
            "noindex": noindex, "status": ctx.pop("status", None),
            "path_url": routes.url(kind, *args, lang=lang, page=page_no),
        }
        return PlannedPage(routes.output_path(kind, *args, lang=lang, page=page_no), template,
                           {"page": meta, **ctx})

    for chunk, pagination in paginate(views.valid, lambda n: routes.url("home", lang=lang, page=n)):
        yield page("home", (), "home.html", None, page_no=pagination.page, products=chunk, pagination=pagination)

    facet_pages: list[tuple[str, Facet, Callable[[ProductView], bool]]] = []
    facet_pages += [("category", f, lambda v, f=f: v.category == f.key) for f in views.categories]
    facet_pages += [("stars", f, lambda v, f=f: str(v.stars) == f.key) for f in views.stars]
    facet_pages += [("province", f, lambda v, f=f: v.province_slug == f.key) for f in views.provinces]
    for kind, facet, pred in facet_pages:
        items = [v for v in views.valid if pred(v)]
        for chunk, pagination in paginate(items, lambda n, k=kind, f=facet: routes.url(k, f.key, lang=lang, page=n)):
            yield page(kind, (facet.key,), "listing.html", None, page_no=pagination.page, facet=facet,
                       facet_kind=kind, products=chunk, pagination=pagination)
    yield page("categories", (), "facets.html", None, facet_kind="category", facets=views.categories)
    yield page("provinces", (), "facets.html", None, facet_kind="province", facets=views.provinces)

    for v in views.products:
        noindex = not v.standing.is_valid
        yield page("product", (v.code,), "product.html", v.name, description=v.description, noindex=noindex,
                   product=v, status=v.status)
        for b in v.batches:
            yield page("lot", (v.code, b.batch.lot), "lot.html", v.name, noindex=noindex, product=v, batch=b,
                       status=v.status)

    yield page("producers", (), "producers.html", None, producers=views.producers)
    for p in views.producers:
        yield page("producer", (p.slug,), "producer.html", p.name, producer=p)
    yield page("sales_points", (), "sales_points.html", None, sales_points=views.sales_points)
    for s in views.sales_points:
        yield page("sales_point", (s.slug,), "sales_point.html", s.name, sales_point=s)
    for pg in views.pages:
        translated = tuple(l for l in langs if l == langs[0] or l in site.page_langs.get(pg.slug, ()))
        yield page("page", (pg.slug,), "page.html", pg.title, description=pg.description, doc=pg,
                   alternates_langs=translated)


def template_diagnostic(exc: Exception, roots: list[tuple[Path, str]]) -> Diagnostic:
    """E401 at the template file and line where rendering failed."""
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not isinstance(exc, jinja2.TemplateSyntaxError):
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt", ".j2")):
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


def render_site(catalog: Catalog, today: date, routes: Routes, write: Callable[[str, bytes], None],
                copy: Callable[[str, Path], None], workers: int = 1) -> RenderResult:
    """Render every page and file of the site through ``write``/``copy`` (pages on ``workers`` processes)."""
    result = RenderResult()
    config, root = catalog.config, catalog.root
    try:
        theme = find_theme(root, config.theme)
    except ThemeError as exc:
        result.diagnostics.append(Position("site.yaml").error("E402", str(exc)))
        return result
    static_dirs = [theme.static, root / "static"]
    static_hashes = hash_static(static_dirs)
    media = Media()
    stories = StoryRenderer(root, routes.base_path, media)
    roots = [(root, ""), (theme.root.parent.parent, "")]
    template_errors: dict[tuple, Diagnostic] = {}

    def emit(path: str, data: bytes) -> None:
        write(path, data)
        result.files[path] = len(data)

    default_views: Optional[Views] = None
    page_langs = {slug: tuple(e.localized) for slug, e in catalog.pages.items()}
    for lang in config.languages:
        views = build_views(catalog, today, lang, routes, media, stories)
        if default_views is None:
            default_views = views
        site = SiteContext(config, lang, config.languages, views, routes, today, page_langs)
        common = {"site": site, "config": config, "views": views, "today": today, "languages": config.languages}
        try:
            env = make_environment(root, theme, lang, routes, static_hashes, common)
        except Exception as exc:
            diag = template_diagnostic(exc, roots)
            template_errors.setdefault((diag.path, diag.line, diag.message), diag)
            continue
        pages, files, errors = render_pages(env, list(plan_pages(site)), write, roots, workers)
        result.pages += pages
        result.files.update(files)
        for diag in errors:
            template_errors.setdefault((diag.path, diag.line, diag.message), diag)
        try:
            nf = env.get_template("404.html").render(page={
                "kind": "404", "title": None, "description": None, "canonical": routes.abs_url("home", lang=lang),
                "alternates": {}, "alternate_urls": {}, "noindex": True, "status": None, "path_url": routes.url("home", lang=lang)})
            emit(("" if lang == config.languages[0] else f"{lang}/") + FILES["not_found"], nf.encode("utf-8"))
        except Exception as exc:
            diag = template_diagnostic(exc, roots)
            template_errors.setdefault((diag.path, diag.line, diag.message), diag)

    result.diagnostics += stories.diagnostics + list(template_errors.values())
    if template_errors or default_views is None:
        return result

    views = default_views
    title = config.title
    emit(FILES["catalog_json"], exports.catalog_json(views))
    emit(FILES["catalog_csv"], exports.catalog_csv(views))
    emit(FILES["geojson"], exports.sales_points_geojson(views))
    emit(FILES["robots"], exports.robots_txt(routes))
    entry_title = lambda v: f"{v.name} — OCOP {v.stars}★"  # noqa: E731
    emit(FILES["feed"], exports.atom_feed(views, routes, title, entry_title))
    for name, data in exports.sitemap_files(sitemap_entries(catalog, views, routes), routes).items():
        emit(name, data)

    for folder in static_dirs:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    rel = "static/" + path.relative_to(folder).as_posix()
                    copy(rel, path)
                    result.files[rel] = path.stat().st_size
    for source, out in sorted(media.files.items()):
        copy(out, root / source)
        result.files[out] = (root / source).stat().st_size
    return result


# --- rendering pages, on one process or several -------------------------------------------

_WORK: Optional[tuple] = None   # set in the parent just before forking; children inherit it


def _render_slice(bounds: tuple[int, int]) -> tuple[int, dict[str, int], list[Diagnostic]]:
    env, planned, write, roots = _WORK  # type: ignore[misc]
    files: dict[str, int] = {}
    errors: dict[tuple, Diagnostic] = {}
    for item in planned[bounds[0]:bounds[1]]:
        try:
            data = env.get_template(item.template).render(item.context).encode("utf-8")
        except Exception as exc:  # any template fault is a diagnostic
            diag = template_diagnostic(exc, roots)
            errors.setdefault((diag.path, diag.line, diag.message), diag)
            continue
        write(item.path, data)
        files[item.path] = len(data)
    return len(files), files, list(errors.values())


def available_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def render_pages(env: jinja2.Environment, planned: list[PlannedPage], write, roots,
                 workers: int) -> tuple[int, dict[str, int], list[Diagnostic]]:
    """Render and write pages. With several workers, forked processes share the views
    copy-on-write (nothing is pickled but the results); elsewhere one process does it all."""
    global _WORK
    _WORK = (env, planned, write, roots)
    try:
        if workers < 2 or len(planned) < 200 or "fork" not in multiprocessing.get_all_start_methods():
            return _render_slice((0, len(planned)))
        step = max(50, len(planned) // (workers * 8))
        slices = [(i, min(i + step, len(planned))) for i in range(0, len(planned), step)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_slice, slices, chunksize=1)
        files: dict[str, int] = {}
        errors: list[Diagnostic] = []
        for _, f, e in results:
            files.update(f)
            errors += e
        return len(files), files, errors
    finally:
        _WORK = None


def sitemap_entries(catalog: Catalog, views: Views, routes: Routes) -> list[tuple[str, dict[str, str]]]:
    """Indexable pages: home, facets, valid products, producers, sales points, free pages."""
    langs = catalog.config.languages
    keys: list[tuple[str, tuple, tuple[str, ...]]] = [("home", (), langs), ("categories", (), langs),
                                                      ("provinces", (), langs), ("producers", (), langs),
                                                      ("sales_points", (), langs)]
    keys += [("category", (f.key,), langs) for f in views.categories if f.count]
    keys += [("stars", (f.key,), langs) for f in views.stars if f.count]
    keys += [("province", (f.key,), langs) for f in views.provinces]
    keys += [("product", (v.code,), langs) for v in sorted(views.valid, key=lambda v: v.code)]
    keys += [("producer", (p.slug,), langs) for p in sorted(views.producers, key=lambda p: p.slug)]
    keys += [("sales_point", (s.slug,), langs) for s in sorted(views.sales_points, key=lambda s: s.slug)]
    for slug, entry in catalog.pages.items():
        keys.append(("page", (slug,), tuple(l for l in langs if l == langs[0] or l in entry.localized)))
    out = []
    for kind, args, page_langs in keys:
        alternates = _alternates(routes, kind, args, page_langs)
        out += [(alternates[lang], alternates) for lang in page_langs]
    return out
