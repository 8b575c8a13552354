"""The trade-fair print kit: an A4 PDF of cut-out QR cards, or a shelf poster of one sales point.

``ocop-site print --output FILE.pdf`` lays out one card per valid product,
eight to a page (2 × 4, 95 × 69 mm, dashed cut lines): the QR code of the
product page, the OCOP badge and stars, the name, the producer, the product
code, the short address of the page and the date until which the rating is
valid. With ``--sales-point SLUG`` it makes a shelf poster instead: the sales
point's name and address, then a grid of its valid products with their QR
codes and codes, to put up beside the shelf.

Made with fpdf2: QR codes are drawn as vector paths (one filled path per
code, sharp at any printer resolution), text is set in Be Vietnam Pro (the
font of the share cards, embedded as a subset) so every Vietnamese letter
prints as written. Only valid products are printed, and the PDF is the same
byte for byte for the same sources, date and options (its creation date is
the ``--today`` date, and nothing else in it depends on the clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional
from urllib.parse import urlsplit

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, PathPaintRule

from ..core.diagnostics import Diagnostic
from ..core.routes import Routes
from ..core.vietnamese import slugify, sort_key
from ..media import qr
from ..media.sharecard import font_file
from ..records.provinces import selection_keys
from ..site.registry import Media
from ..site.views import BatchView, ProductView, build_views

A4_W, A4_H = 210.0, 297.0
MARGIN = 10.0
COLS, ROWS = 2, 4
CARD_W, CARD_H = (A4_W - 2 * MARGIN) / COLS, (A4_H - 2 * MARGIN) / ROWS
INK, MUTED, BRAND, STAR, BADGE, CUT = (27, 31, 29), (74, 82, 78), (15, 76, 58), (176, 116, 0), (255, 221, 0), (150, 150, 150)
VIETNAM = timezone(timedelta(hours=7))

# Stamp sheets (print --lots): 2 cm codes in 30 × 34 mm cells, 6 × 7 to an A4 page, centred
LOT_QR = 20.0
LABEL_W, LABEL_H, LABEL_PAD = 30.0, 34.0, 3.0
LABEL_COLS, LABEL_ROWS = 6, 7
LABEL_X0 = (A4_W - LABEL_COLS * LABEL_W) / 2
LABEL_Y0 = (A4_H - LABEL_ROWS * LABEL_H) / 2
CROP_LEN, CROP_GAP, CROSS = 5.0, 1.5, 1.2

LABELS = {
    "vi": {"valid_until": "Hiệu lực đến {date}", "code": "Mã sản phẩm: {code}", "poster": "Sản phẩm OCOP tại điểm bán",
           "scan": "Quét mã QR để xem quyết định công nhận OCOP, nhà sản xuất và các lô hàng.",
           "as_of": "Danh sách các sản phẩm có chứng nhận OCOP còn hiệu lực ngày {date}.",
           "cards": "Thẻ QR sản phẩm OCOP", "page": "Trang {n}/{total}",
           "lots": "Tem QR lô sản phẩm OCOP", "lot": "Lô {lot}"},
    "en": {"valid_until": "Valid until {date}", "code": "Product code: {code}", "poster": "OCOP products at this sales point",
           "scan": "Scan a QR code to see the OCOP rating decision, the producer and the lots.",
           "as_of": "Products holding a valid OCOP rating on {date}.",
           "cards": "OCOP product QR cards", "page": "Page {n}/{total}",
           "lots": "OCOP lot QR labels", "lot": "Lot {lot}"},
}
_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM y"}


@dataclass(frozen=True)
class Selection:
    """Which products to print."""

    category: Optional[str] = None
    province: Optional[str] = None        # a name or a slug: "Hà Giang" or "ha-giang"
    sales_point: Optional[str] = None     # slug: a shelf poster instead of cards (with ``lots``: a filter)
    product: Optional[str] = None         # a product code
    producer: Optional[str] = None        # a producer slug
    lots: bool = False                    # stamp sheets of lot labels instead of cards


def _matches(v: ProductView, selection: Selection, provinces) -> bool:
    if selection.category and v.category != selection.category:
        return False
    if provinces and v.province_slug not in provinces and slugify(v.location.province) not in provinces:
        return False
    if selection.sales_point and selection.sales_point not in v.record.sales_points:
        return False
    if selection.product and v.code != selection.product:
        return False
    return not (selection.producer and v.record.producer != selection.producer)


def select(views, selection: Selection, valid_only: bool = True) -> list[ProductView]:
    """The valid products (every product with a page, when not ``valid_only``) that match, in
    Vietnamese alphabetical order."""
    provinces = selection_keys(selection.province) if selection.province else None
    out = [v for v in (views.valid if valid_only else views.products) if _matches(v, selection, provinces)]
    return sorted(out, key=lambda v: (sort_key(v.name), v.code))


def make_pdf(catalog, today: date, routes: Routes, campaign: Optional[str],
             selection: Selection = Selection()) -> tuple[Optional[bytes], int]:
    """(PDF bytes, number of products printed); (None, 0) when nothing matches."""
    lang = catalog.config.languages[0]
    views = build_views(catalog, today, lang, routes, Media(), lambda entry, loc: "")
    products = select(views, selection)
    if not products:
        return None, 0
    kit = Kit(catalog.config, routes, today, lang, campaign)
    if selection.sales_point:
        point = next(s for s in views.sales_points if s.slug == selection.sales_point)
        kit.poster(point, products)
    else:
        kit.cards(products)
    return kit.output(), len(products)


@dataclass
class LotSheets:
    """The result of ``make_lot_sheets``: the PDF (None when no label), the labels printed, and a
    diagnostic for each matching product whose lots were refused (its rating is not valid)."""

    pdf: Optional[bytes]
    labels: int
    refused: list[Diagnostic]


def why_not_valid(st, lang: str) -> str:
    """'expired on 13/05/2023', 'was revoked on …', 'is not yet in effect': a product's rating that is not valid."""
    day = format_date(st.ended_on, _DATE.get(lang, "yyyy-MM-dd"), locale=lang) if st.ended_on else ""
    return {"revoked": f"was revoked on {day}", "expired": f"expired on {day}"}.get(st.status.value,
                                                                                     "is not yet in effect")


