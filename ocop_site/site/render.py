"""The build of a site as named stages: assets → views → pages → exports → publish.

Each stage takes what the previous ones produced and nothing else:

- **assets** (:func:`assets_stage`): the theme and its static files, vendored scripts, icons,
  stories, processed images, QR codes and share cards — once per build, on every core, cached —
  and every file a page may link to, registered and then frozen (:mod:`.registry`);
- **views**, per language: pure functions of the catalog, the day and the frozen assets
  (:func:`.views.build_views`), and the search index made from them;
- **pages**, per language: planned (:mod:`.planning`), fingerprinted and rendered on every core
  (:mod:`.pages`);
- **exports**: open data, feeds, sitemaps, the web manifest and service worker
  (:func:`exports_stage`, all pure functions of the views);
- **publish**: static, vendored and media files copied or linked into the output
  (:class:`FileCopies`, started in the background as soon as the assets are known).

Template errors become diagnostics naming the template file and line (E401), and any error stops
the build before anything is published (``builder.py`` publishes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Optional

import jinja2

from ..core.cache import Cache, cache_folder
from ..core.diagnostics import Diagnostic, Position, has_errors
from ..core.routes import FILES, Routes
from ..core.safety import folder_problems, hidden_part
from ..core.workers import Background, fork_map, forks
from ..media import images as site_images
from ..media import qr as site_qr
from ..media import sharecard
from ..media.vendor import LICENSES as VENDOR_LICENSES
from ..media.vendor import vendor_files
from ..records.catalog import Catalog
from ..records.validity import standing
from . import exports, offline, search
from . import stats as site_stats
from .pages import PageJob, PagesDone, fingerprint_base, render_pages, template_diagnostic
from .planning import SiteContext, not_found_page, plan_pages, search_page, sitemap_entries
from .registry import Media
from .stories import StoryRenderer, upgrade_story_html
from .themes import Theme, ThemeError, find_theme, hash_static, make_environment, picture_macro, static_files
from .views import Views, build_views, site_path


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
    media: Media                     # the frozen asset registry of the build
    cache: Cache                     # the build's cache (processed images, QR codes, share cards)
    languages: dict[str, tuple[jinja2.Environment, SiteContext]] = field(default_factory=dict)


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


def search_labels(env: jinja2.Environment) -> dict[str, dict[str, str]]:
    """The theme's translated names of categories, producer types and sales point kinds
    (``labels`` in templates), for the search index."""
    labels = env.globals.get("labels")
    return {name: {str(k): str(v) for k, v in getattr(labels, name, {}).items() if k is not None}
            for name in ("category", "producer_type", "sales_point_kind")}


def template_roots(catalog: Catalog, theme: Theme) -> list[tuple[Path, str]]:
    """Where templates come from, for naming them in E401 diagnostics."""
    return [(catalog.root, ""), (theme.root.parent.parent, "")]


# --- assets -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assets:
    """What the assets stage made, read-only from then on."""

    theme: Theme
    static_dirs: tuple[Path, ...]
    static_hashes: Mapping[str, str]         # static file (under static/) → short hash, for ?v= in URLs
    vendor: Mapping[str, Path]               # vendored file (under static/) → its file in a Python package
    icon_files: Mapping[str, bytes]          # the generated icons, by output path
    media: Media                             # the frozen asset registry
    stories: StoryRenderer                   # every story's HTML, rendered once
    cache: Cache


def assets_stage(catalog: Catalog, today: date, routes: Routes, theme: Theme, cache: Cache, workers: int,
                 result: RenderResult, mark: Callable[[str], None],
                 views_of: Optional[str] = None) -> tuple[Assets, Optional[Views]]:
    """Everything pages link to, made once per build (not per language or page), on every core.

    With ``views_of`` (a language), while the workers draw the QR codes and share cards the cache
    lacks, this process builds that language's views from the registry as it will be once every
    card is drawn; they are returned when it is so (no card failed), else None (the views stage
    builds them). A first-ever build then spends no time on its views alone."""
    config, root = catalog.config, catalog.root
    static_dirs = (theme.static, root / "static")
    static_hashes = hash_static(list(static_dirs))
    # Leaflet & co. from their Python packages (media/vendor.py); a theme or site file of the same path wins
    vendor = {rel: path for rel, path in vendor_files().items() if rel not in static_hashes}
    static_hashes.update({rel: hashlib.sha256(path.read_bytes()).hexdigest()[:10] for rel, path in vendor.items()})
    icon_files: dict[str, bytes] = {}
    planned_codes: list[site_qr.CodePlan] = []

    def while_stories() -> None:
        """What needs no story, made while the workers render them: the icons (offline.py), unless
        the theme or site has its own file of the same path, and the plan of every page's QR code."""
        icon_files.update({rel: data for rel, data in offline.icons(list(static_dirs)).items()
                           if not rel.startswith("static/") or rel[len("static/"):] not in static_hashes})
        static_hashes.update({rel[len("static/"):]: hashlib.sha256(data).hexdigest()[:10]
                              for rel, data in icon_files.items() if rel.startswith("static/")})
        planned_codes.append(site_qr.plan_codes(catalog, today, routes, config.qr.campaign, cache))

    media = Media()
    # Stories first: rendering them registers the files and images they show.
    stories = StoryRenderer(root, routes.base_path, media)
    stories.render_all([(entry, loc) for entries in (catalog.producers, catalog.sales_points, catalog.pages)
                        for entry in entries.values() for loc in (None, *entry.localized.values())], workers,
                       meanwhile=while_stories)
    codes = planned_codes[0]
    result.stories = stories.rendered
    result.images = site_images.prepare_site_images(catalog, media, routes.base_path, workers, cache)
    result.diagnostics += result.images.diagnostics
    if media.story_images:   # their <img> become the theme's <picture>
        try:
            picture = picture_macro(make_environment(root, theme, config.languages[0], routes, static_hashes))
        except Exception as exc:
            result.diagnostics.append(template_diagnostic(exc, template_roots(catalog, theme)))
        else:
            stories.rewrite(lambda html: upgrade_story_html(html, media, routes.base_path, picture))
    mark("stories and images (QR codes planned meanwhile)")
    register_record_files(catalog, today, media)
    cards = sharecard.plan_all(catalog, today, routes, media, cache, places=True)
    # one pool for both: the cards (about 4 ms each) first, the codes (under 1 ms) fill the end;
    # the jobs name their maker by number (only they are pickled to the workers, not the plans)
    makers = (cards.make, codes.make)
    jobs = [(0, job) for job in cards.missing] + [(1, job) for job in codes.missing]
    early: list[Views] = []

    def views_meanwhile() -> None:
        hoped = media.thawed()      # the registry once every card is drawn (the views read the
        cards.finish([None] * len(cards.missing), routes, hoped)   # cards; QR codes are only copied)
        early.append(build_views(catalog, today, views_of, routes, hoped.freeze(), stories))

    made = list(fork_map(lambda job: makers[job[0]](job[1]), jobs, workers, min_items=16,
                         meanwhile=views_meanwhile if views_of and forks(workers, len(jobs), 16) else None))
    card_errors = cards.finish(made[:len(cards.missing)], routes, media)
    qr_files, qr_errors = codes.finish(made[len(cards.missing):])
    media.generated.update(qr_files)
    result.diagnostics += [Position("site.yaml").warning("W105", e) for e in qr_errors + card_errors]
    views = early[0] if early and not any(made[:len(cards.missing)]) else None   # no card failed
    mark("QR codes and share cards" + (f", views ({views_of}) alongside" if views is not None else ""))
    return Assets(theme, static_dirs, MappingProxyType(static_hashes), MappingProxyType(vendor),
                  MappingProxyType(icon_files), media.freeze(), stories, cache), views


