"""The installable, offline-capable site: icons, web app manifest and service worker.

``icons`` draws the site's icons with Pillow, from the theme's or site's ``static/logo.png``
when there is one, else the OCOP mark (a yellow star and "OCOP" on the theme's green):

``favicon.ico`` (16, 32, 48 px, at the site root, where browsers ask for it) and
``static/icons/icon-192.png``, ``icon-512.png`` (purpose ``any``), ``maskable-512.png``
(full bleed, the drawing inside the central 80 % circle a launcher may crop to) and
``apple-touch-icon.png`` (180 px).

``manifest`` writes ``manifest.webmanifest`` (scope and start URL: the base path) and
``service_worker`` writes ``sw.js`` at the site root from ``ocop_site/sw.js``, given its settings:
the cache version (a hash of everything the build published, so the same sources and day give
the same bytes, and any change gives a new cache), the shell to cache on install and the offline
pages. See docs/site.md, "Offline and installable".
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from PIL import Image, ImageDraw

from ..core.routes import Routes
from ..media.sharecard import _font  # Be Vietnam Pro, as on the share cards

BRAND, BADGE, WHITE = "#0f4c3a", "#ffdd00", "#ffffff"
THEME_COLOR = BRAND
SW_SOURCE = Path(__file__).with_name("sw.js")
ICON_FILES = ("static/icons/icon-192.png", "static/icons/icon-512.png", "static/icons/maskable-512.png",
              "static/icons/apple-touch-icon.png")
DRAWING_VERSION = "1"


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: str) -> None:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.42
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _mark(size: int, content: float, logo: Optional[Image.Image], rounded: bool) -> Image.Image:
    """A square icon of ``size`` px: the brand green, and the logo or the mark within ``content``
    (a fraction of the size, centred). Drawn at 4× and reduced, for smooth edges."""
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=BRAND)
    else:
        draw.rectangle((0, 0, big, big), fill=BRAND)
    box = big * content
    left = (big - box) / 2
    if logo is not None:
        fitted = logo.convert("RGBA")
        fitted.thumbnail((int(box), int(box)), Image.Resampling.LANCZOS)
        image.alpha_composite(fitted, (int((big - fitted.width) / 2), int((big - fitted.height) / 2)))
    else:
        small = size < 100
        star_r = box * (0.5 if small else 0.3)
        cy = big / 2 if small else left + box * 0.34
        _star(draw, big / 2, cy, star_r, BADGE)
        if not small:
            font = _font("Bold", max(8, int(box * 0.23)))
            text = "OCOP"
            width = draw.textlength(text, font=font)
            draw.text(((big - width) / 2, left + box * 0.94), text, font=font, fill=WHITE, anchor="ls")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def find_logo(static_dirs: list[Path]) -> Optional[Path]:
    """The site's or theme's ``static/logo.png`` (the site's wins), if any."""
    for folder in reversed(static_dirs):
        path = folder / "logo.png"
        if path.is_file():
            return path
    return None


def icons(static_dirs: list[Path]) -> dict[str, bytes]:
    """Output path → bytes of every icon (see the module's docstring)."""
    logo_path = find_logo(static_dirs)
    logo_bytes = logo_path.read_bytes() if logo_path else b""
    return dict(_icons(logo_bytes))


@lru_cache(maxsize=4)
def _icons(logo_bytes: bytes) -> tuple[tuple[str, bytes], ...]:
    logo = None
    if logo_bytes:
        try:
            logo = Image.open(io.BytesIO(logo_bytes))
            logo.load()
        except Exception:   # an unreadable logo: the drawn mark (the theme's file is its author's to fix)
            logo = None
    files = {
        "static/icons/icon-192.png": _png(_mark(192, 0.78, logo, rounded=True)),
        "static/icons/icon-512.png": _png(_mark(512, 0.78, logo, rounded=True)),
        "static/icons/maskable-512.png": _png(_mark(512, 0.56, logo, rounded=False)),
        "static/icons/apple-touch-icon.png": _png(_mark(180, 0.66, logo, rounded=False)),
    }
    ico = io.BytesIO()
    _mark(48, 0.86, logo, rounded=True).save(ico, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    files["favicon.ico"] = ico.getvalue()
    return tuple(files.items())


def manifest(config: Any, routes: Routes, lang: str, description: str) -> bytes:
    """``manifest.webmanifest`` in the site's first language."""
    base = routes.base_path
    data = {
        "name": config.title,
        "short_name": config.title if len(config.title) <= 12 else "OCOP",
        "description": description,
        "lang": lang,
        "dir": "ltr",
        "start_url": base,
        "scope": base,
        "id": base,
        "display": "standalone",
        "background_color": WHITE,
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": base + "static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": base + "static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": base + "static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def cache_version(parts: list[str]) -> str:
    """A short hash of everything the build published (page fingerprints, file hashes…)."""
    digest = hashlib.blake2b(digest_size=8)
    for part in [DRAWING_VERSION, SW_SOURCE.read_text("utf-8"), *parts]:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def service_worker(routes: Routes, version: str, shell: list[str], offline_pages: dict[str, str]) -> bytes:
    """``sw.js``: the worker's code with its settings (base path, cache version, shell, offline
    pages by language prefix)."""
    settings = {"base": routes.base_path, "version": version, "shell": sorted(shell),
                "offline": offline_pages}
    source = SW_SOURCE.read_text("utf-8")
    return source.replace("/*SETTINGS*/{}", json.dumps(settings, ensure_ascii=False, sort_keys=True)).encode("utf-8")