def refusal(entry, v: ProductView, lang: str) -> Diagnostic:
    """Why the lots of ``v`` (expired or revoked) are not printed, at its ``batches`` key."""
    return entry.smap.key(("batches",)).warning(
        "W115", f"{v.code} ({v.name}): its OCOP rating {why_not_valid(v.standing, lang)}; the lots of a product "
                "that is not currently rated are not printed on stamp labels")


def make_lot_sheets(catalog, today: date, routes: Routes, campaign: Optional[str],
                    selection: Selection = Selection(lots=True)) -> LotSheets:
    """A4 sheets of 2 cm QR labels, one for each lot of the matching valid products; each code
    carries the lot page's URL (the same text as the site's own ``p/<CODE>/lot/<LOT>/qr.svg``)."""
    lang = catalog.config.languages[0]
    views = build_views(catalog, today, lang, routes, Media(), lambda entry, loc: "")
    refused = [refusal(catalog.products[v.code], v, lang) for v in select(views, selection, valid_only=False)
               if not v.standing.is_valid and v.batches]
    labels = [(v, b) for v in select(views, selection) for b in sorted(v.batches, key=lambda b: (b.batch.produced,
                                                                                                   b.batch.lot))]
    if not labels:
        return LotSheets(None, 0, refused)
    kit = Kit(catalog.config, routes, today, lang, campaign)
    kit.lot_labels(labels)
    return LotSheets(kit.output(), len(labels), refused)