def register_record_files(catalog: Catalog, today: date, media: Media) -> None:
    """Register the files records name that are published as they are: the base standard of each
    product with a page, which its views link to. (Every image a record names is processed or
    rejected by the image stage, so it is in the registry already.) Views then only read the
    frozen registry."""
    for entry in catalog.products.values():
        p = entry.record
        if p.standard and p.standard.document and standing(p, today).has_page:
            media.publish(site_path(entry.path, p.standard.document))


# --- views and pages, per language -------------------------------------------------------------

@dataclass
class LanguageDone:
    """What the views and pages stages of one language leave behind (for serve's previews)."""

    env: jinja2.Environment
    site: SiteContext


def language_stage(catalog: Catalog, today: date, routes: Routes, lang: str, assets: Assets, stats: Any,
                   emit: Callable[[str, bytes], None], pages: PageJob, workers: int, result: RenderResult,
                   template_error: Callable[[Diagnostic], None], progress, mark: Callable[[str], None],
                   alongside: Optional[Callable[[SiteContext], None]] = None,
                   views: Optional[Views] = None) -> Optional[LanguageDone]:
    """The views of ``lang`` (unless given: made by the assets stage), then its pages; while the
    workers render them, this process makes the search index and its page, and runs
    ``alongside(site)`` (the exports of the default language). None when the theme cannot load."""
    config = catalog.config
    if views is None:
        views = build_views(catalog, today, lang, routes, assets.media, assets.stories)
    stats = stats if stats is not None else site_stats.compute(views, config.expiring_soon_days)
    mark(f"views ({lang})")
    page_langs = {slug: tuple(e.localized) for slug, e in catalog.pages.items()}
    site = SiteContext(config, lang, config.languages, views, routes, today, page_langs, "", stats)
    common = {"site": site, "config": config, "views": views, "today": today, "languages": config.languages}
    try:
        env = make_environment(catalog.root, assets.theme, lang, routes, dict(assets.static_hashes), common)
    except Exception as exc:
        template_error(template_diagnostic(exc, pages.roots))
        return None
    pages.env = env
    pages.plan = lambda share: plan_pages(site, share)
    pages.product_views = views.products   # (plan_pages shares them in this order)
    pages.base = fingerprint_base(catalog, assets.theme, today, routes, lang, dict(assets.static_hashes), views, config)
    search_done: list[PagesDone] = []

    def meanwhile() -> None:
        """The search index and its page, and ``alongside``: nothing the workers' pages read."""
        producer_types = {slug: e.record.type for slug, e in catalog.producers.items()}
        folder, index_files = search.build_index(views, producer_types, search_labels(env),
                                                 routes.url("search", lang=lang))
        for name, data in index_files.items():
            emit(f"search/{folder}/{name}", data)
        site.search_index = routes.file_url(f"search/{folder}/")
        search_done.append(render_pages(replace(pages, plan=lambda share: iter([search_page(site)]), counter=None), 1))
        if alongside is not None:
            alongside(site)

    done = render_pages(pages, workers, progress, meanwhile=meanwhile)
    done.add(search_done[0])
    mark(f"pages, search index{' and exports' if alongside else ''} ({lang})")
    result.pages += done.rendered
    result.unchanged += sum(1 for size in done.files.values() if size < 0)
    result.files.update(done.files)
    result.fingerprints.update(done.fingerprints)
    for diag in done.diagnostics:
        template_error(diag)
    not_found = not_found_page(site)
    try:
        emit(not_found.path, env.get_template(not_found.template).render(not_found.context).encode("utf-8"))
    except Exception as exc:
        template_error(template_diagnostic(exc, pages.roots))
    return LanguageDone(env, site)


