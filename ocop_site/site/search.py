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
  ``d/<n>.json``   display data of products ``n*CHUNK`` … (name, producer, place, stars, code,
                   thumbnail, category)
  ``u/<key>.json`` postings of the same spellings in the other result groups: categories,
                   producers, sales points and communes
  ``g/<n>.json``   display data of those (group, name, URL, detail)

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
from urllib.parse import urlencode

from ..core.vietnamese import fold, sort_key
from ..records.schema import CATEGORIES, PRODUCER_TYPES
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


GROUPS = ("category", "producer", "sales_point", "commune")   # result groups besides products, in display order
_TAG = re.compile(r"<[^>]+>")


# How producers are written in short: "HTX" for hợp tác xã (cooperative), "Cty" for công ty…
ABBREVIATIONS = {"hop tac xa": "htx", "to hop tac": "tht", "cong ty": "cty", "ho kinh doanh": "hkd",
                 "doanh nghiep": "dn", "trach nhiem huu han": "tnhh", "co phan": "cp"}
_TYPE_ABBREVIATIONS = {"cooperative": "htx", "group": "tht", "household": "hkd", "enterprise": "dn"}


def abbreviation(name: str, kind: str | None) -> str:
    """The short forms a shopper types for a producer's name or type ("htx", "cty"…)."""
    folded = " ".join(words(fold(name)))
    found = [short for long, short in ABBREVIATIONS.items() if long in folded]
    if kind in _TYPE_ABBREVIATIONS:
        found.append(_TYPE_ABBREVIATIONS[kind])
    return " ".join(dict.fromkeys(found))


def _thumbnail(v) -> str:
    """The smallest published variant of a product's first image (WebP), else the image, else ""."""
    pictures = getattr(v, "pictures", None) or []
    if pictures and pictures[0] is not None and pictures[0].webp_srcset:
        return pictures[0].webp_srcset.split(",")[0].strip().split(" ")[0]
    return v.images[0] if v.images else ""


def _entities(views: Views, labels: dict[str, dict[str, str]], search_url: str
              ) -> list[tuple[str, str, str, str, dict[str, str]]]:
    """(group, name, url, detail, {field: text}) of every category, producer, sales point and
    commune (of valid products) that search finds besides products, in group then name order."""
    found: list[tuple[str, str, str, str, dict[str, str]]] = []
    category_labels = labels.get("category", {})
    counts: dict[str, int] = {}
    for v in views.valid:
        counts[v.category] = counts.get(v.category, 0) + 1
    for facet in getattr(views, "categories", None) or []:
        if facet.count:
            label = category_labels.get(facet.key, facet.label)
            found.append(("category", label, facet.url, str(facet.count), {"name": label}))
    for p in sorted(getattr(views, "producers", None) or [], key=lambda p: (sort_key(p.name), p.slug)):
        valid = [v for v in p.products if v.standing.is_valid]
        if not valid:
            continue
        loc = p.record.location
        place = ", ".join(filter(None, (loc.commune, loc.province))) if loc else (p.address or "")
        kind = labels.get("producer_type", {}).get(p.record.type or "", "")
        found.append(("producer", p.name, p.url, " · ".join(filter(None, (kind, place))),
                      {"name": p.name, "place": " ".join(filter(None, (place, p.address or ""))),
                       "description": " ".join(filter(None, (kind, p.representative or "",
                                                             abbreviation(p.name, p.record.type))))}))
    for s in sorted(getattr(views, "sales_points", None) or [], key=lambda s: (sort_key(s.name), s.slug)):
        kind = labels.get("sales_point_kind", {}).get(s.kind, "")
        found.append(("sales_point", s.name, s.url, s.address,
                      {"name": s.name, "place": s.address,
                       "description": kind + " " + _TAG.sub(" ", s.description or "")}))
    communes: dict[tuple[str, str], list] = {}
    for v in views.valid:
        if v.location.commune:
            communes.setdefault((v.location.commune, v.location.province), []).append(v)
    for (commune, province), items in sorted(communes.items(), key=lambda kv: (sort_key(kv[0][0]), sort_key(kv[0][1]))):
        query = urlencode({"q": commune, "province": items[0].province_slug})
        found.append(("commune", commune, f"{search_url}?{query}", f"{province} ({len(items)})",
                      {"name": commune, "place": province}))
    order = {g: n for n, g in enumerate(GROUPS)}
    return sorted(found, key=lambda e: order[e[0]])


def build_index(views: Views, producer_types: dict[str, str | None], labels: dict[str, dict[str, str]] | None = None,
                search_url: str = "") -> tuple[str, dict[str, bytes]]:
    """Files of the search index for one language: (folder name, {relative path: bytes}).

    ``labels``: translated names of categories, producer types and sales point kinds
    (``{"category": {"food": "Thực phẩm"…}…}``); ``search_url``: the search page's URL, that
    commune results link to."""
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

    entities = _entities(views, labels or {}, search_url)
    entity_postings: dict[str, dict[int, int]] = defaultdict(dict)
    for doc, (_group, _name, _url, _detail, texts) in enumerate(entities):
        for field, text in texts.items():
            for word in words(text):
                bits = entity_postings[word]
                bits[doc] = bits.get(doc, 0) | FIELDS[field]

    vocab: dict[str, list[str]] = defaultdict(list)           # folded → accented spellings
    shards: dict[str, dict[str, str]] = defaultdict(dict)
    entity_shards: dict[str, dict[str, str]] = defaultdict(dict)
    for word in sorted(set(postings) | set(entity_postings)):
        folded = fold(word).replace(" ", "")
        if not folded:
            continue
        vocab[folded].append(word)
        if word in postings:
            shards[shard_key(folded)][word] = _encode(postings[word])
        if word in entity_postings:
            entity_shards[shard_key(folded)][word] = _encode(entity_postings[word])

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
    files: dict[str, bytes] = {"vocab.json": _dumps(vocab)}
    meta["groups"] = list(GROUPS)
    meta["entities"] = len(entities)
    meta["group_starts"] = [next((n for n, e in enumerate(entities) if GROUPS.index(e[0]) >= g), len(entities))
                             for g in range(len(GROUPS))]
    meta["shards"] = {"t": sorted(_file_key(k) for k in shards), "u": sorted(_file_key(k) for k in entity_shards)}
    files["meta.json"] = _dumps(meta)
    for key, shard in shards.items():
        files[f"t/{_file_key(key)}.json"] = _dumps(shard)
    for key, shard in entity_shards.items():
        files[f"u/{_file_key(key)}.json"] = _dumps(shard)
    for start in range(0, len(products), CHUNK):
        # code, name, producer, place (commune and province as written), stars, URL, thumbnail, category
        files[f"d/{start // CHUNK}.json"] = _dumps([
            [v.code, v.name, v.producer.name, ", ".join(filter(None, (v.location.commune, v.location.province))),
             v.stars, v.url, _thumbnail(v), v.category]
            for v in products[start:start + CHUNK]])
    for start in range(0, len(entities), CHUNK):
        # group index, name, URL, detail
        files[f"g/{start // CHUNK}.json"] = _dumps([[GROUPS.index(group), name, url, detail]
                                                    for group, name, url, detail, _texts in entities[start:start + CHUNK]])
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()[:10]
    return f"{views.lang}-{digest}", files


def _encode(postings: dict[int, int]) -> str:
    """Doc ids delta-encoded in base 36, each followed by its field bits (one hex digit)."""
    encoded, previous = [], 0
    for doc in sorted(postings):
        encoded.append(f"{_base36(doc - previous)}{postings[doc]:x}")
        previous = doc
    return ",".join(encoded)


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
