"""Share cards with hostile text: long words are broken or ellipsised, in linear time, inside the frame."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT
from PIL import Image

from ocop_site.media import sharecard

#: Run in a child process under this limit: a wrap that measures every prefix of a long word took
#: 35 s for 400 characters and never ended for 20,000; a linear one takes well under a second.
LIMIT = 60

DRAW = """
import json, sys
from ocop_site.media import sharecard
n = int(sys.argv[1])
word = ("Mậtongbạchàđặcbiệt" * (n // 18 + 1))[:n]
spec = sharecard.CardSpec("X-1", word, 5, "HTX" + word, "Tỉnh" + word, "ocop.example.gov.vn", None, None)
sys.stdout.buffer.write(sharecard.render(spec))
"""


@pytest.mark.parametrize("length", [400, 800, 20_000])
def test_a_long_word_without_spaces_is_broken_and_the_card_stays_in_its_frame(length):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-c", DRAW, str(length)], capture_output=True, timeout=LIMIT,
                              env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a {length}-character name did not make a card within {LIMIT} s")
    assert done.returncode == 0, done.stderr.decode()
    with Image.open(io.BytesIO(done.stdout)) as im:
        assert im.format == "JPEG" and im.size == (sharecard.WIDTH, sharecard.HEIGHT)
        card = im.convert("L")
    # Nothing is drawn in the right margin (above the brand bar): no text ran past the frame.
    # (From the first 8×8 JPEG block wholly inside the margin: no ringing of the last glyph.)
    left = -(-(sharecard.WIDTH - sharecard.PAD) // 8) * 8
    margin = card.crop((left, 0, sharecard.WIDTH, sharecard.HEIGHT - 16))
    assert margin.getextrema()[0] > 235, "text drawn in the right margin"
    # and the text area does hold text
    text_area = card.crop((sharecard.PHOTO_W + sharecard.PAD, 140, left - 8, 300))
    assert text_area.getextrema()[0] < 80


def test_long_words_are_cut_where_they_fill_the_line_and_the_name_ends_in_an_ellipsis():
    font = sharecard._font("Bold", 36)
    width = sharecard.WIDTH - sharecard.PAD - (sharecard.PHOTO_W + sharecard.PAD)
    word = "Mậtongbạchàđặcbiệt" * 300
    lines = sharecard._wrap(f"Mật ong {word} Pả Vi", font, width)
    assert lines[0] == "Mật ong" and lines[-1].endswith("Pả Vi")
    assert "".join(lines[1:-1]) + lines[-1].split(" ")[0] == word      # nothing lost or repeated
    for line in lines:
        assert font.getlength(line) <= width
    for line, following in zip(lines[1:-2], lines[2:-1]):
        assert font.getlength(line + following[0]) > width, "a cut line is as full as it can be"
    clipped = sharecard._clip(lines, 4, font, width)
    assert len(clipped) == 4 and clipped[-1].endswith("…") and font.getlength(clipped[-1]) <= width
    # a single overlong line (the site's address) is ellipsised within the width, not scanned from its end
    host = sharecard._clip(["ocop." + "x" * 20_000 + ".vn"], 1, font, width)
    assert host[0].endswith("…") and font.getlength(host[0]) <= width < font.getlength(host[0][:-1] + "xx…")


def test_ordinary_names_wrap_as_before():
    font = sharecard._font("Bold", 60)
    width = 528
    assert sharecard._wrap("Mật ong bạc hà Mèo Vạc", font, width) == ["Mật ong bạc hà", "Mèo Vạc"]
    assert json.dumps(sharecard._wrap("  Trà   Shan tuyết  ", font, width)) == json.dumps(["Trà Shan tuyết"])


def test_a_long_word_measures_as_the_font_measures_it():
    """Long words are measured by summing cached character advances; the font's own measure agrees."""
    word = "Mậtongbạchàđặcbiệt—ẾỔỰđĐ" * 12
    for weight, size in (("Bold", 60), ("Bold", 36), ("SemiBold", 30), ("Regular", 28), ("Medium", 26)):
        font = sharecard._font(weight, size)
        assert len(word) > sharecard._LONG_WORD
        assert sharecard._measure(font, f"Mật {word} ong") == font.getlength(f"Mật {word} ong"), (weight, size)
        for piece in sharecard._break(word, font, 528):
            assert sum(sharecard._char_length(font, c) for c in piece) == font.getlength(piece)


def test_a_recurring_line_pasted_from_its_cached_mask_looks_as_drawn():
    """Producer and province lines are rendered once and pasted; the pixels are those of draw.text."""
    from PIL import ImageDraw
    for text, weight, size, colour in (("Hợp tác xã Nông nghiệp Đồng Tháp", "SemiBold", 30, sharecard.INK),
                                       ("Thừa Thiên Huế — ỰẪỄ gjpqy", "Regular", 28, sharecard.MUTED),
                                       ("ÁẮẰẲẴẶ Ở Ỡ", "SemiBold", 30, "#b07400")):
        for x, y in ((616, 400), (617, 431)):
            drawn = Image.new("RGB", (1200, 630), "white")
            drawn.paste((200, 230, 210), (600, 380, 900, 420))           # text over something else too
            pasted = drawn.copy()
            ImageDraw.Draw(drawn).text((x, y), text, font=sharecard._font(weight, size), fill=colour, anchor="ls")
            mask, (dx, dy) = sharecard._line_mask(text, weight, size)
            pasted.paste(colour, (x + dx, y + dy), mask)
            assert pasted.tobytes() == drawn.tobytes(), (text, x, y)
    assert sharecard._line_mask("   ", "Regular", 28)[0] is None


NAMES = ["Mật ong bạc hà Mèo Vạc", "Nước mắm Phú Quốc ưu hạng Đặc biệt — Ễ Ỡ Ự Ầ Ẫ", "j j j ựựự gjpqy Ý Ỹ",
         "“Chè” ‘Tân’ Cương (Thái Nguyên) 100%", "Ỷ Ỵ ỹ ỵ Ặ Ậ Ẩ ổ ộ ớ ờ ở ỡ ợ ừ ứ ự ữ", "f j T, V/ W\\ _y ’j ”g",
         "W \u0301 a \u0323 Trà Shan tuyết", "Gạo ST25 túi 5kg", "Bánh tráng phơi sương Trảng Bàng"]


def _drawn_and_pasted(line, size, colour=sharecard.INK):
    from PIL import ImageDraw
    drawn = Image.new("RGB", (1200, 630), "white")
    drawn.paste((200, 230, 210), (600, 100, 900, 180))            # text over something else too
    pasted = drawn.copy()
    font = sharecard._font("Bold", size)
    ImageDraw.Draw(drawn).text((616, 160), line, font=font, fill=colour, anchor="ls")
    sharecard._draw_words(pasted, ImageDraw.Draw(pasted), (616, 160), line, "Bold", size, colour)
    return drawn.tobytes(), pasted.tobytes()


def test_a_name_pasted_word_by_word_looks_as_drawn():
    """A name's line is pasted from its words' cached masks; the pixels are those of draw.text,
    at every size a name is set in (and the words' masks are reused across lines)."""
    for size in (60, 56, 52, 48, 44, 40, 36):
        for name in NAMES:
            drawn, pasted = _drawn_and_pasted(name, size)
            assert pasted == drawn, (name, size)


def test_a_line_whose_words_would_not_land_on_whole_pixels_or_would_touch_is_drawn_by_pillow(monkeypatch):
    """Pasting by words holds only for whole-pixel advances and masks apart; otherwise Pillow draws
    the line (here the advances are made wrong: pasting by them would put the words elsewhere)."""
    real = sharecard._word_length
    line = "Mật ong bạc hà"
    monkeypatch.setattr(sharecard, "_word_length", lambda font, word: real(font, word) + 0.25)   # not whole
    assert _drawn_and_pasted(line, 60)[0] == _drawn_and_pasted(line, 60)[1]
    monkeypatch.setattr(sharecard, "_word_length", lambda font, word: -30.0 if word == " " else real(font, word))
    assert _drawn_and_pasted(line, 60)[0] == _drawn_and_pasted(line, 60)[1]                    # overlapping
    monkeypatch.setattr(sharecard, "_word_length", lambda font, word: real(font, word) + (3 if word == " " else 0))
    drawn, pasted = _drawn_and_pasted(line, 60)
    assert drawn != pasted, "the check above would pass whatever was pasted"


def _many_products(root, n=12):
    from helpers import PRODUCT, write_site
    codes = [f"QN-2023-{i:04d}" for i in range(1, n + 1)]
    write_site(root, {f"products/{code}.yaml": PRODUCT.format(code=code).replace("Mật ong bạc hà", f"Mật ong {code}")
                      for code in codes})
    return codes


def test_views_made_while_the_cards_are_drawn_are_the_views_of_the_cards_drawn(tmp_path, monkeypatch):
    """A build makes its views while its workers draw the cards, from the cards as they will be;
    when a card cannot be drawn, those views are not used: the product's page has no card and the
    others are as in a build where every card was drawn."""
    from datetime import date

    from ocop_site.site.builder import build
    codes = _many_products(tmp_path / "site")
    whole = build(tmp_path / "site", tmp_path / "whole", date(2025, 6, 1), workers=2, cache_dir=tmp_path / "c1")
    assert any("alongside" in stage for stage, _ in whole.timings), whole.timings   # (the path under test ran)
    real = sharecard.render
    broken = codes[3]

    def render(spec):
        if spec.code == broken:
            raise OSError("disk full")
        return real(spec)
    monkeypatch.setattr(sharecard, "render", render)   # (forked workers inherit it)
    failed = build(tmp_path / "site", tmp_path / "failed", date(2025, 6, 1), workers=2, cache_dir=tmp_path / "c2")
    assert not any("alongside" in stage for stage, _ in failed.timings), failed.timings
    assert [d.code for d in failed.diagnostics if broken in d.message] == ["W105"]
    page = (tmp_path / "failed" / "p" / broken / "index.html").read_text()
    assert "share-" not in page and not list((tmp_path / "failed" / "p" / broken).glob("share-*"))
    for code in codes:
        if code != broken:
            again = (tmp_path / "failed" / "p" / code / "index.html").read_text()
            assert "share-" in again and again == (tmp_path / "whole" / "p" / code / "index.html").read_text()


def test_masks_put_together_from_characters_are_pillows(monkeypatch):
    """Words and lines are put together from their characters' masks, overlapping glyphs laid over
    each other as Pillow does ('Hữu': the ữ and the u share a column); the masks are Pillow's."""
    texts = [w for name in NAMES for w in name.split(" ") if w] + NAMES + ["Hữu", "Cơ sở sản xuất bánh đa Giàng Hữu Phước",
                                                                       "aăâbcdđeêghiklmnoôơpqrstuưvxy", "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY",
                                                                       "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"]
    for weight, size in [("Bold", z) for z in (60, 56, 52, 48, 44, 40, 36)] + [("SemiBold", 30), ("Regular", 28)]:
        assert sharecard._glyphs_compose(weight, size), (weight, size)      # the path is taken
        for text in texts:
            composed, drawn = sharecard._glyphs_mask(text, weight, size), sharecard._rendered_mask(text, weight, size)
            assert composed[1] == drawn[1] and composed[0].tobytes() == drawn[0].tobytes(), (text, weight, size)
    # the laying over is needed: with the maximum in its place, 'Hữu' would differ
    assert sharecard._over(bytes([36, 0, 9]), bytes([6, 7, 0])) == bytes([41, 7, 9])
    monkeypatch.setattr(sharecard, "_over", lambda source, target: bytes(map(max, source, target)))
    composed, drawn = sharecard._glyphs_mask("Hữu", "SemiBold", 30), sharecard._rendered_mask("Hữu", "SemiBold", 30)
    assert composed[0].tobytes() != drawn[0].tobytes()


def test_a_sales_points_count_pasted_from_its_mask_looks_as_drawn():
    """The 'N sản phẩm OCOP' line (anchored at its middle) is rendered once per text and pasted."""
    from PIL import ImageDraw
    for text in ("7 sản phẩm OCOP", "12 OCOP products"):
        for x, y in ((700, 80), (703, 81)):
            drawn = Image.new("RGB", (1200, 630), "white")
            pasted = drawn.copy()
            ImageDraw.Draw(drawn).text((x, y), text, font=sharecard._font("SemiBold", 30), fill=sharecard.BRAND, anchor="lm")
            mask, (dx, dy) = sharecard._line_mask(text, "SemiBold", 30, "lm")
            pasted.paste(sharecard.BRAND, (x + dx, y + dy), mask)
            assert pasted.tobytes() == drawn.tobytes(), (text, x, y)


def test_where_characters_do_not_compose_exactly_lines_are_rendered(monkeypatch):
    monkeypatch.setattr(sharecard, "_glyphs_mask", lambda *a: pytest.fail("put together although not exact"))
    sharecard._line_mask.cache_clear()
    sharecard._glyphs_compose.cache_clear()
    monkeypatch.setattr(sharecard, "_char_length", lambda font, char: font.getlength(char) + 0.5)
    try:
        assert not sharecard._glyphs_compose("Bold", 60)
        assert sharecard._line_mask("Mật ong", "Bold", 60)[0] is not None
    finally:
        sharecard._line_mask.cache_clear()
        sharecard._glyphs_compose.cache_clear()


def test_a_card_worker_that_dies_while_the_views_are_made_ends_the_build_with_nothing_published(tmp_path, monkeypatch):
    """A worker killed while it draws (out of memory…) ends the build as a dead page worker does,
    though this process was making the views alongside: nothing published, no staging left."""
    import os
    from datetime import date

    from ocop_site.core.workers import WorkerDied, can_fork
    from ocop_site.site.builder import build
    if not can_fork():
        pytest.skip("workers are forked")
    codes = _many_products(tmp_path / "site")
    real = sharecard.render

    def render(spec):
        if spec.code == codes[5]:
            os._exit(9)          # as a killed process: no exception, no result
        return real(spec)
    monkeypatch.setattr(sharecard, "render", render)
    out = tmp_path / "out"
    with pytest.raises(WorkerDied):
        build(tmp_path / "site", out, date(2025, 6, 1), workers=2, cache_dir=tmp_path / "c")
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"
    monkeypatch.setattr(sharecard, "render", real)
    report = build(tmp_path / "site", out, date(2025, 6, 1), workers=2, cache_dir=tmp_path / "c")
    assert report.published and (out / "p" / codes[5] / "index.html").is_file()