# --- exports ------------------------------------------------------------------------------------

def exports_stage(catalog: Catalog, routes: Routes, views: Views, stats: Any, assets: Assets) -> dict[str, bytes]:
    """Every file made from the default language's views: the icons and web manifest, open data
    (JSON, CSV, GeoJSON, each sales point's products), robots.txt, statistics, the feed, the
    sitemaps and the vendored scripts' licences — by output path. (The service worker, which
    names every page's fingerprint, is :func:`service_worker_file`.)"""
    config = catalog.config
    title = config.title
    out: dict[str, bytes] = dict(sorted(assets.icon_files.items()))
    out[FILES["manifest"]] = offline.manifest(config, routes, config.languages[0], config.description or title)
    out[FILES["catalog_json"]] = exports.catalog_json(views)
    out[FILES["catalog_csv"]] = exports.catalog_csv(views)
    out[FILES["geojson"]] = exports.sales_points_geojson(views)
    for sp in views.sales_points:
        out[routes.rel("sales_point_products", sp.slug)] = exports.sales_point_products_json(views, sp)
    out[FILES["robots"]] = exports.robots_txt(routes)
    out[FILES["stats_json"]] = site_stats.stats_json(stats)
    entry_title = lambda v: f"{v.name} — OCOP {v.stars}★"  # noqa: E731
    out[FILES["feed"]] = exports.atom_feed(views, routes, title, entry_title)
    out.update(exports.sitemap_files(sitemap_entries(catalog, views, routes), routes))
    for rel, text in sorted(VENDOR_LICENSES.items()):
        if any(r.startswith(rel.rsplit("/", 1)[0] + "/") for r in assets.vendor):
            out["static/" + rel] = text.encode("utf-8")
    return out


