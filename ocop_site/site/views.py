"""What the pages show: pure functions from the catalog and a day to view objects.

Views are built once per language. They hold everything a template needs —
localised text, the product's standing on the build day, URLs — so templates
stay free of rules. Only valid products enter listings, facets and exports;
expired and revoked ones get their own honest page and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from ..core.routes import Routes
from ..core.vietnamese import sort_key
from ..records.catalog import Catalog, Entry
from ..records.provinces import group as province_group
from ..records.schema import CATEGORIES, Batch, Certification, Price, Product
from ..records.validity import Standing, in_effect, standing, valid_until
from .registry import Media

PER_PAGE = 30


def pick(record: Any, lang: str, name: str) -> Any:
    """A field in ``lang`` when the record translates it, else the original."""
    tr = getattr(record, "translations", {}).get(lang)
    value = getattr(tr, name, None) if tr is not None else None
    return value if value else getattr(record, name)


def localized(entry: Entry, lang: str, name: str) -> Any:
    """A field from the ``<slug>.<lang>.md`` file, else the record's ``translations``, else the original."""
    loc = entry.localized.get(lang)
    value = getattr(loc.record, name, None) if loc else None
    return value or pick(entry.record, lang, name)


@dataclass(frozen=True)
class Ref:
    """A link to another page: enough for a name and an href."""

    key: str
    name: str
    url: str


@dataclass(frozen=True)
class CertView:
    # pydantic parts of views are left out of repr: they come from the record, which a view's
    # ``digest`` (a hash of the record's file) stands for in pages' fingerprints
    cert: Certification = field(repr=False)
    valid_until: date
    state: str            # in-effect | ended | revoked | future


@dataclass(frozen=True)
class BatchView:
    batch: Batch = field(repr=False)
    url: str
    abs_url: str
    cert: Optional[Certification] = field(repr=False)   # the one in effect on the production date
    cert_until: Optional[date] = None   # its valid_until
    qr_svg: str = ""                    # URLs of the lot page's QR code (p/CODE/lot/LOT/qr.svg|png)
    qr_png: str = ""


@dataclass(frozen=True)
class VariantView:
    sku: str
    label: str
    image: Optional[str]
    picture: Any = None             # images.Picture of the packaging image (responsive sizes)


@dataclass(frozen=True)
class PriceRange:
    """A product's price in đồng, from ``low`` to ``high``; one price when they are equal."""

    low: int
    high: int

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def price_range(price: Optional[Price]) -> Optional[PriceRange]:
    """The record's price as a range: a bound written alone is the price; None when neither is written."""
    if price is None or (price.min is None and price.max is None):
        return None
    low = price.min if price.min is not None else price.max
    high = price.max if price.max is not None else price.min
    return PriceRange(low, high)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ChannelView:
    """An online shop or page that sells the product."""

    type: str            # one of CHANNEL_TYPES
    url: str


@dataclass(frozen=True)
class StandardView:
    """The standard the product is made to."""

    number: str
    published: Optional[date] = None


@dataclass
class ProductView:
    code: str
    record: Product = field(repr=False)    # represented by ``digest`` (pages' fingerprints use repr)
    name: str
    description: Optional[str]
    subgroup: Optional[str]
    shelf_life: Optional[str]
    standing: Standing = field(repr=False)
    producer: Ref
    province_slug: str
    url: str
    abs_url: str
    images: list[str]
    variants: list[VariantView]
    certifications: list[CertView]
    batches: list[BatchView]
    sales_points: list[Ref]
    standard_document: Optional[str]
    province_label: str = ""         # current province (2025 units) it is grouped under; the page shows the address as written
    # where to buy: full cards. Left out of repr (page fingerprints), which would otherwise loop through
    # the points' own product lists; the product page's context carries these points' map features instead.
    sales_point_views: list["SalesPointView"] = field(default_factory=list, repr=False)
    pictures: list[Any] = field(default_factory=list)   # images.Picture of each of `images` (None: not processed)
    qr_svg: str = ""                 # URLs of the product page's QR code (p/CODE/qr.svg|png)
    qr_png: str = ""
    share_image: Optional[str] = None   # absolute URL of the 1200×630 share card (valid products)
    digest: str = ""                 # hash of the record's file: stands for ``record`` in repr
    price: Optional[PriceRange] = None
    channels: tuple[ChannelView, ...] = ()
    standard: Optional[StandardView] = None   # None: not published

    @property
    def status(self) -> str:
        return self.standing.status.value

    @property
    def stars(self) -> Optional[int]:
        return self.standing.stars

    @property
    def category(self) -> str:
        return self.record.category

    @property
    def location(self):
        return self.record.location

    @property
    def sort_issued(self) -> date:
        return self.standing.current.issued if self.standing.current else date.min


