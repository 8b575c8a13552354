"""Share cards: a 1200×630 Open Graph image per valid product, composed with Pillow.

The card shows the product photo, its name, the OCOP stars, the producer and
the province, and the site's address, so a link shared on Zalo or Facebook
reads on its own. Text is set in Be Vietnam Pro (SIL Open Font License,
installed from PyPI as ``fontpkg-be-vietnam-pro``), a typeface drawn for
Vietnamese: every precomposed letter with its stacked diacritics (ầ, ễ, ự…) has
its own glyph, so the NFC text of the records needs no shaping engine.

Cards exist only for valid products (a card with stars must not advertise an
ended rating); one card per product, in the site's default language, since
the name on the packaging is the Vietnamese one. A card is cached by a hash
of everything drawn on it, and its file name carries that hash
(``p/<CODE>/share-<hash>.jpg``): when the stars change, the URL changes and
social networks fetch the new picture.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..core.cache import Cache
from ..core.vietnamese import sort_key
from ..core.workers import parallel_map
from ..records.validity import standing

WIDTH, HEIGHT = 1200, 630
CARD_VERSION = 2          # bump when the drawing changes (the cache key; file names follow the content)
JPEG_QUALITY = 86

INK, MUTED, BRAND, STAR, BADGE = "#1b1f1d", "#4a524e", "#0f4c3a", "#b07400", "#ffdd00"
PHOTO_W = 560
PAD = 56


def font_file(weight: str = "Regular") -> Path:
    """A Be Vietnam Pro TTF file ('Regular', 'SemiBold', 'Bold'…), from the fontpkg-be-vietnam-pro package."""
    import fontpkg_be_vietnam_pro
    return Path(fontpkg_be_vietnam_pro.ROOT) / "files" / f"BeVietnamPro-{weight}.ttf"


def font_version() -> str:
    try:
        return metadata.version("fontpkg-be-vietnam-pro")
    except metadata.PackageNotFoundError:  # pragma: no cover - a vendored copy
        return "unknown"


@lru_cache(maxsize=64)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(weight)), size, layout_engine=ImageFont.Layout.BASIC)


@dataclass(frozen=True)
class CardSpec:
    """Everything drawn on one card; its hash names the card."""

    code: str
    name: str
    stars: int
    producer: str
    place: str
    host: str
    photo_key: Optional[str]                                     # cache key of the processed photo
    photo: Optional[str] = field(default=None, compare=False)   # its file in the cache (not part of the key)
    count: Optional[str] = None   # a sales point's or producer's card: "7 sản phẩm OCOP" in place of the stars

    def content_key(self) -> str:
        """A hash of what the card shows: it names the published file (changes when the card does).
        (Where the photo sits in the cache does not change the card.)"""
        spec = {"code": self.code, "name": self.name, "stars": self.stars, "producer": self.producer,
                "place": self.place, "host": self.host, "photo_key": self.photo_key}
        if self.count is not None:   # (products' keys, and so their file names, stay as they were)
            spec["count"] = self.count
        return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def key(self, content: Optional[str] = None) -> str:
        """The cache key: the content (``content_key()``, when not given) and how it is drawn
        (layout version, font, Pillow)."""
        before, after = _drawing()
        return hashlib.sha256(f"{before}{content or self.content_key()}{after}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _drawing() -> tuple[str, str]:
    """Everything besides the content that changes how a card looks: the JSON text of the key
    around the content's place (the content hash is hex, so nothing in it needs escaping)."""
    text = json.dumps({"card": CARD_VERSION, "font": font_version(), "pillow": Image.__version__,
                       "content": "\0", "quality": JPEG_QUALITY}, sort_keys=True)
    before, _, after = text.partition("\\u0000")
    return before, after


def _first_photo(entry, media) -> tuple[Optional[str], Optional[str]]:
    """(file in the cache, cache key) of a product's first processed photo, or (None, None)."""
    for ref in entry.record.images:
        pic = media.picture(site_path(entry.path, ref))
        if pic is not None:
            cached = Path(media.generated[pic.largest_output])     # <cache>/img/<aa>/<key>/<width>.<ext>
            return str(cached), f"{cached.parent.name}/{cached.name}"
    return None, None