def service_worker_file(catalog: Catalog, routes: Routes, assets: Assets, fingerprints: Mapping[str, str]) -> bytes:
    """sw.js: the shell it keeps offline, and a cache version that changes with any page or static file."""
    static_hashes = assets.static_hashes
    shell = [routes.file_url("static/" + rel) + "?v=" + digest for rel, digest in sorted(static_hashes.items())
             if rel.endswith((".css", ".js", ".png", ".svg")) and not rel.startswith("vendor/")]
    version = offline.cache_version([f"{k} {v}" for k, v in sorted(fingerprints.items())]
                                    + [f"{k} {v}" for k, v in sorted(static_hashes.items())])
    languages = catalog.config.languages
    offline_pages = {routes.rel("home", lang=lang): routes.url("offline", lang=lang) for lang in languages}
    return offline.service_worker(routes, version, shell, offline_pages)


# --- publish: files copied or linked into the output --------------------------------------------

@dataclass(frozen=True)
class FileJob:
    """One file of the output that is copied (or hard-linked: ``link``) rather than rendered."""

    output: str                 # output path
    source: Path | str
    link: bool = False


_COPY_IN_BACKGROUND = 2000   # files; fewer are copied at the end, in this process


def file_jobs(assets: Assets, root: Path) -> list[FileJob]:
    """Every file copied into the output: vendored and static files, files pages link to, and
    processed images, QR codes and share cards (links: see output.place)."""
    jobs = [FileJob("static/" + rel, path) for rel, path in sorted(assets.vendor.items())]
    for folder in assets.static_dirs:
        if folder.is_dir():
            jobs += [FileJob("static/" + rel, path) for rel, path in static_files(folder)]
    # files named by records and stories were checked by then (safety.py); a hidden folder is never published
    media = assets.media
    jobs += [FileJob(out, root / source) for source, out in sorted(media.files.items()) if hidden_part(source) is None]
    jobs += [FileJob(out, cached, True) for out, cached in sorted(media.generated.items())]
    return jobs


class FileCopies:
    """The publish stage's files: known once the assets are, so at national scale a quarter of a
    million hard links are made in a forked process while this one builds views, the search index
    and pages; :meth:`finish` waits for them (and copies them here if that process failed)."""

    def __init__(self, copy: Callable[..., None], jobs: list[FileJob], workers: int):
        self.copy, self.jobs, self.workers = copy, jobs, workers
        self._background = Background(lambda: _copy_files(copy, jobs, 1),   # one thread: the parent needs the other core
                                      run_here=workers < 2 or len(jobs) < _COPY_IN_BACKGROUND)

    def finish(self) -> list[FileJob]:
        if not self._background.wait():
            _copy_files(self.copy, self.jobs, self.workers)
        return self.jobs

    def stop(self) -> None:
        self._background.stop()