@dataclass(frozen=True)
class ProductSummary:
    """What a status badge or an embedded list shows of a product. Small on purpose: a page's
    fingerprint is its context, so a badge or an embed is rendered again only when what it shows
    changes, not at every edit of the record (a new lot, a longer description)."""

    code: str
    name: str
    status: str                      # valid | expired | revoked
    stars: Optional[int]
    valid_until: Optional[date]
    ended_on: Optional[date]         # expired or revoked: the first day no longer certified
    url: str
    abs_url: str
    picture: Any = None              # images.Picture of the first image (None: not processed)
    image: Optional[str] = None      # URL of the first image

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


def summary(v: "ProductView") -> ProductSummary:
    st = v.standing
    return ProductSummary(v.code, v.name, v.status, st.stars, st.valid_until, st.ended_on, v.url, v.abs_url,
                          v.pictures[0] if v.pictures else None, v.images[0] if v.images else None)


@dataclass
class ProducerView:
    slug: str
    entry: Entry
    name: str
    address: Optional[str]
    representative: Optional[str]
    story: str              # sanitised HTML
    logo: Optional[str]
    url: str
    abs_url: str
    products: list[ProductView] = field(default_factory=list)
    logo_picture: Any = None        # images.Picture of the logo
    share_image: Optional[str] = None   # absolute URL of the 1200×630 share card (with a valid product)

    @property
    def record(self):
        return self.entry.record


@dataclass
class SalesPointView:
    slug: str
    entry: Entry
    name: str
    address: str
    opening_hours: Optional[str]
    description: str        # sanitised HTML
    url: str
    abs_url: str
    products: list[ProductView] = field(default_factory=list)
    province_slug: str = "khac"      # current province (2025 units): map filter and list group
    province_label: str = ""         # "" when no province is recognised in its location or address
    share_image: Optional[str] = None   # absolute URL of the 1200×630 share card (with a valid product)

    @property
    def record(self):
        return self.entry.record

    @property
    def kind(self) -> str:
        return self.entry.record.kind or "other"

    @property
    def categories(self) -> list[str]:
        """Categories of the valid products sold here, in the programme's order."""
        found = {p.category for p in self.products}
        return [c for c in CATEGORIES if c in found]

    @property
    def lat(self) -> float:
        return self.entry.record.coordinates.lat

    @property
    def lon(self) -> float:
        return self.entry.record.coordinates.lon

    @property
    def geo_uri(self) -> str:
        return f"geo:{self.lat},{self.lon}"

    @property
    def osm_url(self) -> str:
        return f"https://www.openstreetmap.org/?mlat={self.lat}&mlon={self.lon}#map=17/{self.lat}/{self.lon}"

    @property
    def google_maps_url(self) -> str:
        return f"https://www.google.com/maps/search/?api=1&query={self.lat},{self.lon}"

    @property
    def apple_maps_url(self) -> str:
        """Apple Maps (opens the Maps app on an iPhone, where ``geo:`` does nothing)."""
        from urllib.parse import quote
        return f"https://maps.apple.com/?ll={self.lat},{self.lon}&q={quote(self.name)}"


@dataclass
class PageView:
    slug: str
    title: str
    description: Optional[str]
    body: str
    url: str
    abs_url: str


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    count: int
    url: str
    former: tuple[str, ...] = ()     # provinces: pre-2025 provinces written in records grouped here


@dataclass(frozen=True)
class SalesPointGroup:
    """Sales points of one current province (``label`` "" for those with no recognised province)."""

    key: str
    label: str
    sales_points: tuple["SalesPointView", ...]


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    total: int
    prev_url: Optional[str]
    next_url: Optional[str]
    urls: tuple[str, ...]


@dataclass
class Views:
    """Everything the pages of one language show."""

    lang: str
    today: date
    products: list[ProductView]          # every product that has a page (valid, expired, revoked)
    valid: list[ProductView]             # listings: newest certification first
    producers: list[ProducerView]
    sales_points: list[SalesPointView]
    pages: list[PageView]
    categories: list[Facet]
    stars: list[Facet]
    provinces: list[Facet]
    lots: list[tuple[ProductView, BatchView]]
    sales_point_groups: list[SalesPointGroup] = field(default_factory=list)   # by current province


def _cert_state(cert: Certification, day: date) -> str:
    if cert.issued > day:
        return "future"
    if cert.revoked and cert.revoked.date <= day:
        return "revoked"
    return "in-effect" if in_effect(cert, day) else "ended"