def plan_cards(catalog, today, routes, media) -> list[CardSpec]:
    """A card for every valid product, from the records (default language) and the processed photos."""
    host = urlsplit(routes.base_url).netloc + routes.base_path.rstrip("/")
    specs = []
    for code, entry in catalog.products.items():
        p = entry.record
        st = standing(p, today)
        if not st.is_valid:
            continue
        photo, photo_key = _first_photo(entry, media)
        producer = catalog.producers.get(p.producer)
        specs.append(CardSpec(code, p.name, st.stars or 0, producer.record.name if producer else p.producer,
                              p.location.province, host, photo_key, photo))
    return specs


#: The line in place of the stars on a sales point's or producer's card, in the site's default language.
COUNT = {"vi": "{n} sản phẩm OCOP", "en": "{n} OCOP products"}
PLACE_KEY = {"sales_point": "sales-point:", "producer": "producer:"}   # their keys in ``media.cards``


def plan_place_cards(catalog, today, routes, media) -> list[CardSpec]:
    """A card for every sales point and producer with a valid product: its name, address, how many
    valid products it has, and the photo of the first of them (Vietnamese alphabetical order)."""
    host = urlsplit(routes.base_url).netloc + routes.base_path.rstrip("/")
    lang = catalog.config.languages[0]
    valid = sorted(((code, e) for code, e in catalog.products.items() if standing(e.record, today).is_valid),
                   key=lambda item: (sort_key(item[1].record.name), item[0]))
    sold: dict[tuple[str, str], list] = {}     # (kind, slug) → its valid products, in name order
    for _, e in valid:
        for point in dict.fromkeys(e.record.sales_points):
            sold.setdefault(("sales_point", point), []).append(e)
        sold.setdefault(("producer", e.record.producer), []).append(e)
    specs = []
    for kind, entries in (("sales_point", catalog.sales_points), ("producer", catalog.producers)):
        for slug, entry in entries.items():
            mine = sold.get((kind, slug))
            if not mine:
                continue
            photo = photo_key = None
            for product in mine:
                photo, photo_key = _first_photo(product, media)
                if photo:
                    break
            rec = entry.record
            address = getattr(rec, "address", None) or ""
            province = rec.location.province if getattr(rec, "location", None) else ""
            specs.append(CardSpec(PLACE_KEY[kind] + slug, rec.name, 0, address, province, host, photo_key, photo,
                                  count=COUNT.get(lang, COUNT["en"]).format(n=len(mine))))
    return specs


@dataclass
class CardPlan:
    """Every card to show, keyed in the cache, and those the cache does not have yet (``missing``,
    jobs for :meth:`make` on any process): planned apart from the drawing, so a build draws cards
    and QR codes on the same workers."""

    planned: list[tuple[CardSpec, str, str]]     # (spec, content hash, cached file)
    missing: list[tuple[str, CardSpec]]          # (cache key, spec) of the cards to draw
    cache: Cache

    def make(self, job: tuple[str, CardSpec]) -> Optional[str]:
        """Draw one missing card into the cache (in a worker): an error text, or None."""
        return _make(job, self.cache)

    def finish(self, made: list[Optional[str]], routes, media) -> list[str]:
        """Register the cards in ``media`` (``cards`` and ``generated``), from :meth:`make`'s
        results for ``missing``; returns error texts (a card that failed is left out, the page
        keeps its photo)."""
        failed = {spec.code for (_, spec), error in zip(self.missing, made) if error}
        for spec, content, path in self.planned:
            if spec.code not in failed:
                kind, _, slug = spec.code.partition(":")
                folder = routes.rel(kind.replace("-", "_"), slug) if slug else routes.rel("product", spec.code)
                out = folder + f"share-{content[:10]}.jpg"
                media.cards[spec.code] = out
                media.generated[out] = path
        return [error for error in made if error]


def plan_all(catalog, today, routes, media, cache: Cache, places: bool = False) -> CardPlan:
    """The cards of every valid product and, with ``places``, of the sales points and producers
    (keys ``PLACE_KEY`` + slug), and which of them the cache lacks."""
    planned, missing = [], []
    specs = plan_cards(catalog, today, routes, media) + (plan_place_cards(catalog, today, routes, media) if places else [])
    for spec in specs:
        content = spec.content_key()
        key = spec.key(content)
        path = cache.where("card", key, ".jpg")
        planned.append((spec, content, path))
        if not os.path.isfile(path):
            missing.append((key, spec))
    return CardPlan(planned, missing, cache)


