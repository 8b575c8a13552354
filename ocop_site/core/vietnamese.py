"""Vietnamese text helpers: normalisation, accent folding, slugs and collation.

Pure standard-library code so the site builds the same everywhere, without
needing ICU installed.

Collation choices (``sort_key``), modelled on ICU's ``vi`` tailoring:

* Primary level, lowest to highest: word break < digits 0-9 < letters
  ``a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z``
  < any other letter (Greek, CJK, ``ß``, ``ø`` ...) by code point.
* Word breaks: every run of whitespace, punctuation or symbols counts as ONE
  separator that sorts lowest (like ICU's default "non-ignorable" setting), so
  "Chè" < "Chè xanh" < "Chèo". Leading/trailing separators are ignored, and
  "Bà Rịa – Vũng Tàu" equals "Bà Rịa - Vũng Tàu" up to the final tie-break.
* Digits (any script) compare one by one by value ("10" < "2"), as ICU does
  by default; non-decimal numerals (², Ⅻ) count as "other letters".
* Secondary level: tones none < huyền < hỏi < ngã < sắc < nặng; any other
  combining mark (e.g. French ``ë``, ``î``) sorts after the tones.
* Tertiary level: case, lowercase first.
* Last element: the NFC string, so the key is a total order and equal keys
  mean canonically equal text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()

# Vowel marks that make a distinct Vietnamese letter (primary difference).
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTER_MARKS = {
    ("a", _BREVE): "ă", ("a", _CIRCUMFLEX): "â", ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô", ("o", _HORN): "ơ", ("u", _HORN): "ư",
}
# Tone marks in Vietnamese dictionary order (secondary difference).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_SEPARATOR = 1
_DIGIT_BASE = 10
_LETTER_BASE = 100
_OTHER_BASE = 1000
_LETTER_WEIGHT = {letter: _LETTER_BASE + i for i, letter in enumerate(ALPHABET)}

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Return NFC text: data sources mix precomposed and decomposed accents."""
    return unicodedata.normalize("NFC", text)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def fold(text: str) -> str:
    """Fold to accent-free lowercase so "Đặc sản" matches a typed "dac san".

    Removes every combining mark after NFD, maps đ (and the look-alike ð,
    often mistyped for it) to d, and collapses whitespace.
    """
    text = unicodedata.normalize("NFD", text).casefold()
    text = unicodedata.normalize("NFD", text)  # casefold may yield composed chars
    text = "".join(c for c in text if not _is_mark(c))
    text = text.replace("đ", "d").replace("ð", "d")
    return " ".join(text.split())


def slugify(text: str) -> str:
    """Return a stable ASCII URL slug ("Thừa Thiên Huế" -> "thua-thien-hue")."""
    return _SLUG_JUNK.sub("-", fold(text)).strip("-")


#: The longest slug made from data that becomes a folder or file name of the output (bytes; the
#: slugs are ASCII). File systems allow 255 bytes in a name; this leaves room for suffixes
#: ('.<hash>-1280.webp') and for file systems that allow less (eCryptfs: 143).
MAX_SEGMENT = 100


def bounded_slug(text: str, limit: int = MAX_SEGMENT) -> str:
    """``slugify(text)``, cut to ``limit`` characters when longer: the cut slug ends with a hash of the
    whole one, so two long names that begin alike still get two names. ``check`` refuses names
    this long where they are written (E214); this keeps any that get through from breaking a build."""
    slug = slugify(text)
    if len(slug) <= limit:
        return slug
    digest = hashlib.blake2b(slug.encode(), digest_size=5).hexdigest()
    return slug[:limit - len(digest) - 1].rstrip("-") + "-" + digest


@lru_cache(maxsize=4096)
def _char(char: str) -> tuple:
    """What one NFD character is to the collation: ("mark",), ("separator",) or
    (primary, base, marks, case) of a letter or digit. Names use few distinct characters."""
    if _is_mark(char):
        return ("mark",)
    if not char.isalnum():
        return ("separator",)
    lower = unicodedata.normalize("NFD", char.lower())
    base = lower[0]
    if char.isdecimal():
        primary = _DIGIT_BASE + unicodedata.decimal(char)
    else:
        primary = _LETTER_WEIGHT.get(base, _OTHER_BASE + ord(base))
    return (primary, base, tuple(lower[1:]), int(lower != char))


def _clusters(text: str) -> list[list]:
    """Split NFD text into [primary, base, marks, case] clusters."""
    clusters: list[list] = []
    for char in unicodedata.normalize("NFD", text):
        info = _char(char)
        if len(info) == 1:
            if clusters and clusters[-1][0] != _SEPARATOR:
                if info[0] == "mark":
                    clusters[-1][2].append(char)
                else:
                    clusters.append([_SEPARATOR, None, [], 0])
            continue  # a mark with no base is left to the final tie-break
        primary, base, marks, case = info
        clusters.append([primary, base, list(marks), case])
    if clusters and clusters[-1][0] == _SEPARATOR:
        clusters.pop()
    return clusters


@lru_cache(maxsize=4096)
def _weigh(primary: int, base: str | None, marks: tuple[str, ...], case: int):
    """Turn a cluster into (primary, secondary, tertiary) weights.

    A vowel mark forming ă â ê ô ơ ư changes the primary letter; the first
    tone becomes the secondary weight, other marks follow it by code point.
    Remembered: a few hundred distinct letters with their marks recur in every name.
    """
    marks = list(marks)
    for mark in marks:
        letter = _LETTER_MARKS.get((base, mark))
        if letter:
            primary = _LETTER_WEIGHT[letter]
            marks.remove(mark)
            break
    tone = next((m for m in marks if m in _TONES), None)
    if tone:
        marks.remove(tone)
    others = sorted(_TONES.get(m, 10 + ord(m)) for m in marks)
    return primary, (_TONES.get(tone, 0), *others), case


@lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple:
    """Key for Vietnamese dictionary order (ICU ``vi``-like, see module doc).

    Returns (primary, secondary, tertiary, nfc_text); NFC and NFD input give
    identical keys.
    """
    finished = [_weigh(p, b, tuple(m), c) for p, b, m, c in _clusters(text)]
    return (
        tuple(p for p, _, _ in finished),
        tuple(s for _, s, _ in finished),
        tuple(c for _, _, c in finished),
        nfc(text),
    )


def sort_vietnamese(items: Iterable[T], key: Callable[[T], str] = lambda x: x) -> list[T]:
    """Sort items in Vietnamese order; ties broken by the raw string, then stably."""
    return sorted(items, key=lambda item: (sort_key(key(item)), key(item)))