def cert_at(product: Product, day: date) -> Optional[Certification]:
    """The certification in effect on ``day`` (e.g. a lot's production date)."""
    live = [c for c in product.certifications if in_effect(c, day)]
    return max(live, key=lambda c: c.issued) if live else None


def paginate(items: list, page_url, per_page: int = PER_PAGE) -> list[tuple[list, Pagination]]:
    """Split a listing into pages; ``page_url(n)`` gives the URL of page n (1-based)."""
    pages = max(1, math.ceil(len(items) / per_page))
    urls = tuple(page_url(n) for n in range(1, pages + 1))
    out = []
    for n in range(1, pages + 1):
        chunk = items[(n - 1) * per_page:n * per_page]
        out.append((chunk, Pagination(n, pages, len(items), urls[n - 2] if n > 1 else None,
                                      urls[n] if n < pages else None, urls)))
    return out


def build_views(catalog: Catalog, today: date, lang: str, routes: Routes, media: Media,
                render_story) -> Views:
    """``render_story(entry, localized_or_None) -> html`` renders Markdown bodies."""
    producers_ref: dict[str, Ref] = {}
    producers: dict[str, ProducerView] = {}
    for slug, entry in catalog.producers.items():
        rec = entry.record
        loc = entry.localized.get(lang)
        name, address, rep = (localized(entry, lang, f) for f in ("name", "address", "representative"))
        logo = rec.logo if rec.logo and site_path(entry.path, rec.logo) not in media.rejected else None
        view = ProducerView(slug, entry, name, address, rep, render_story(entry, loc),
                            routes.file_url(media.publish(site_path(entry.path, logo))) if logo else None,
                            routes.url("producer", slug, lang=lang), routes.abs_url("producer", slug, lang=lang),
                            logo_picture=media.picture(site_path(entry.path, logo)) if logo else None,
                            share_image=_card(routes, media, "producer:" + slug))
        producers[slug] = view
        producers_ref[slug] = Ref(slug, name, view.url)

    sales_points: dict[str, SalesPointView] = {}
    for slug, entry in catalog.sales_points.items():
        rec = entry.record
        loc = entry.localized.get(lang)
        name, address, hours = (localized(entry, lang, f) for f in ("name", "address", "opening_hours"))
        where = province_group(rec.location.province if rec.location else None, rec.address)
        sales_points[slug] = SalesPointView(slug, entry, name, address, hours, render_story(entry, loc),
                                            routes.url("sales_point", slug, lang=lang),
                                            routes.abs_url("sales_point", slug, lang=lang),
                                            province_slug=where.slug, province_label=where.label,
                                            share_image=_card(routes, media, "sales-point:" + slug))

    products: list[ProductView] = []
    lots: list[tuple[ProductView, BatchView]] = []
    for _code, entry in catalog.products.items():
        view = product_view(entry, today, lang, routes, media, producers_ref, sales_points)
        if view is None:
            continue
        products.append(view)
        lots += [(view, b) for b in view.batches]

    valid = sorted((v for v in products if v.standing.is_valid),
                   key=lambda v: (-v.sort_issued.toordinal(), sort_key(v.name), v.code))
    by_name = lambda v: (sort_key(v.name), v.code)  # noqa: E731
    for v in sorted(valid, key=by_name):
        producers[v.record.producer].products.append(v)
        for s in v.record.sales_points:
            sales_points[s].products.append(v)

    def count(pred) -> int:
        return sum(1 for v in valid if pred(v))

    categories = [Facet(c, c, count(lambda v, c=c: v.category == c), routes.url("category", c, lang=lang))
                  for c in CATEGORIES]
    stars = [Facet(str(n), str(n), count(lambda v, n=n: v.stars == n), routes.url("stars", n, lang=lang))
             for n in (5, 4, 3)]
    # provinces: grouped by the current (2025) province; records keep the names they were written with
    province_names: dict[str, str] = {}
    former: dict[str, set[str]] = {}
    for v in valid:
        province_names.setdefault(v.province_slug, v.province_label)
        was = province_group(v.location.province).former
        if was:
            former.setdefault(v.province_slug, set()).add(was)
    provinces = [Facet(s, name, count(lambda v, s=s: v.province_slug == s), routes.url("province", s, lang=lang),
                       tuple(sorted(former.get(s, ()), key=sort_key)))
                 for s, name in sorted(province_names.items(), key=lambda kv: (sort_key(kv[1]), kv[0]))]
    groups: dict[str, list[SalesPointView]] = {}
    for sp in sorted(sales_points.values(), key=lambda s: (sort_key(s.name), s.slug)):
        groups.setdefault(sp.province_slug, []).append(sp)
    sales_point_groups = [SalesPointGroup(key, items[0].province_label, tuple(items))
                          for key, items in sorted(groups.items(),
                                                   key=lambda kv: (not kv[1][0].province_label,
                                                                   sort_key(kv[1][0].province_label), kv[0]))]

    pages = []
    for slug, entry in catalog.pages.items():
        loc = entry.localized.get(lang)
        if lang != catalog.config.default_language and loc is None:
            continue  # free pages are published only in the languages they are written in
        rec = loc.record if loc else entry.record
        pages.append(PageView(slug, rec.title, rec.description, render_story(entry, loc),
                              routes.url("page", slug, lang=lang), routes.abs_url("page", slug, lang=lang)))

    return Views(
        lang=lang, today=today, products=products, valid=valid,
        producers=sorted(producers.values(), key=lambda p: (sort_key(p.name), p.slug)),
        sales_points=sorted(sales_points.values(), key=lambda s: (sort_key(s.name), s.slug)),
        pages=pages, categories=categories, stars=stars, provinces=provinces, lots=lots,
        sales_point_groups=sales_point_groups,
    )


