"""Which pages a site has, and what each one shows: the plan the page stage renders.

:func:`plan_pages` yields every HTML page of one language as a :class:`PlannedPage` (output
path, template, context) with the metadata every page has (canonical URL, alternates, ``noindex``);
:func:`not_found_page` is the 404 page, and :func:`sitemap_entries` the indexable pages the
sitemaps list. A new page kind gets a route (``core/routes.py``), a view, and a line here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from ..core.routes import FILES, Routes
from ..records.catalog import Catalog
from . import exports
from . import stats as site_stats
from .views import ProducerView, ProductView, Ref, SalesPointView, Views, paginate, summary


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


def search_page(site: SiteContext) -> PlannedPage:
    """The language's search page. It names its index's folder, which is made while the other
    pages render (render.language_stage), so it is not in :func:`plan_pages`."""
    return _planned(site, "search", (), "search.html", None, noindex=True, search_index=site.search_index)


def not_found_page(site: SiteContext) -> PlannedPage:
    """The language's 404 page: served for any missing path, so it names no path of its own (its
    canonical URL is the home page's) and has no alternates."""
    routes, lang = site.routes, site.lang
    meta = PageMeta({"kind": "404", "title": None, "description": None, "canonical": routes.abs_url("home", lang=lang),
                     "alternates": {}, "alternate_urls": {}, "noindex": True, "status": None,
                     "path_url": routes.url("home", lang=lang)})
    prefix = "" if lang == site.languages[0] else f"{lang}/"
    return PlannedPage(prefix + FILES["not_found"], "404.html", {"page": meta})