def make_cards(catalog, today, routes, media, workers: int, cache: Cache, places: bool = False) -> list[str]:
    """Draw missing cards into the cache and register them in ``media`` (:class:`CardPlan`)."""
    plan = plan_all(catalog, today, routes, media, cache, places)
    return plan.finish(parallel_map(plan.make, plan.missing, workers), routes, media)


def _make(job: tuple[str, CardSpec], cache: Cache) -> Optional[str]:
    key, spec = job
    try:
        cache.write("card", key, ".jpg", render(spec))
        return None
    except Exception as exc:  # noqa: BLE001
        return f"share card of {spec.code}: {type(exc).__name__}: {exc}"


def render(spec: CardSpec) -> bytes:
    """The card as JPEG bytes (deterministic: fixed fonts, sizes and encoder settings)."""
    template, badge_width = _template(spec.host)
    photo = _load_photo(spec.photo) if spec.photo else None
    if photo is None:
        card = _with_panel(spec.host, spec.stars if spec.count is None else 0).copy()
    else:
        card = template.copy()
        card.paste(photo, (0, 0))
    draw = ImageDraw.Draw(card)
    x, right = PHOTO_W + PAD, WIDTH - PAD
    width = right - x
    y = PAD

    # OCOP stars, or a sales point's or producer's count of products (the badge is on the template)
    if spec.count is None:
        stars, mask = _stars(spec.stars, 40)
        card.paste(stars, (x + badge_width + 18, y + 4), mask)
    else:
        mask, (dx, dy) = _line_mask(spec.count, "SemiBold", 30, "lm")   # (recurs: "7 sản phẩm OCOP")
        if mask is not None:
            card.paste(BRAND, (x + badge_width + 18 + dx, y + 24 + dy), mask)
    y += 48 + 36

    # Name: the largest size at which it fits in four lines
    for size in (60, 56, 52, 48, 44, 40, 36):
        lines = _wrap(spec.name, _font("Bold", size), width)
        if len(lines) <= 4:
            break
    lines = _clip(lines, 4, _font("Bold", size), width)
    for line in lines:
        y += int(size * 1.08)
        _draw_words(card, draw, (x, y), line, "Bold", size, INK)
        y += int(size * 0.22)
    y += 22

    # Producer and province
    for text, weight, size, colour, max_lines in ((spec.producer, "SemiBold", 30, INK, 2),
                                                   (spec.place, "Regular", 28, MUTED, 1)):
        font = _font(weight, size)
        for line in _clip(_wrap(text, font, width), max_lines, font, width):
            y += int(size * 1.2)
            if y > HEIGHT - 110:
                break
            mask, (dx, dy) = _line_mask(line, weight, size)
            if mask is not None:
                card.paste(colour, (x + dx, y + dy), mask)
        y += 12

    out = io.BytesIO()
    # Baseline, not progressive: social networks fetch and re-encode the card themselves, and
    # progressive encoding costs twice the time for 8 % fewer bytes.
    card.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


@lru_cache(maxsize=4)
def _template(host: str) -> tuple[Image.Image, int]:
    """What every card of a site shows in the same place, drawn once: the white ground, the OCOP
    badge, the site's address and the brand bar; and the badge's width. (Each card is a copy,
    then gets its photo, stars and text, none of which overlaps these, so the pixels are those
    of drawing everything on each card: two text lines fewer to lay out and render per card.)"""
    card = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(card)
    x, y, width = PHOTO_W + PAD, PAD, WIDTH - PAD - (PHOTO_W + PAD)
    badge_font = _font("Bold", 30)
    label = "OCOP"
    badge_width = int(badge_font.getlength(label)) + 28
    draw.rounded_rectangle((x, y, x + badge_width, y + 48), radius=8, fill=BADGE)
    draw.text((x + 14, y + 24), label, font=badge_font, fill=INK, anchor="lm")
    host_font = _font("Medium", 26)
    draw.text((x, HEIGHT - PAD), _clip([host], 1, host_font, width)[0], font=host_font, fill=BRAND, anchor="ls")
    draw.rectangle((PHOTO_W, HEIGHT - 12, WIDTH, HEIGHT), fill=BRAND)
    return card, badge_width