def product_view(entry: Entry, today: date, lang: str, routes: Routes, media: Media,
                 producers_ref: dict[str, Ref], sales_points: dict[str, "SalesPointView"]) -> Optional[ProductView]:
    """One product's view in ``lang`` (None when it has no page on ``today``).

    ``producers_ref`` and ``sales_points`` are the language's producer links and
    sales-point views by slug. ``serve`` calls this alone to show an edited
    product before the whole site is rebuilt.
    """
    code, p = entry.key, entry.record
    st = standing(p, today)
    if not st.has_page:
        return None

    def publish(ref: Optional[str]) -> Optional[str]:
        return routes.file_url(media.publish(site_path(entry.path, ref))) if ref else None

    def picture(ref: Optional[str]) -> Any:
        return media.picture(site_path(entry.path, ref)) if ref else None

    def usable(ref: Optional[str]) -> Optional[str]:
        """The image, unless it cannot be used (W104: the page goes without it)."""
        return ref if ref and site_path(entry.path, ref) not in media.rejected else None

    images = [i for i in p.images if usable(i)]
    batches = []
    for b in sorted(p.batches, key=lambda b: (b.produced, b.lot), reverse=True):
        c = cert_at(p, b.produced)
        qr = routes.file_url(routes.rel("lot", code, b.lot))   # the QR codes are in the default language's folder
        batches.append(BatchView(b, *routes.urls("lot", code, b.lot, lang=lang), c, valid_until(c) if c else None,
                                 qr + "qr.svg", qr + "qr.png"))
    url, abs_url = routes.urls("product", code, lang=lang)
    qr = routes.file_url(routes.rel("product", code))
    where = province_group(p.location.province)
    return ProductView(
        digest=entry.digest, code=code, record=p, name=pick(p, lang, "name"), description=pick(p, lang, "description"),
        subgroup=pick(p, lang, "subgroup"), shelf_life=pick(p, lang, "shelf_life"), standing=st,
        producer=producers_ref[p.producer], province_slug=where.slug, province_label=where.label,
        url=url, abs_url=abs_url,
        images=[publish(i) for i in images],  # type: ignore[misc]
        variants=[VariantView(v.sku, v.label, publish(usable(v.packaging_image)), picture(usable(v.packaging_image)))
                  for v in p.variants],
        certifications=[CertView(c, valid_until(c), _cert_state(c, today))
                        for c in sorted(p.certifications, key=lambda c: c.issued, reverse=True)],
        batches=batches,
        sales_points=[Ref(s, sales_points[s].name, sales_points[s].url) for s in p.sales_points],
        standard_document=publish(p.standard.document) if p.standard else None,
        standard=StandardView(p.standard.number, p.standard.published) if p.standard else None,
        price=price_range(p.price),
        channels=tuple(ChannelView(c.type, c.url) for c in p.channels),
        sales_point_views=[sales_points[s] for s in p.sales_points],
        pictures=[picture(i) for i in images],
        qr_svg=qr + "qr.svg",
        qr_png=qr + "qr.png",
        share_image=routes.file_url(media.cards[code], absolute=True) if code in media.cards else None,
    )


def _card(routes: Routes, media: Media, key: str) -> Optional[str]:
    """Absolute URL of the share card registered under ``key`` (sharecard.PLACE_KEY), if any."""
    return routes.file_url(media.cards[key], absolute=True) if key in media.cards else None


def site_path(record_path: str, ref: str) -> str:
    """Site-relative path of a file named in a record (validated by the catalog stage)."""
    import posixpath
    return posixpath.normpath(posixpath.join(posixpath.dirname(record_path), ref))
