"""A first look at an edited product while ``serve`` rebuilds the whole site.

Rebuilding a national catalog after one edit takes a while (listings, facets,
search and exports all change with a name). A maintainer looking at the
product they are editing should not wait for that: when the only files that
changed are existing product records, ``serve`` re-reads just those files,
checks them as the build would (the file itself and its references), renders
the product's own pages (product and lots, every language) from the last
build's views, and reloads the browser. The full incremental build follows at
once and is what the site finally holds; it renders the same bytes for these
pages, so the preview never shows anything the build would not.

When the edit cannot be previewed this way (a new or deleted file, a
template, a setting, a product that loses its page) nothing is written here
and the full build alone runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..core.diagnostics import Diagnostic, has_errors, sort_diagnostics
from ..core.files import write_atomic
from ..media import qr, sharecard
from ..records.catalog import PRODUCTS_DIR, Entry, LazySourceMap, check_product, load_file
from ..records.sources import file_digest, relpath
from ..site.planning import product_pages
from ..site.render import Session
from ..site.views import Ref, product_view


@dataclass
class Preview:
    pages: list[str] = field(default_factory=list)            # output paths written
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics)


def previewable(session: Optional[Session], source: Path, changed: list[str]) -> list[Path]:
    """The product files to preview, or [] when the change needs the full build to be seen."""
    if session is None or not changed:
        return []
    products_dir = (source / PRODUCTS_DIR).resolve()
    out = []
    for name in changed:
        path = Path(name)
        try:
            inside = path.resolve().parent == products_dir
        except OSError:
            return []
        if not (inside and path.suffix == ".yaml" and path.is_file() and path.stem in session.catalog.products):
            return []
        out.append(path)
    return out


def preview(session: Session, source: Path, files: list[Path], output: Path) -> Preview:
    """Check ``files`` (existing product records) and write their products' pages into ``output``.

    With any error nothing is written and the diagnostics are returned (the
    overlay shows them at once).
    """
    result = Preview()
    catalog = session.catalog
    entries: list[Entry] = []
    for path in files:
        loaded = load_file(source, path, "product", catalog.config.languages)
        result.diagnostics += loaded.diagnostics
        if loaded.record is None or has_errors(loaded.diagnostics):
            judged = loaded.record if loaded.record is not None else loaded.partial
            if judged is not None and loaded.smap is not None:   # what is sound of it, as check and build judge
                rel = relpath(path, source)
                errors, warnings = check_product(source, Entry(loaded.key, rel, judged, loaded.smap),
                                                 catalog.producers, catalog.sales_points)
                result.diagnostics += errors + warnings
            continue
        data = path.read_bytes()
        rel = relpath(path, source)
        entry = Entry(loaded.key, rel, loaded.record, loaded.smap or LazySourceMap(source, rel, "product"),
                      digest=file_digest(data))
        errors, warnings = check_product(source, entry, catalog.producers, catalog.sales_points)
        result.diagnostics += errors + warnings
        entries.append(entry)
    result.diagnostics = sort_diagnostics(result.diagnostics)
    if result.failed:
        return result
    # the share card (its name is a hash of what it shows) and the QR codes of new lots
    edited = dataclasses.replace(catalog, products={entry.key: entry for entry in entries})
    media = session.media.thawed()   # the build's registry is frozen; the edit may name new files
    sharecard.make_cards(edited, session.today, session.routes, media, 1, session.cache)
    files, _ = qr.make_codes(edited, session.today, session.routes, catalog.config.qr.campaign, 1, session.cache)
    files.update({out: media.generated[out] for out in (media.cards.get(entry.key) for entry in entries) if out})
    rendered: dict[str, bytes] = {}
    for lang, (env, site) in session.languages.items():
        producers = {p.slug: Ref(p.slug, p.name, p.url) for p in site.views.producers}
        points = {s.slug: s for s in site.views.sales_points}
        for entry in entries:
            view = product_view(entry, session.today, lang, session.routes, media, producers, points)
            if view is None:   # it no longer has a page: only the full build can say what replaces it
                return Preview(diagnostics=result.diagnostics)
            for page in product_pages(site, view):
                rendered[page.path] = env.get_template(page.template).render(page.context).encode("utf-8")
    for rel, cached in files.items():
        if not (output / rel).is_file():
            write_atomic(output / rel, Path(cached).read_bytes())
    for rel, data in rendered.items():
        write_atomic(output / rel, data)
        result.pages.append(rel)
    return result

