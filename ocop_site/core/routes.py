"""The one place that knows every URL and output path.

Links are root-relative and carry the path of ``base_url`` (``/ocop/p/X/``),
so a site published under a sub-path works when served there; absolute URLs
(canonical links, QR codes, exports) add the scheme and host. The default
language lives at the root, every other language under ``/<lang>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlsplit

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")

#: Top-level names that free pages (content/pages/<slug>.md) cannot take.
RESERVED = frozenset({"p", "producers", "sales-points", "categories", "stars", "provinces", "page", "static",
                      "media", "search", "stats", "en", "vi", "feed", "404", "nhung-trang", "offline"})

_PATTERNS = {
    "home": "",
    "product": "p/{0}/",
    "badge": "p/{0}/badge.svg",          # a file, not a folder: output_path() is not for it
    "lot": "p/{0}/lot/{1}/",
    "producer": "producers/{0}/",
    "producer_embed": "producers/{0}/embed/",
    "producers": "producers/",
    "sales_point": "sales-points/{0}/",
    "sales_point_embed": "sales-points/{0}/embed/",
    "sales_point_products": "sales-points/{0}/products.json",   # a file
    "sales_points": "sales-points/",
    "category": "categories/{0}/",
    "categories": "categories/",
    "stars": "stars/{0}/",
    "province": "provinces/{0}/",
    "provinces": "provinces/",
    "page": "{0}/",
    "search": "search/",
    "stats": "stats/",
    "embed_help": "nhung-trang/",
    "offline": "offline/",
}

#: Language-independent files at the site root.
FILES = {
    "catalog_json": "catalog.json", "catalog_csv": "catalog.csv", "geojson": "sales-points.geojson",
    "sitemap": "sitemap.xml", "robots": "robots.txt", "feed": "feed.xml", "not_found": "404.html",
    "stats_json": "stats.json", "manifest": "manifest.webmanifest", "service_worker": "sw.js",
    "favicon": "favicon.ico",
}


@dataclass(frozen=True, eq=False)   # hashed by identity: rel()'s cache hashes it on every call
class Routes:
    base_url: str              # normalised to end with "/"
    languages: tuple[str, ...]
    base_path: str = field(init=False)   # path of base_url, starting and ending with "/"
    origin: str = field(init=False)      # scheme://host[:port]
    root: str = field(init=False)        # origin + base_path: a page's absolute URL is this and its rel()

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        path = parts.path or "/"
        object.__setattr__(self, "base_path", path if path.endswith("/") else path + "/")
        object.__setattr__(self, "origin", f"{parts.scheme}://{parts.netloc}")
        object.__setattr__(self, "root", self.origin + self.base_path)

    @classmethod
    def create(cls, base_url: str, languages: tuple[str, ...]) -> "Routes":
        return cls(base_url.rstrip("/") + "/", tuple(languages))

    def _prefix(self, lang: str) -> str:
        return "" if lang == self.languages[0] else f"{lang}/"

    def rel(self, kind: str, *args, lang: str | None = None, page: int = 1) -> str:
        """Site-relative directory of a page: 'p/CODE/' or 'en/p/CODE/'."""
        return self._rel(kind, args, lang or self.languages[0], page)

    #: A national site has some 115,000 pages per language, and the QR codes, views and templates
    #: ask for each page's path in turn: a cache smaller than that is cycled through and never hit.
    @lru_cache(maxsize=1 << 18)  # noqa: B019 -- Routes lives as long as the build; a page's links, canonical URL and output path ask for the same paths
    def _rel(self, kind: str, args: tuple, lang: str, page: int) -> str:
        return self.path(kind, *args, lang=lang, page=page)

    def path(self, kind: str, *args, lang: str | None = None, page: int = 1) -> str:
        """``rel`` without its cache, for paths asked for once (each page's own, when planned)."""
        lang = lang or self.languages[0]
        parts = [a if a.__class__ is str and _URL_SAFE.fullmatch(a) else quote(str(a), safe="") for a in args]
        path = _PATTERNS[kind].format(*parts)
        if page > 1:
            path += f"page/{page}/"
        return self._prefix(lang) + path

    def url(self, kind: str, *args, lang: str | None = None, page: int = 1) -> str:
        """Root-relative URL for links: '/ocop/p/CODE/'."""
        return self.base_path + self.rel(kind, *args, lang=lang, page=page)

    def abs_url(self, kind: str, *args, lang: str | None = None, page: int = 1) -> str:
        return self.root + self.rel(kind, *args, lang=lang, page=page)

    def urls(self, kind: str, *args, lang: str | None = None, page: int = 1) -> tuple[str, str]:
        """(``url``, ``abs_url``) of a page from one path lookup."""
        url = self.base_path + self.rel(kind, *args, lang=lang, page=page)
        return url, self.origin + url

    def output_path(self, kind: str, *args, lang: str | None = None, page: int = 1) -> str:
        """File written for a page: 'p/CODE/index.html'."""
        return self.rel(kind, *args, lang=lang, page=page) + "index.html"

    def file_url(self, name: str, absolute: bool = False) -> str:
        """URL of a root file (exports) or a static/media path."""
        path = self.base_path + name
        return self.origin + path if absolute else path