def _copy_files(copy: Callable[..., None], jobs: list[FileJob], threads: int) -> None:
    """``copy`` every job, on ``threads`` threads past a thousand (a link is a system call, made
    without the GIL)."""
    if threads < 2 or len(jobs) <= 1000:
        for job in jobs:
            copy(job.output, job.source, link=job.link)
        return
    shares = [jobs[k::threads] for k in range(threads)]
    with ThreadPoolExecutor(len(shares)) as pool:
        for _ in pool.map(lambda share: [copy(job.output, job.source, link=job.link) for job in share], shares):
            pass


# --- the build --------------------------------------------------------------------------------

def render_site(catalog: Catalog, today: date, routes: Routes, write: Callable[[str, bytes], None],
                copy: Callable[..., None], workers: int = 1, previous: Optional[dict[str, str]] = None,
                output: Optional[Path] = None, progress: Optional[Callable[[int, int], None]] = None,
                keep_session: bool = False, mark: Callable[[str], None] = lambda stage: None,
                cache: Optional[Cache] = None) -> RenderResult:
    """Render every page and file of the site through ``write``/``copy``, stage by stage.

    ``previous`` maps page paths to the fingerprints of the build that wrote
    ``output``: a page whose fingerprint is unchanged and whose file is still
    there is not rendered again. With ``keep_session`` the result carries a
    :class:`Session`. ``mark(stage)`` is called as each stage ends (timings).
    """
    result = RenderResult()
    theme, result.diagnostics = site_theme(catalog)
    if theme is None or has_errors(result.diagnostics):
        return result
    cache = cache or Cache(cache_folder(catalog.root))
    assets, early_views = assets_stage(catalog, today, routes, theme, cache, workers, result, mark,
                                       views_of=catalog.config.languages[0])
    copies = FileCopies(copy, file_jobs(assets, catalog.root), workers)
    try:
        if keep_session:
            result.session = Session(catalog, today, routes, assets.media, cache)
        template_errors: dict[tuple, Diagnostic] = {}

        def template_error(diag: Diagnostic) -> None:
            """The same fault on many pages is reported once."""
            template_errors.setdefault((diag.path, diag.line, diag.message), diag)

        def emit(path: str, data: bytes) -> None:
            write(path, data)
            result.files[path] = len(data)

        pages = PageJob(None, None, write, template_roots(catalog, theme),  # type: ignore[arg-type]
                        previous=previous or {}, output=output)
        stats = None        # computed from the first language's views, shown in every language

        def exports(site: SiteContext) -> None:
            """The default language's exports, made while its pages render."""
            for path, data in exports_stage(catalog, routes, site.views, site.stats, assets).items():
                emit(path, data)

        for lang in catalog.config.languages:
            done = language_stage(catalog, today, routes, lang, assets, stats, emit, pages, workers, result,
                                  template_error, progress, mark, alongside=exports if stats is None else None,
                                  views=early_views if lang == catalog.config.languages[0] else None)
            if done is None:
                continue
            stats = done.site.stats
            if result.session is not None:
                result.session.languages[lang] = (done.env, done.site)

        result.diagnostics += assets.stories.diagnostics + list(template_errors.values())
        if template_errors or stats is None:
            return result
        emit(FILES["service_worker"], service_worker_file(catalog, routes, assets, result.fingerprints))
        mark("service worker")
        for job in copies.finish():
            result.files[job.output] = 0   # its size is not needed: only pages' sizes are (-1 marks a page kept)
        mark("static and media files")
        return result
    finally:
        copies.stop()