@lru_cache(maxsize=4096)   # a line's mask is at most about 550×45 bytes, a name's word less: under 100 MB
def _line_mask(text: str, weight: str, size: int, anchor: str = "ls") -> tuple[Optional[Image.Image], tuple[int, int]]:
    """The coverage of one line of text set with its anchor point at (0, 0) (by default the left end
    of its baseline): (mask, where its top left corner goes), or (None, …) when nothing is drawn.

    A producer's name and a province recur on many cards, and the words of products' names; they
    are made once. The mask is what ``ImageDraw.text`` draws, at an integer position (so the same
    whatever the position): drawn in white on black it is the glyphs' coverage itself, and pasting
    a colour through it blends the colour as ``text`` does (both are Pillow's fill through a
    mask), so the card's pixels are the same (a test compares them). Text on the baseline is put
    together from its characters' masks (:func:`_glyphs_mask`) where that is known to be exact.
    """
    if anchor == "ls" and len(text) > 1 and _glyphs_compose(weight, size):
        return _glyphs_mask(text, weight, size)
    return _rendered_mask(text, weight, size, anchor)


def _rendered_mask(text: str, weight: str, size: int, anchor: str = "ls") -> tuple[Optional[Image.Image], tuple[int, int]]:
    """:func:`_line_mask` drawn by Pillow."""
    font = _font(weight, size)
    ox, oy = 2 * size, 2 * size                              # room for stacked marks and descenders
    canvas = Image.new("L", (int(_measure(font, text)) + 4 * size, 4 * size), 0)
    ImageDraw.Draw(canvas).text((ox, oy), text, font=font, fill=255, anchor=anchor)
    box = canvas.getbbox()
    if box is None:
        return None, (0, 0)
    return canvas.crop(box), (box[0] - ox, box[1] - oy)


def _glyphs_mask(text: str, weight: str, size: int) -> tuple[Optional[Image.Image], tuple[int, int]]:
    """:func:`_rendered_mask` put together from the masks of its characters, each rendered once.

    Rendering is most of a new word's or line's cost (FreeType loads and hints each glyph on every
    call), and a card's words are new to each worker. Pillow's basic layout gives each character
    one glyph, set at the pen's whole-pixel position (this font's hinted advances are whole
    pixels, and it has no kerning), and lays each glyph over the ones before it (:func:`_over`):
    so does this. :func:`_glyphs_compose` checks once per process and size that the two agree.
    """
    font = _font(weight, size)
    placed = []
    pen = 0.0
    for char in text:
        mask, (dx, dy) = _line_mask(char, weight, size)
        if mask is not None:
            placed.append((mask, int(pen) + dx, dy))
        pen += _char_length(font, char)
        if pen != int(pen):
            return _rendered_mask(text, weight, size)
    if not placed:
        return None, (0, 0)
    left, top = min(x for _, x, _ in placed), min(y for _, _, y in placed)
    right, bottom = max(x + m.width for m, x, _ in placed), max(y + m.height for m, _, y in placed)
    canvas = Image.new("L", (right - left, bottom - top), 0)
    edge = None                  # the right end of what is drawn so far: a glyph past it overlaps nothing
    for mask, x, y in placed:
        x, y = x - left, y - top
        if edge is None or x >= edge:
            canvas.paste(mask, (x, y))
        else:                    # the columns it shares with glyphs before it are blended as Pillow does
            shared = min(edge - x, mask.width)
            box = (x, y, x + shared, y + mask.height)
            canvas.paste(Image.frombytes("L", (shared, mask.height), _over(
                mask.crop((0, 0, shared, mask.height)).tobytes(), canvas.crop(box).tobytes())), box)
            if shared < mask.width:
                canvas.paste(mask.crop((shared, 0, mask.width, mask.height)), (x + shared, y))
        edge = x + mask.width if edge is None else max(edge, x + mask.width)
    return canvas, (left, top)


