"""Plan every page of the site, render it through the theme, and write the output.

``plan_pages`` lists (output path, template, context) for one language; the
renderer turns each into bytes. Template errors become diagnostics naming the
template file and line (E401), and any error stops the build before anything
is published.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Optional

import jinja2

from . import exports, offline, search, sharecard
from . import images as site_images
from . import qr as site_qr
from . import stats as site_stats
from .cache import code_version
from .catalog import Catalog, Entry, Localized
from .diagnostics import Diagnostic, Position, has_errors
from .markup import Media, render_markdown, unsafe_html_warnings
from .routes import FILES, Routes
from .safety import folder_problems, hidden_part
from .themes import Theme, ThemeError, find_theme, hash_static, make_environment, static_files
from .vendor import LICENSES as VENDOR_LICENSES
from .vendor import vendor_files
from .views import (
    BatchView,
    CertView,
    Facet,
    Pagination,
    ProducerView,
    ProductSummary,
    ProductView,
    Ref,
    SalesPointView,
    VariantView,
    Views,
    build_views,
    paginate,
    summary,
)
from .workers import Background, can_fork, frozen_before_fork, parallel_map, worker_start


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
    search_index: str = ""                   # URL of this language's search index folder
    stats: Any = None                        # site_stats.Stats, computed once per build


@dataclass
class RenderResult:
    files: dict[str, int] = field(default_factory=dict)   # every output path produced → page size (-1: page kept as it was; 0: a copied file)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pages: int = 0                                         # pages rendered
    unchanged: int = 0                                     # pages whose inputs had not changed (not rendered)
    fingerprints: dict[str, str] = field(default_factory=dict)   # page path → fingerprint of its inputs
    images: Any = None                                     # images.ImageRun: processed / from the cache / failed
    session: Optional["Session"] = None                    # kept for serve's previews when asked for
    stories: frozenset[str] = frozenset()                  # paths of the stories rendered (see story_diagnostics)


@dataclass
class Session:
    """What a build leaves behind for ``serve`` to show an edited product at once (see preview.py):
    the catalog it read and, per language, the environment and the site's views."""

    catalog: Catalog
    today: date
    routes: Routes
    media: Media
    assets: Any                      # images.Cache of processed images, QR codes and share cards
    languages: dict[str, tuple[jinja2.Environment, SiteContext]] = field(default_factory=dict)


def _story_source(entry: Entry, localized: Optional[Localized]) -> tuple[str, str, int]:
    """(path, Markdown body, its first line) of a story or of one of its translations."""
    if localized:
        return localized.path, localized.body, localized.body_line
    return entry.path, entry.body, entry.body_line


def _render_story(path: str, body: str, line: int, root: Path, base_path: str, media: Media
                  ) -> tuple[str, list[Diagnostic]]:
    """A story's HTML, and the diagnostics of its Markdown and of the HTML written in it."""
    html, diags = render_markdown(body, path, line, root, base_path, media)
    return html, diags + unsafe_html_warnings(body, path, line)