class Kit:
    def __init__(self, config, routes: Routes, today: date, lang: str, campaign: Optional[str]):
        self.config, self.routes, self.today, self.campaign = config, routes, today, campaign
        self.lang = lang if lang in LABELS else "en"
        self.t = LABELS[self.lang]
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.add_font("BeVietnamPro", "", str(font_file("Regular")))
        pdf.add_font("BeVietnamPro", "B", str(font_file("Bold")))
        pdf.set_creation_date(datetime.combine(today, time(0, 0), tzinfo=VIETNAM))
        pdf.set_creator("ocop-site")
        pdf.set_author(config.title)
        pdf.set_lang(lang)
        self.pdf = pdf

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def fmt_date(self, day: date) -> str:
        return format_date(day, _DATE.get(self.lang, "yyyy-MM-dd"), locale=self.lang)

    def short_url(self, v: ProductView) -> str:
        """The page's address without the scheme, to type in when a camera is not at hand."""
        parts = urlsplit(v.abs_url)
        return parts.netloc + parts.path

    def code_text(self, v: ProductView) -> str:
        return qr.with_campaign(self.routes.abs_url("product", v.code), self.campaign)

    # --- drawing helpers ---

    def font(self, size: float, bold: bool = False, colour=INK) -> None:
        self.pdf.set_font("BeVietnamPro", "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def lines(self, text: str, width: float, max_lines: int) -> list[str]:
        """``text`` wrapped to ``width`` in the current font, at most ``max_lines`` (the last cut with '…')."""
        found = self.pdf.multi_cell(width, 4, text, dry_run=True, output=MethodReturnValue.LINES, align="L")
        if len(found) <= max_lines:
            return found
        kept = found[:max_lines]
        last = kept[-1].rstrip()
        while last and self.pdf.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        kept[-1] = last + "…"
        return kept

    def text_block(self, x: float, y: float, text: str, width: float, size: float, max_lines: int,
                   bold: bool = False, colour=INK, align: str = "L", leading: float = 1.25) -> float:
        """Write wrapped text with its first baseline near ``y``; returns the y below it."""
        self.font(size, bold, colour)
        step = size * 0.3528 * leading          # points → mm
        for line in self.lines(text, width, max_lines):
            y += step
            w = self.pdf.get_string_width(line)
            dx = (width - w) / 2 if align == "C" else 0
            self.pdf.text(x + dx, y - step * 0.22, line)
        return y

    def qr_code(self, x: float, y: float, size: float, text: str) -> None:
        """The code as one vector path, quiet zone included in ``size``."""
        code = qr.make(text)
        n = code.size + 2 * qr.BORDER
        m = size / n
        pdf = self.pdf
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x, y, size, size, style="F")
        with pdf.new_path() as path:
            path.style.fill_color = "#000000"
            path.style.stroke_color = None
            path.style.paint_rule = PathPaintRule.FILL_NONZERO
            for row, col, length in qr.modules(code):
                path.rectangle(x + (col + qr.BORDER) * m, y + (row + qr.BORDER) * m, length * m, m)

    def stars(self, x: float, y: float, n: int, size: float) -> float:
        """Five stars from ``x`` (centre line ``y``), ``n`` filled; returns the x after them."""
        pdf = self.pdf
        r = size / 2
        pdf.set_line_width(0.25)
        for i in range(5):
            cx = x + r + i * size * 1.15
            if i < n:
                pdf.set_fill_color(*STAR)
                pdf.set_draw_color(*STAR)
                style = "DF"
            else:
                pdf.set_draw_color(*STAR)
                style = "D"
            pdf.star(cx, y, r * 0.42, r, 5, rotate_degrees=36, style=style)   # 36°: one point up
        return x + 5 * size * 1.15

    def badge(self, x: float, y: float, height: float = 5.0) -> float:
        pdf = self.pdf
        self.font(8.5, True)
        w = pdf.get_string_width("OCOP") + 3
        pdf.set_fill_color(*BADGE)
        pdf.rect(x, y, w, height, style="F", round_corners=True, corner_radius=1)
        pdf.text(x + 1.5, y + height * 0.72, "OCOP")
        return x + w

    # --- layouts ---

    def cards(self, products: list[ProductView]) -> None:
        pdf = self.pdf
        per_page = COLS * ROWS
        pdf.set_title(f"{self.t['cards']} — {self.config.title}")
        for i, v in enumerate(products):
            if i % per_page == 0:
                pdf.add_page()
                self.cut_lines(min(per_page, len(products) - i))
            slot = i % per_page
            self.card(MARGIN + (slot % COLS) * CARD_W, MARGIN + (slot // COLS) * CARD_H, v)

    def cut_lines(self, count: int) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*CUT)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        for slot in range(count):
            x, y = MARGIN + (slot % COLS) * CARD_W, MARGIN + (slot // COLS) * CARD_H
            pdf.rect(x, y, CARD_W, CARD_H, style="D")
        pdf.set_dash_pattern()

    def card(self, x: float, y: float, v: ProductView) -> None:
        pad = 5.0
        qr_size = 44.0
        self.qr_code(x + pad - 1.5, y + pad - 1.5, qr_size, self.code_text(v))   # the quiet zone is white margin
        tx = x + pad + qr_size + 1
        width = x + CARD_W - pad - tx
        after = self.badge(tx, y + pad)
        self.stars(after + 2, y + pad + 2.5, v.stars or 0, 3.6)
        ty = self.text_block(tx, y + pad + 7, v.name, width, 12, 4, bold=True)
        ty = self.text_block(tx, ty + 1, v.producer.name, width, 8, 2, colour=MUTED)
        ty = self.text_block(tx, ty + 1, self.t["code"].format(code="").rstrip(": "), width, 7, 1, colour=MUTED)
        self.text_block(tx, ty, v.code, width, 9.5, 1, bold=True, colour=BRAND)
        bottom = y + CARD_H - pad
        full = CARD_W - 2 * pad
        self.text_block(x + pad, bottom - 9.4, self.short_url(v), full, 8, 1, colour=BRAND)
        self.text_block(x + pad, bottom - 4.6, self.t["valid_until"].format(date=self.fmt_date(v.standing.valid_until)),
                        full, 9, 1, bold=True)

    def poster(self, point, products: list[ProductView]) -> None:
        pdf = self.pdf
        pdf.set_title(f"{self.t['poster']}: {point.name} — {self.config.title}")
        cols, tile_w, tile_h = 3, (A4_W - 2 * MARGIN) / 3, 58.0
        header_h = 44.0
        pages = []
        remaining = list(products)
        first = True
        while remaining:
            rows = int((A4_H - 2 * MARGIN - (header_h if first else 12)) // tile_h)
            pages.append(remaining[:rows * cols])
            remaining = remaining[rows * cols:]
            first = False
        for n, chunk in enumerate(pages, 1):
            pdf.add_page()
            y = MARGIN
            self.text_block(MARGIN, y - 1, self.config.title, A4_W - 2 * MARGIN, 8, 1, colour=MUTED)
            if n == 1:
                y = self.text_block(MARGIN, y + 3, self.t["poster"], A4_W - 2 * MARGIN, 12, 1, colour=BRAND, bold=True)
                y = self.text_block(MARGIN, y, point.name, A4_W - 2 * MARGIN, 20, 2, bold=True)
                y = self.text_block(MARGIN, y + 0.5, point.address, A4_W - 2 * MARGIN, 10, 2, colour=MUTED)
                y = self.text_block(MARGIN, y + 1, self.t["scan"] + " " + self.t["as_of"].format(
                    date=self.fmt_date(self.today)), A4_W - 2 * MARGIN, 9, 2)
                y = MARGIN + header_h
            else:
                y = MARGIN + 12
            if len(pages) > 1:
                self.text_block(MARGIN, A4_H - MARGIN - 3, self.t["page"].format(n=n, total=len(pages)),
                                A4_W - 2 * MARGIN, 8, 1, colour=MUTED, align="C")
            for i, v in enumerate(chunk):
                self.tile(MARGIN + (i % cols) * tile_w, y + (i // cols) * tile_h, tile_w, tile_h, v)

    def tile(self, x: float, y: float, w: float, h: float, v: ProductView) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*CUT)
        pdf.set_line_width(0.2)
        pdf.rect(x + 1, y + 1, w - 2, h - 2, style="D", round_corners=True, corner_radius=2)
        size = 32.0
        self.qr_code(x + (w - size) / 2, y + 2, size, self.code_text(v))
        ty = self.text_block(x + 3, y + 2 + size - 1.5, v.code, w - 6, 11, 1, bold=True, colour=BRAND, align="C")
        stars_w = 5 * 3.6 * 1.15
        self.stars(x + (w - stars_w) / 2, ty + 2.4, v.stars or 0, 3.6)
        ty = self.text_block(x + 3, ty + 4, v.name, w - 6, 9.5, 2, bold=True, align="C")
        self.text_block(x + 3, ty + 0.2, v.producer.name, w - 6, 7.5, 1, colour=MUTED, align="C")

    def lot_labels(self, labels: list[tuple[ProductView, BatchView]]) -> None:
        """Sheets of lot labels: a grid of LABEL_W × LABEL_H cells, each a 2 cm QR code with the lot
        code and the product name under it, crop marks on every cut line."""
        pdf = self.pdf
        pdf.set_title(f"{self.t['lots']} — {self.config.title}")
        per_page = LABEL_COLS * LABEL_ROWS
        pages = -(-len(labels) // per_page)
        for i, (v, b) in enumerate(labels):
            slot = i % per_page
            if slot == 0:
                pdf.add_page()
                count = min(per_page, len(labels) - i)
                self.crop_marks(min(count, LABEL_COLS), -(-count // LABEL_COLS))
                footer = f"{self.t['lots']} — {self.config.title}"
                if pages > 1:
                    footer += " — " + self.t["page"].format(n=i // per_page + 1, total=pages)
                self.text_block(LABEL_X0, A4_H - MARGIN + 1.5, footer, LABEL_COLS * LABEL_W, 6, 1, colour=MUTED)
            x = LABEL_X0 + (slot % LABEL_COLS) * LABEL_W
            y = LABEL_Y0 + (slot // LABEL_COLS) * LABEL_H
            self.lot_label(x, y, v, b)

    def lot_label(self, x: float, y: float, v: ProductView, b: BatchView) -> None:
        text = qr.with_campaign(self.routes.root + self.routes.rel("lot", v.code, b.batch.lot), self.campaign)
        code = qr.make(text)
        full = LOT_QR * (code.size + 2 * qr.BORDER) / code.size      # the symbol 2 cm, its quiet zone around it
        self.qr_code(x + (LABEL_W - full) / 2, y + LABEL_PAD - (full - LOT_QR) / 2, full, text)
        ty = y + LABEL_PAD + LOT_QR + 0.6
        ty = self.text_block(x + 1.5, ty, b.batch.lot, LABEL_W - 3, 7.5, 1, bold=True, align="C")
        self.text_block(x + 1.5, ty, v.name, LABEL_W - 3, 5.5, 2, align="C", leading=1.15)

    def crop_marks(self, cols: int, rows: int) -> None:
        """Marks in the margins on every cut line of a ``cols`` × ``rows`` grid, and small crosses
        where cut lines meet inside it."""
        pdf = self.pdf
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.15)
        left, top = LABEL_X0, LABEL_Y0
        right, bottom = left + cols * LABEL_W, top + rows * LABEL_H
        for c in range(cols + 1):
            x = left + c * LABEL_W
            pdf.line(x, top - CROP_GAP - CROP_LEN, x, top - CROP_GAP)
            pdf.line(x, bottom + CROP_GAP, x, bottom + CROP_GAP + CROP_LEN)
        for r in range(rows + 1):
            y = top + r * LABEL_H
            pdf.line(left - CROP_GAP - CROP_LEN, y, left - CROP_GAP, y)
            pdf.line(right + CROP_GAP, y, right + CROP_GAP + CROP_LEN, y)
        for c in range(1, cols):
            for r in range(1, rows):
                x, y = left + c * LABEL_W, top + r * LABEL_H
                pdf.line(x - CROSS, y, x + CROSS, y)
                pdf.line(x, y - CROSS, x, y + CROSS)