def _over(source: bytes, target: bytes) -> bytes:
    """Glyph coverage ``source`` laid over ``target`` as Pillow's text rendering does: where the
    glyph covers a pixel already covered, ``s + t·(255 − s) / 255`` with its rounding (MULDIV255)."""
    out = bytearray(target)
    for k, s in enumerate(source):
        if s:
            t = target[k]
            if t:
                tmp = t * (255 - s) + 128
                out[k] = min(255, s + (((tmp >> 8) + tmp) >> 8))
            else:
                out[k] = s
    return bytes(out)


#: Text whose glyphs overlap, kern in many fonts and carry stacked marks: where masks put together
#: from characters would first differ from Pillow's if the font or Pillow changed.
_COMPOSE_CHECK = "AVATAR To Ty Wa LT fj “Ỷ” Ậ ữ gjpqy Ổ — 100% Đặc sản"


@lru_cache(maxsize=64)
def _glyphs_compose(weight: str, size: int) -> bool:
    """Whether :func:`_glyphs_mask` gives Pillow's mask with this font at this size (checked once)."""
    font = _font(weight, size)
    if any(_char_length(font, c) != int(_char_length(font, c)) for c in _COMPOSE_CHECK):
        return False
    for text in (_COMPOSE_CHECK, *_COMPOSE_CHECK.split(" ")):
        composed, drawn = _glyphs_mask(text, weight, size), _rendered_mask(text, weight, size)
        if composed[1] != drawn[1] or composed[0].tobytes() != drawn[0].tobytes():
            return False
    return True


def _draw_words(card: Image.Image, draw: ImageDraw.ImageDraw, xy: tuple[int, int], line: str, weight: str,
                size: int, colour: str) -> None:
    """``draw.text(xy, line, anchor="ls")``, pasted word by word from cached masks (:func:`_line_mask`).

    A product's name is new on every card, but its words recur across thousands: rendering a line
    was a quarter of a card's time. The pixels are the same: Pillow sets each glyph at the pen's
    whole-pixel position (the hinted advances of this font are whole pixels), so a word's glyphs
    land where they would in the line, and words whose masks do not overlap paste alike one by
    one or together (a test compares thousands of names). A line whose advances are not whole or
    whose words' masks touch (where Pillow would blend them) is drawn by Pillow.
    """
    font = _font(weight, size)
    x, y = xy
    space = _word_length(font, " ")
    pen, placed, right = 0.0, [], None
    for word in line.split(" "):
        if word:
            mask, (dx, dy) = _line_mask(word, weight, size)
            if mask is not None:
                left = x + int(pen) + dx
                if pen != int(pen) or (right is not None and left < right):
                    draw.text(xy, line, font=font, fill=colour, anchor="ls")
                    return
                placed.append((mask, (left, y + dy)))
                right = left + mask.width
        pen += _word_length(font, word) + space
    for mask, where in placed:
        card.paste(colour, where, mask)


def _load_photo(path: str) -> Optional[Image.Image]:
    """The card's left panel from a processed photo, or None when it cannot be read."""
    box = (PHOTO_W, HEIGHT)
    try:
        with Image.open(path) as im:
            im.draft("RGB", box)
            return ImageOps.fit(im.convert("RGB"), box, Image.Resampling.LANCZOS)
    except OSError:
        return None


@lru_cache(maxsize=16)
def _with_panel(host: str, stars: int) -> Image.Image:
    """The site's template (:func:`_template`) with the plain panel of a card without a photo:
    the panel and the template's parts do not overlap, so pasting it once here gives each card's pixels."""
    card = _template(host)[0].copy()
    card.paste(_plain_panel(stars), (0, 0))
    return card


