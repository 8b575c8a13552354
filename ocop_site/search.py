"""A small sharded search index, built per language, read by ``static/js/search.js``.

Why our own index rather than Pagefind: shoppers type without diacritics and
Pagefind does not fold ``đ`` to ``d``; we also need facet counts over the
whole match set, typo tolerance and a ranking by field (name, then producer,
then place, then description). The catalog's vocabulary is small — Vietnamese
words are syllables — so the browser can hold the whole vocabulary and do the
folding, prefix and typo matching itself, then fetch only what a query needs:

``search/<lang>-<hash>/``
  ``vocab.json``   folded token → accented spellings, grouped by shard
  ``meta.json``    per product: facet values and Vietnamese name rank; facet labels
  ``t/<key>.json`` postings of the spellings whose folded form starts with ``key``
  ``d/<n>.json``   display data of products ``n*CHUNK`` … (name, producer, place, stars, code)

The folder name carries a hash of its content, so files can be cached for
ever and a rebuild never mixes old and new shards. Only valid products are
indexed.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict

from .schema import CATEGORIES, PRODUCER_TYPES
from .vietnamese import fold, sort_key
from .views import Views

CHUNK = 64                     # products per display chunk
FIELDS = {"name": 8, "producer": 4, "place": 2, "description": 1}   # bit per field
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lowercase NFC words, as the browser splits them."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def shard_key(folded: str) -> str:
    """Shard of a folded token: its first two characters (one for one-letter tokens)."""
    return folded[:2]


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def build_index(views: Views, producer_types: dict[str, str | None]) -> tuple[str, dict[str, bytes]]:
    """Files of the search index for one language: (folder name, {relative path: bytes})."""
    products = sorted(views.valid, key=lambda v: v.code)
    provinces = sorted({v.province_slug for v in products})
    province_names = {v.province_slug: v.location.province for v in products}
    by_name = sorted(range(len(products)), key=lambda i: (sort_key(products[i].name), products[i].code))
    rank = [0] * len(products)
    for position, i in enumerate(by_name):
        rank[i] = position

    postings: dict[str, dict[int, int]] = defaultdict(dict)     # accented word → {doc: field bits}
    for doc, v in enumerate(products):
        loc = v.location
        texts = {
            "name": v.name,
            "producer": v.producer.name,
            "place": " ".join(filter(None, (loc.commune, loc.district, loc.province))),
            "description": " ".join(filter(None, (v.description, v.subgroup, v.code))),
        }
        for field, text in texts.items():
            for word in words(text):
                bits = postings[word]
                bits[doc] = bits.get(doc, 0) | FIELDS[field]

    vocab: dict[str, list[str]] = defaultdict(list)           # folded → accented spellings
    shards: dict[str, dict[str, str]] = defaultdict(dict)
    for word in sorted(postings):
        folded = fold(word).replace(" ", "")
        if not folded:
            continue
        vocab[folded].append(word)
        # doc ids delta-encoded in base 36, each followed by its field bits (one hex digit)
        encoded, previous = [], 0
        for doc in sorted(postings[word]):
            encoded.append(f"{_base36(doc - previous)}{postings[word][doc]:x}")
            previous = doc
        shards[shard_key(folded)][word] = ",".join(encoded)

    meta = {
        "count": len(products),
        "chunk": CHUNK,
        "fields": FIELDS,
        "categories": list(CATEGORIES),
        "provinces": [[slug, province_names[slug]] for slug in provinces],
        "types": list(PRODUCER_TYPES),
        # per product: category, stars, province, producer type (indexes; -1 unknown), name rank
        "docs": [[CATEGORIES.index(v.category), v.stars, provinces.index(v.province_slug),
                  PRODUCER_TYPES.index(producer_types[v.record.producer]) if producer_types.get(v.record.producer) else -1,
                  rank[i]] for i, v in enumerate(products)],
    }
    files: dict[str, bytes] = {"meta.json": _dumps(meta), "vocab.json": _dumps(vocab)}
    for key, shard in shards.items():
        files[f"t/{_file_key(key)}.json"] = _dumps(shard)
    for start in range(0, len(products), CHUNK):
        files[f"d/{start // CHUNK}.json"] = _dumps([
            [v.code, v.name, v.producer.name, ", ".join(filter(None, (v.location.commune, v.location.province))),
             v.stars, v.url, v.images[0] if v.images else ""]
            for v in products[start:start + CHUNK]])
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()[:10]
    return f"{views.lang}-{digest}", files


def _file_key(key: str) -> str:
    """Shard file name: the folded prefix itself when plain ASCII, else its code points."""
    return key if re.fullmatch(r"[a-z0-9]+", key) else "u" + "-".join(f"{ord(c):x}" for c in key)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out