class StoryRenderer:
    """Markdown bodies → HTML, each rendered once, with its diagnostics collected."""

    def __init__(self, root: Path, base_path: str, media: Media):
        self.root, self.base_path, self.media = root, base_path, media
        self.diagnostics: list[Diagnostic] = []
        self._cache: dict[str, str] = {}

    def __call__(self, entry: Entry, localized: Optional[Localized]) -> str:
        return self._render(*_story_source(entry, localized))

    def _render(self, path: str, body: str, line: int) -> str:
        if path not in self._cache:
            html, diags = _render_story(path, body, line, self.root, self.base_path, self.media)
            self.diagnostics += diags
            self._cache[path] = html
        return self._cache[path]

    def render_all(self, jobs: list[tuple[Entry, Optional[Localized]]], workers: int = 1) -> None:
        """Render the stories of ``jobs`` ahead, on ``workers`` processes: at national scale there are
        thousands, and Markdown costs about half a millisecond each."""
        self.render_sources([_story_source(entry, localized) for entry, localized in jobs], workers)

    def render_sources(self, sources: list[tuple[str, str, int]], workers: int = 1) -> None:
        """Render (path, Markdown body, its first line) stories ahead, on ``workers`` processes. A child
        renders with its own empty :class:`Media` and sends back the files and story images it
        registered; they are merged in order, so the result is the one a loop over ``sources`` gives."""
        todo: dict[str, tuple[str, int]] = {}
        for path, body, line in sources:
            if path not in self._cache:
                todo.setdefault(path, (body, line))
        if workers < 2 or len(todo) < 200 or self.media.pictures:
            for path, (body, line) in todo.items():   # a picture already processed changes what publish() gives
                self._render(path, body, line)
            return
        root, base_path = self.root, self.base_path

        def render_one(job: tuple[str, str, int]) -> tuple[str, list[Diagnostic], dict[str, str], set[str]]:
            path, body, line = job
            media = Media()
            html, diags = _render_story(path, body, line, root, base_path, media)
            return html, diags, media.files, media.story_images

        jobs_todo = [(path, body, line) for path, (body, line) in todo.items()]
        for (path, _, _), (html, diags, files, shown) in zip(jobs_todo, parallel_map(render_one, jobs_todo, workers)):
            self._cache[path] = html
            self.diagnostics += diags
            self.media.files.update(files)
            self.media.story_images |= shown

    @property
    def rendered(self) -> frozenset[str]:
        """Paths of the stories rendered so far."""
        return frozenset(self._cache)

    def rewrite(self, fn: Callable[[str], str]) -> None:
        """Apply ``fn`` to every story rendered so far (images.prepare_site_images adds <picture> markup)."""
        self._cache = {path: fn(html) for path, html in self._cache.items()}


def site_theme(catalog: Catalog) -> tuple[Optional[Theme], list[Diagnostic]]:
    """The site's theme, or E402; with what the build must not read among the site's templates,
    static files and own theme (E304, W107). Build and check alike."""
    try:
        theme = find_theme(catalog.root, catalog.config.theme)
    except ThemeError as exc:
        return None, [Position("site.yaml").error("E402", str(exc))]
    root = catalog.root
    own_theme = [theme.root] if theme.root.parent == root / "themes" else []
    return theme, folder_problems(root, [root / "templates", root / "static", *own_theme])


def story_diagnostics(catalog: Catalog, rendered: frozenset[str] = frozenset(), workers: int = 1) -> list[Diagnostic]:
    """The diagnostics of every story a build renders or would render (E111, E303, E304, W101, W104),
    found the way the build finds them: by rendering it (nothing is published).

    ``check`` asks for all of them. ``build`` renders the stories of the records it publishes and asks
    here for the others (those not in ``rendered``): stories of files with errors (a broken front
    matter does not hide its story's faults), and all of them when it stops before rendering."""
    stories = StoryRenderer(catalog.root, "/", Media())
    stories.render_sources([s for s in catalog.stories if s[0] not in rendered], workers)
    return stories.diagnostics


class PageMeta(dict):
    """A page's metadata (``page`` in templates): a dict whose keys are also attributes, so that
    ``page.title`` is found at once instead of after a failed attribute lookup. The keys are copied
    into the instance's attributes when it is made (a dozen lookups a page, each of which would
    otherwise call ``__getattr__``); keys set later are still found through it."""

    def __init__(self, items: dict[str, Any]):
        super().__init__(items)
        self.__dict__.update(items)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _alternates(routes: Routes, kind: str, args: tuple, langs: tuple[str, ...], page: int = 1) -> dict[str, str]:
    return {lang: routes.abs_url(kind, *args, lang=lang, page=page) for lang in langs}


def _planned(site: SiteContext, kind: str, args: tuple, template: str, title: str | None, *, page_no: int = 1,
             description: str | None = None, noindex: bool = False, alternates_langs=None, **ctx) -> PlannedPage:
    """A page of ``kind`` with the metadata every page has (canonical, alternates, path)."""
    routes, lang = site.routes, site.lang
    langs = site.languages if alternates_langs is None else alternates_langs
    # one site-relative path per language; the URLs are that path under base_path and origin (Routes.url/abs_url)
    rels = {l: routes.path(kind, *args, lang=l, page=page_no) for l in langs}
    own = rels[lang] if lang in rels else routes.path(kind, *args, lang=lang, page=page_no)
    base, absolute = routes.base_path, routes.root
    meta = PageMeta({
        "kind": kind, "title": title, "description": description,
        "canonical": absolute + own,
        "alternates": {l: absolute + rel for l, rel in rels.items()},
        "alternate_urls": {l: base + rel for l, rel in rels.items()},
        "noindex": noindex, "status": ctx.pop("status", None),
        "path_url": base + own,
    })
    return PlannedPage(own + "index.html", template, {"page": meta, **ctx})


