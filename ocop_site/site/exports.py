"""Open data and machine-readable files: catalog.json/csv, GeoJSON, sitemap, robots, Atom feed.

All are pure functions of the default language's views, so the same sources
and day give the same bytes. Only valid products appear in any of them.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from ..core.routes import Routes
from .views import ProductView, SalesPointView, Views

CATALOG_FIELDS = ("code", "name", "stars", "category", "producer", "province", "district", "commune",
                  "valid_until", "url")
SITEMAP_LIMIT = 50_000
FEED_ENTRIES = 50


def catalog_rows(views: Views, products: list[ProductView] | None = None) -> list[dict]:
    """The rows of catalog.json/csv: every valid product, or the valid ``products`` given, by code."""
    rows = []
    for v in sorted(views.valid if products is None else products, key=lambda v: v.code):
        loc = v.location
        rows.append({"code": v.code, "name": v.name, "stars": v.stars, "category": v.category,
                     "producer": v.record.producer, "province": loc.province, "district": loc.district,
                     "commune": loc.commune, "valid_until": v.standing.valid_until.isoformat(), "url": v.abs_url})
    return rows


def catalog_json(views: Views) -> bytes:
    data = {"as_of": views.today.isoformat(), "products": catalog_rows(views)}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list, with the
#: full-width forms some spreadsheets also accept).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a text starting with a formula character gets a
    leading ``'`` (OWASP's advice against CSV injection: ``=HYPERLINK(…)`` stays visible text).
    Numbers are left alone (they are written by us, never text that starts a formula), as is
    ``None`` (an empty cell)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value
def sales_point_products_json(views: Views, sp: SalesPointView) -> bytes:
    """``sales-points/<slug>/products.json``: catalog.json's rows of the valid products sold at ``sp``,
    with the day and the sales point they are for, for shops that render their own list."""
    data = {"as_of": views.today.isoformat(),
            "sales_point": {"slug": sp.slug, "name": sp.name, "url": sp.abs_url},
            "products": catalog_rows(views, [v for v in sp.products if v.standing.is_valid])}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def catalog_csv(views: Views) -> bytes:
    """UTF-8 with a BOM, so that Excel shows Vietnamese correctly; text cells made formula-safe."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CATALOG_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in catalog_rows(views):
        writer.writerow({k: spreadsheet_cell(row[k]) for k in CATALOG_FIELDS})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def sales_point_feature(sp: SalesPointView, products: bool = True) -> dict:
    """One sales point as a GeoJSON Feature: the published file and the maps embedded in pages
    (a product's few points) both come from here, so they cannot disagree.

    ``province`` is the address as written; ``province_current``/``province_slug`` name the
    province it belongs to since the July 2025 reform (null when none is recognised), which is
    what the maps filter by. ``products=False`` leaves out ``products`` and ``categories``: a
    product page's map needs neither, and a showroom may sell hundreds of products.
    """
    rec = sp.record
    props = {
        "slug": sp.slug, "name": sp.name, "url": sp.abs_url,
        "products": sorted(p.code for p in sp.products) if products else None,
        "kind": rec.kind, "address": sp.address, "opening_hours": sp.opening_hours, "phone": rec.phone,
        "province": rec.location.province if rec.location else None,
        "province_current": sp.province_label or None,
        "province_slug": sp.province_slug if sp.province_label else None,
        "categories": sorted({p.category for p in sp.products}) if products else None,
    }
    if not products:   # (each product page's map: a sales point's hundreds of products are not looked at)
        del props["products"], props["categories"]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [sp.lon, sp.lat]}, "properties": props}


def feature_collection(sales_points, products: bool = True) -> dict:
    return {"type": "FeatureCollection",
            "features": [sales_point_feature(sp, products) for sp in sorted(sales_points, key=lambda s: s.slug)]}


def sales_points_geojson(views: Views, category_of: dict[str, str] | None = None) -> bytes:
    data = feature_collection(views.sales_points)
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def robots_txt(routes: Routes) -> bytes:
    return (f"User-agent: *\nAllow: /\n\nSitemap: {routes.file_url('sitemap.xml', absolute=True)}\n").encode()


def sitemap_files(entries: list[tuple[str, dict[str, str]]], routes: Routes) -> dict[str, bytes]:
    """``entries``: (absolute URL, {lang: alternate URL}). One file, or an index over several."""
    def urlset(chunk) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
        for loc, alternates in chunk:
            out.append(f"<url><loc>{escape(loc)}</loc>")
            if len(alternates) > 1:
                for lang, href in alternates.items():
                    out.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href={quoteattr(href)}/>')
            out.append("</url>")
        out.append("</urlset>")
        return ("\n".join(out) + "\n").encode("utf-8")

    chunks = [entries[i:i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)] or [[]]
    if len(chunks) == 1:
        return {"sitemap.xml": urlset(chunks[0])}
    files = {f"sitemaps/sitemap-{n}.xml": urlset(c) for n, c in enumerate(chunks, 1)}
    index = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    index += [f"<sitemap><loc>{escape(routes.file_url(name, absolute=True))}</loc></sitemap>" for name in files]
    index.append("</sitemapindex>")
    files["sitemap.xml"] = ("\n".join(index) + "\n").encode("utf-8")
    return files


def atom_feed(views: Views, routes: Routes, title: str, entry_title) -> bytes:
    """Newest certifications of valid products. ``entry_title(view) -> str`` is localised by the caller."""
    newest = sorted(views.valid, key=lambda v: (v.standing.current.issued, v.code), reverse=True)[:FEED_ENTRIES]
    updated = max((v.standing.current.issued for v in newest), default=views.today)

    def stamp(d: date) -> str:
        return f"{d.isoformat()}T00:00:00+07:00"

    feed_url = routes.file_url("feed.xml", absolute=True)
    out = ['<?xml version="1.0" encoding="utf-8"?>', f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{views.lang}">',
           f"<title>{escape(title)}</title>", f"<id>{escape(feed_url)}</id>",
           f'<link rel="self" href={quoteattr(feed_url)}/>', f'<link href={quoteattr(routes.base_url)}/>',
           f"<updated>{stamp(updated)}</updated>"]
    for v in newest:
        cert = v.standing.current
        out += ["<entry>", f"<title>{escape(entry_title(v))}</title>",
                f'<link href={quoteattr(v.abs_url)}/>',
                f"<id>{escape(v.abs_url)}#{escape(cert.issued.isoformat())}</id>",
                f"<updated>{stamp(cert.issued)}</updated>",
                f"<author><name>{escape(v.producer.name)}</name></author>",
                f"<summary>{escape(f'{cert.decision} — {cert.issuer}')}</summary>", "</entry>"]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")