@lru_cache(maxsize=8)
def _plain_panel(stars: int) -> Image.Image:
    """The left panel of a card without a photo: the brand colour, 'OCOP' and the stars (drawn once per rating)."""
    panel = Image.new("RGB", (PHOTO_W, HEIGHT), BRAND)
    draw = ImageDraw.Draw(panel)
    draw.text((PHOTO_W // 2, HEIGHT // 2 - 40), "OCOP", font=_font("Bold", 120), fill="white", anchor="mm")
    if stars:   # (0: a sales point's or producer's card)
        image, mask = _stars(stars, 56, filled_colour=BADGE, empty_colour="#ffffff")
        panel.paste(image, ((PHOTO_W - image.width) // 2, HEIGHT // 2 + 50), mask)
    return panel


@lru_cache(maxsize=32)
def _stars(n: int, size: int, filled_colour: str = STAR, empty_colour: str = "#c9d0cc") -> tuple[Image.Image, Image.Image]:
    """Five stars, ``n`` filled, drawn at four times the size and reduced (smooth edges). (image, mask)

    Cached: the same few ratings and sizes recur on every card; callers only paste them.
    """
    k = 4
    gap = size // 5
    w, h = (5 * size + 4 * gap) * k, size * k
    colour = Image.new("RGB", (w, h), filled_colour)
    mask = Image.new("L", (w, h), 0)
    paint = ImageDraw.Draw(mask)
    fill_layer = Image.new("L", (w, h), 0)
    filled = ImageDraw.Draw(fill_layer)
    for i in range(5):
        cx, cy, r = (i * (size + gap) + size / 2) * k, h / 2 + size * k * 0.04, size * k / 2
        points = [(cx + (r if j % 2 == 0 else r * 0.42) * math.sin(math.pi * j / 5),
                   cy - (r if j % 2 == 0 else r * 0.42) * math.cos(math.pi * j / 5)) for j in range(10)]
        paint.polygon(points, fill=255)
        if i < n:
            filled.polygon(points, fill=255)
    empty = Image.new("RGB", (w, h), empty_colour)
    colour = Image.composite(colour, empty, fill_layer)
    size_out = (w // k, h // k)
    return colour.resize(size_out, Image.Resampling.LANCZOS), mask.resize(size_out, Image.Resampling.LANCZOS)


#: Words longer than this are measured character by character (see :func:`_word_length`).
_LONG_WORD = 64


@lru_cache(maxsize=65536)
def _word_length(font: ImageFont.FreeTypeFont, word: str) -> float:
    """``font.getlength(word)``. A long word is measured as the sum of its characters' advances:
    the basic layout applies no kerning with this font (it has no legacy 'kern' table), so the
    sum is the same number (a test checks it), and Pillow loads every glyph on each call, which
    costs about 35 µs a character: a name of 20,000 characters would take seconds per measure."""
    if len(word) <= _LONG_WORD:
        return font.getlength(word)
    return sum(_char_length(font, c) for c in word)


@lru_cache(maxsize=4096)
def _char_length(font: ImageFont.FreeTypeFont, char: str) -> float:
    return font.getlength(char)


def _measure(font: ImageFont.FreeTypeFont, text: str) -> float:
    """The advance width of ``text``: the sum of its words' and spaces' widths.

    The basic layout adds no kerning across spaces, so the sum equals ``font.getlength(text)``
    (a test checks it); words recur across thousands of cards, and measuring a word is the slow
    part (its glyphs are loaded each time).
    """
    words = text.split(" ")
    return sum(_word_length(font, w) for w in words) + _word_length(font, " ") * (len(words) - 1)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word longer than a line is cut by characters (:func:`_break`).

    Linear in the length of the text: every word is measured a bounded number of times.
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _measure(font, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if len(word) > 1 and _measure(font, word) > width:
            *full, word = _break(word, font, width)
            lines += full
        line = word
    if line:
        lines.append(line)
    return lines


def _break(word: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """``word`` cut into pieces, each the longest run of characters that fits in ``width``
    (at least one character); the last piece may be short.

    A cut is found by adding up the characters' advances (as :func:`_word_length` does), once per
    character: linear in the word's length. (Measuring every prefix of a long word, as a
    character-by-character search does, took minutes for a few hundred characters.)
    """
    pieces = []
    start, n = 0, len(word)
    while start < n:
        cut, total = start, 0.0
        while cut < n and total + (advance := _char_length(font, word[cut])) <= width:
            total += advance
            cut += 1
        cut = max(cut, start + 1)
        pieces.append(word[start:cut])
        start = cut
    return pieces


def _clip(lines: list[str], max_lines: int, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """At most ``max_lines``, the last one ending in '…' when text was cut."""
    if len(lines) <= max_lines and all(_measure(font, line) <= width for line in lines):
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    if _measure(font, last) > width:          # one overlong line: start from the part that fits
        last = _break(last, font, width)[0]
    while last and _measure(font, last + "…") > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


def site_path(record_path: str, ref: str) -> str:
    import posixpath
    return posixpath.normpath(posixpath.join(posixpath.dirname(record_path), ref))