class Share:
    """One worker's share of the plan. Products with their lots (most of the pages) are cut into
    one contiguous block per worker: a worker then never touches the others' product views, which
    a forked process would have to copy page by page (and views made one after the other lie
    together in memory). The other pages are dealt out in turn: every ``parts``-th from ``index``.
    Each worker walks the same plan in the same order and builds the context of its own pages only."""

    def __init__(self, index: int = 0, parts: int = 1):
        self.index, self.parts, self.seen = index, parts, -1

    def mine(self) -> bool:
        self.seen += 1
        return self.seen % self.parts == self.index

    def block(self, count: int) -> slice:
        """This worker's part of ``count`` items, as a slice."""
        return slice(count * self.index // self.parts, count * (self.index + 1) // self.parts)


def product_pages(site: SiteContext, v: ProductView) -> Iterator[PlannedPage]:
    """A product's page and its lots' pages."""
    noindex = not v.standing.is_valid
    # the map of where to buy: this product's few points, from the GeoJSON export's code path
    features = exports.feature_collection(v.sales_point_views, products=False) \
        if v.standing.is_valid and v.sales_point_views else None
    yield _planned(site, "product", (v.code,), "product.html", v.name, description=v.description, noindex=noindex,
                   product=v, status=v.status, map_features=features)
    for b in v.batches:
        yield _planned(site, "lot", (v.code, b.batch.lot), "lot.html", v.name, noindex=noindex, product=v, batch=b,
                       status=v.status)
    # the status badge other sites show (a file, not a folder: no page metadata)
    yield PlannedPage(site.routes.path("badge", v.code, lang=site.lang), "badge.svg", {"product": summary(v)})


#: Products listed in an embed at most: it must stay light inside someone else's page; a link
#: under the list opens the full page with all of them.
EMBED_LIMIT = 30


def embed_page(site: SiteContext, kind: str, owner: Any) -> PlannedPage:
    """The framable list of the valid products of a sales point or a producer (``kind`` is its page kind)."""
    return _planned(site, kind + "_embed", (owner.slug,), "embed.html", owner.name, noindex=True,
                    alternates_langs=(), owner=Ref(owner.slug, owner.name, owner.abs_url), owner_kind=kind,
                    products=[summary(v) for v in owner.products[:EMBED_LIMIT]], total=len(owner.products))


def example_views(views: Views) -> tuple[Optional[ProductView], Optional[SalesPointView], Optional[ProducerView]]:
    """The live examples of the embedding help page: the valid product of the lowest code, the
    sales point and the producer with the most valid products (ties: the lowest slug)."""
    product = min(views.valid, key=lambda v: v.code, default=None)
    point = min((s for s in views.sales_points if s.products), key=lambda s: (-len(s.products), s.slug), default=None)
    producer = min((p for p in views.producers if p.products), key=lambda p: (-len(p.products), p.slug), default=None)
    return product, point, producer


def plan_pages(site: SiteContext, share: Optional[Share] = None) -> Iterator[Optional[PlannedPage]]:
    """Every HTML page of one language (None in place of pages not in ``share``)."""
    routes, lang, views = site.routes, site.lang, site.views
    langs = site.languages
    share = share or Share()

    def page(kind: str, args: tuple, template: str, title: str | None, **kw) -> Optional[PlannedPage]:
        return _planned(site, kind, args, template, title, **kw) if share.mine() else None

    for chunk, pagination in paginate(views.valid, lambda n: routes.url("home", lang=lang, page=n)):
        yield page("home", (), "home.html", None, page_no=pagination.page, products=chunk, pagination=pagination)

    # the valid products by category, stars and province, in one pass (each listing keeps their order)
    grouped: dict[str, dict[str, list[ProductView]]] = {"category": {}, "stars": {}, "province": {}}
    for v in views.valid:
        grouped["category"].setdefault(v.category, []).append(v)
        grouped["stars"].setdefault(str(v.stars), []).append(v)
        grouped["province"].setdefault(v.province_slug, []).append(v)
    facet_pages = [("category", f) for f in views.categories] + [("stars", f) for f in views.stars] \
        + [("province", f) for f in views.provinces]
    for kind, facet in facet_pages:
        items = grouped[kind].get(facet.key, [])
        for chunk, pagination in paginate(items, lambda n, k=kind, f=facet: routes.url(k, f.key, lang=lang, page=n)):
            yield page(kind, (facet.key,), "listing.html", None, page_no=pagination.page, facet=facet,
                       facet_kind=kind, products=chunk, pagination=pagination)
    yield page("search", (), "search.html", None, noindex=True, search_index=site.search_index)
    yield page("offline", (), "offline.html", None, noindex=True)
    yield page("categories", (), "facets.html", None, facet_kind="category", facets=views.categories)
    yield page("provinces", (), "facets.html", None, facet_kind="province", facets=views.provinces)

    for v in views.products[share.block(len(views.products))]:
        yield from product_pages(site, v)

    yield page("producers", (), "producers.html", None, producers=views.producers)
    for p in views.producers:
        yield page("producer", (p.slug,), "producer.html", p.name, description=p.address, producer=p)
        yield embed_page(site, "producer", p) if share.mine() else None
    yield page("sales_points", (), "sales_points.html", None, sales_points=views.sales_points,
               groups=views.sales_point_groups)
    for s in views.sales_points:
        yield page("sales_point", (s.slug,), "sales_point.html", s.name, description=s.address, sales_point=s,
                   map_features=exports.feature_collection([s], products=False))
        yield embed_page(site, "sales_point", s) if share.mine() else None
    example_product, example_point, example_producer = example_views(views)
    yield page("embed_help", (), "embed_help.html", None, example_product=example_product,
               example_point=example_point, example_producer=example_producer)
    if site.stats is not None:
        yield page("stats", (), "stats.html", None, stats=site_stats.StatsView(site.stats, lang))
    for pg in views.pages:
        translated = tuple(l for l in langs if l == langs[0] or l in site.page_langs.get(pg.slug, ()))
        yield page("page", (pg.slug,), "page.html", pg.title, description=pg.description, doc=pg,
                   alternates_langs=translated)


def search_labels(env: jinja2.Environment) -> dict[str, dict[str, str]]:
    """The theme's translated names of categories, producer types and sales point kinds
    (``labels`` in templates), for the search index."""
    labels = env.globals.get("labels")
    return {name: {str(k): str(v) for k, v in getattr(labels, name, {}).items() if k is not None}
            for name in ("category", "producer_type", "sales_point_kind")}


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


def render_site(catalog: Catalog, today: date, routes: Routes, write: Callable[[str, bytes], None],
                copy: Callable[..., None], workers: int = 1, previous: Optional[dict[str, str]] = None,
                output: Optional[Path] = None, progress: Optional[Callable[[int, int], None]] = None,
                keep_session: bool = False, mark: Callable[[str], None] = lambda stage: None) -> RenderResult:
    """Render every page and file of the site through ``write``/``copy`` (pages on ``workers`` processes).

    ``previous`` maps page paths to the fingerprints of the build that wrote
    ``output``: a page whose fingerprint is unchanged and whose file is still
    there is not rendered again. With ``keep_session`` the result carries a
    :class:`Session`. ``mark(stage)`` is called as each stage ends (timings).
    """
    result = RenderResult()
    config, root = catalog.config, catalog.root
    theme, result.diagnostics = site_theme(catalog)
    if theme is None or has_errors(result.diagnostics):
        return result
    static_dirs = [theme.static, root / "static"]
    static_hashes = hash_static(static_dirs)
    # Leaflet & co. from their Python packages (ocop_site/vendor.py); a theme or site file of the same path wins
    vendor = {rel: path for rel, path in vendor_files().items() if rel not in static_hashes}
    static_hashes.update({rel: hashlib.sha256(path.read_bytes()).hexdigest()[:10] for rel, path in vendor.items()})
    # the icons (offline.py), unless the theme or site has its own file of the same path
    icon_files = {rel: data for rel, data in offline.icons(static_dirs).items()
                  if not rel.startswith("static/") or rel[len("static/"):] not in static_hashes}
    static_hashes.update({rel[len("static/"):]: hashlib.sha256(data).hexdigest()[:10]
                          for rel, data in icon_files.items() if rel.startswith("static/")})
    media = Media()
    stories = StoryRenderer(root, routes.base_path, media)
    # Images, QR codes and share cards: once per build (not per language or page), on every core, cached.
    media_cache = site_images.Cache(site_images.default_cache_dir(root))
    result.images = site_images.prepare_site_images(catalog, media, stories, routes.base_path, workers, media_cache)
    result.diagnostics += result.images.diagnostics
    result.stories = stories.rendered   # every story of the catalog: the image stage renders them first
    mark("images")
    qr_files, qr_errors = site_qr.make_codes(catalog, today, routes, config.qr.campaign, workers, media_cache)
    media.generated.update(qr_files)
    mark("QR codes")
    card_errors = sharecard.make_cards(catalog, today, routes, media, workers, media_cache, places=True)
    mark("share cards")
    result.diagnostics += [Position("site.yaml").warning("W105", e) for e in qr_errors + card_errors]
    # Static, vendored and media files are known now: at national scale a quarter of a million hard
    # links, made in a forked process while this one builds views and the search index on one core.
    copy_jobs = _file_jobs(vendor, static_dirs, media, root)
    media_known = len(media.files) + len(media.generated)   # media are only ever added
    copies = Background(lambda: _copy_files(copy, copy_jobs, 1),   # one thread: the parent needs the other core
                        run_here=workers < 2 or len(copy_jobs) < _COPY_IN_BACKGROUND)
    try:
        roots = [(root, ""), (theme.root.parent.parent, "")]
        if keep_session:
            result.session = Session(catalog, today, routes, media, media_cache)
        template_errors: dict[tuple, Diagnostic] = {}

        def template_error(diag: Diagnostic) -> None:
            """The same fault on many pages is reported once."""
            template_errors.setdefault((diag.path, diag.line, diag.message), diag)

        def emit(path: str, data: bytes) -> None:
            write(path, data)
            result.files[path] = len(data)

        default_views: Optional[Views] = None
        page_langs = {slug: tuple(e.localized) for slug, e in catalog.pages.items()}
        producer_types = {slug: e.record.type for slug, e in catalog.producers.items()}
        for lang in config.languages:
            views = build_views(catalog, today, lang, routes, media, stories)
            if default_views is None:
                default_views = views
                stats = site_stats.compute(views, config.expiring_soon_days)
            mark(f"views ({lang})")
            site = SiteContext(config, lang, config.languages, views, routes, today, page_langs, "", stats)
            common = {"site": site, "config": config, "views": views, "today": today, "languages": config.languages}
            try:
                env = make_environment(root, theme, lang, routes, static_hashes, common)
            except Exception as exc:
                template_error(template_diagnostic(exc, roots))
                continue
            folder, index_files = search.build_index(views, producer_types, search_labels(env),
                                                     routes.url("search", lang=lang))
            for name, data in index_files.items():
                emit(f"search/{folder}/{name}", data)
            site.search_index = routes.file_url(f"search/{folder}/")
            mark(f"search index ({lang})")
            if result.session is not None:
                result.session.languages[lang] = (env, site)
            base = fingerprint_base(catalog, theme, today, routes, lang, static_hashes, views, config)
            pages, files, errors, prints = render_pages(env, lambda share, site=site: plan_pages(site, share), write, roots,
                                                        workers,
                                                        base, previous or {}, output, progress)
            mark(f"pages ({lang})")
            result.pages += pages
            result.unchanged += sum(1 for size in files.values() if size < 0)
            result.files.update(files)
            result.fingerprints.update(prints)
            for diag in errors:
                template_error(diag)
            try:
                nf = env.get_template("404.html").render(page={
                    "kind": "404", "title": None, "description": None, "canonical": routes.abs_url("home", lang=lang),
                    "alternates": {}, "alternate_urls": {}, "noindex": True, "status": None, "path_url": routes.url("home", lang=lang)})
                emit(("" if lang == config.languages[0] else f"{lang}/") + FILES["not_found"], nf.encode("utf-8"))
            except Exception as exc:
                template_error(template_diagnostic(exc, roots))

        result.diagnostics += stories.diagnostics + list(template_errors.values())
        if template_errors or default_views is None:
            return result

        views = default_views
        title = config.title
        for rel, data in sorted(icon_files.items()):
            emit(rel, data)
        emit(FILES["manifest"], offline.manifest(config, routes, config.languages[0], config.description or title))
        shell = [routes.file_url("static/" + rel) + "?v=" + digest for rel, digest in sorted(static_hashes.items())
                 if rel.endswith((".css", ".js", ".png", ".svg")) and not rel.startswith("vendor/")]
        version = offline.cache_version([f"{k} {v}" for k, v in sorted(result.fingerprints.items())]
                                        + [f"{k} {v}" for k, v in sorted(static_hashes.items())])
        offline_pages = {routes.rel("home", lang=lang): routes.url("offline", lang=lang) for lang in config.languages}
        emit(FILES["service_worker"], offline.service_worker(routes, version, shell, offline_pages))
        emit(FILES["catalog_json"], exports.catalog_json(views))
        emit(FILES["catalog_csv"], exports.catalog_csv(views))
        emit(FILES["geojson"], exports.sales_points_geojson(views))
        for sp in views.sales_points:
            emit(routes.rel("sales_point_products", sp.slug), exports.sales_point_products_json(views, sp))
        emit(FILES["robots"], exports.robots_txt(routes))
        emit(FILES["stats_json"], site_stats.stats_json(stats))
        entry_title = lambda v: f"{v.name} — OCOP {v.stars}★"  # noqa: E731
        emit(FILES["feed"], exports.atom_feed(views, routes, title, entry_title))
        for name, data in exports.sitemap_files(sitemap_entries(catalog, views, routes), routes).items():
            emit(name, data)
        mark("exports and sitemaps")

        for rel, text in sorted(VENDOR_LICENSES.items()):
            if any(r.startswith(rel.rsplit("/", 1)[0] + "/") for r in vendor):
                emit("static/" + rel, text.encode("utf-8"))
        done = copies.wait()
        # files registered since the copying started (none so far), and all of them again if it failed
        later: list[tuple[str, Path | str, bool]] = []
        if len(media.files) + len(media.generated) != media_known:
            copied = {rel for rel, _source, _link in copy_jobs}
            later = [job for job in _file_jobs(vendor, static_dirs, media, root) if job[0] not in copied]
        _copy_files(copy, later if done else copy_jobs + later, workers)
        for rel, _source, _link in copy_jobs + later:
            result.files[rel] = 0   # its size is not needed: only pages' sizes are (-1 marks a page kept)
        mark("static and media files")
        return result
    finally:
        copies.stop()


_COPY_IN_BACKGROUND = 2000   # files; fewer are copied at the end, in this process


def _file_jobs(vendor: dict[str, Path], static_dirs: list[Path], media: Media, root: Path
               ) -> list[tuple[str, Path | str, bool]]:
    """(output path, source, hard link?) of every file copied into the output: vendored and
    static files, files pages link to, and processed images, QR codes and share cards (links:
    see output.place)."""
    jobs: list[tuple[str, Path | str, bool]] = [("static/" + rel, path, False) for rel, path in sorted(vendor.items())]
    for folder in static_dirs:
        if folder.is_dir():
            jobs += [("static/" + rel, path, False) for rel, path in static_files(folder)]
    # files named by records and stories were checked by then (safety.py); a hidden folder is never published
    jobs += [(out, root / source, False) for source, out in sorted(media.files.items()) if hidden_part(source) is None]
    jobs += [(out, cached, True) for out, cached in sorted(media.generated.items())]
    return jobs


def _copy_files(copy: Callable[..., None], jobs: list[tuple[str, Path | str, bool]], threads: int) -> None:
    """``copy`` every job, on ``threads`` threads past a thousand (a link is a system call, made
    without the GIL)."""
    if threads < 2 or len(jobs) <= 1000:
        for rel, source, link in jobs:
            copy(rel, source, link=link)
        return
    shares = [jobs[k::threads] for k in range(threads)]
    with ThreadPoolExecutor(len(shares)) as pool:
        for _ in pool.map(lambda share: [copy(rel, source, link=link) for rel, source, link in share], shares):
            pass


# --- rendering pages, on one process or several -------------------------------------------

_WORK: Optional[tuple] = None   # set in the parent just before forking; children inherit it


def _render_part(part: tuple[int, int]) -> tuple[int, dict[str, int], list[Diagnostic], dict[str, str]]:
    """Render every ``parts``-th planned page, starting at ``index``, as one worker's share."""
    env, plan, write, roots, base, previous, output, counter = _WORK  # type: ignore[misc]
    index, parts = part
    if parts > 1:   # a forked worker
        worker_start()
    files: dict[str, int] = {}
    prints: dict[str, str] = {}
    errors: dict[tuple, Diagnostic] = {}
    rendered = done = 0
    context_text = ContextText()
    templates: dict[str, jinja2.Template] = {}   # get_template takes a lock and an LRU lookup each time
    for item in plan(Share(index, parts)):
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
            template = templates.get(item.template)
            if template is None:
                template = templates[item.template] = env.get_template(item.template)
            data = template.render(item.context).encode("utf-8")
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
    return rendered, files, list(errors.values()), prints


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

    def __init__(self) -> None:
        self._views: dict[int, str] = {}

    def view(self, value: Any) -> str:
        text = self._views.get(id(value))
        if text is None:
            shown = repr(value) if type(value) is ProductView else self.fields(value)
            text = self._views[id(value)] = hashlib.blake2b(shown.encode("utf-8"), digest_size=16).hexdigest()
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


# no views in these: their repr (for a dataclass, one generated function instead of a call per field)
_PLAIN = frozenset({str, int, float, bool, type(None), date, dict, PageMeta, BatchView, CertView, VariantView, Ref, ProductSummary,
                    Facet, Pagination})
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


def render_pages(env: jinja2.Environment, plan: Callable[[Share], Iterator[Optional[PlannedPage]]], write, roots, workers: int,
                 base: str = "", previous: Optional[dict[str, str]] = None, output: Optional[Path] = None,
                 progress: Optional[Callable[[int, int], None]] = None
                 ) -> tuple[int, dict[str, int], list[Diagnostic], dict[str, str]]:
    """Render and write the pages ``plan(share)`` yields.

    With several workers, forked processes share the views copy-on-write and
    each walks the plan, building and rendering every n-th page (its
    :class:`Share`): the plan is never held in
    memory as a whole and nothing is pickled but the results. ``gc.freeze``
    keeps the collector from touching (and so copying) the inherited objects.
    """
    global _WORK
    parallel = workers > 1 and can_fork()
    counter = multiprocessing.get_context("fork").Value("q", 0) if parallel and progress else None
    _WORK = (env, plan, write, roots, base, previous or {}, output, counter)
    try:
        if not parallel:
            results = [_render_part((0, 1))]
        else:
            frozen_before_fork()   # (no collection first: it walked every object of a national build for 1 s,
                                   # to free garbage the workers would never touch, and so never copy)
            try:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    pending = pool.map_async(_render_part, [(k, workers) for k in range(workers)], chunksize=1)
                    while not pending.ready():
                        pending.wait(0.25)
                        if progress and counter is not None:
                            progress(counter.value, 0)
                    results = pending.get()
            finally:
                gc.unfreeze()
        files: dict[str, int] = {}
        prints: dict[str, str] = {}
        errors: list[Diagnostic] = []
        rendered = 0
        for n, f, e, p in results:
            rendered += n
            files.update(f)
            errors += e
            prints.update(p)
        if progress:
            progress(len(prints), 0)
        return rendered, files, errors, prints
    finally:
        _WORK = None


def sitemap_entries(catalog: Catalog, views: Views, routes: Routes) -> list[tuple[str, dict[str, str]]]:
    """Indexable pages: home, facets, valid products, producers, sales points, free pages."""
    langs = catalog.config.languages
    keys: list[tuple[str, tuple, tuple[str, ...]]] = [("home", (), langs), ("categories", (), langs),
                                                      ("provinces", (), langs), ("producers", (), langs),
                                                      ("sales_points", (), langs), ("stats", (), langs),
                                                      ("embed_help", (), langs)]
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
