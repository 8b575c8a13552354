"""The record formats of SPEC §2–§3 as pydantic models, and per-file validation.

One definition serves three purposes: validating records, giving templates
typed frozen objects, and publishing JSON Schema for editors
(``ocop-site schema``). Pydantic's error locations (``("certifications", 0,
"stars")``) are mapped back to file positions through the reader's
``SourceMap``; rules that span several fields (dates in order, coordinates)
live in :func:`cross_field_problems` so that each points at the right value.
"""

from __future__ import annotations

import typing
from datetime import date
from functools import cache
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..core.diagnostics import Diagnostic
from .fields import (
    Choice,
    Code,
    Day,
    Decimal,
    DeployUrl,
    FilePath,
    IntBetween,
    Lang,
    OptDay,
    OptEmail,
    OptFilePath,
    OptPhone,
    OptPlaceName,
    OptText,
    OptUrl,
    PlaceName,
    Regex,
    Slug,
    Text,
    ThemeName,
    Url,
    kind_of,
    shortened,
    suggest,
)
from .sources import Loc, SourceMap

CATEGORIES = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")
LEVELS = ("commune", "district", "province", "national")
CHANNEL_TYPES = ("shopee", "lazada", "tiki", "tiktok", "facebook", "zalo", "website", "other")
PRODUCER_TYPES = ("cooperative", "enterprise", "household", "group", "other")
SALES_POINT_KINDS = ("showroom", "shop", "supermarket", "market", "other")
SUPPORTED_LANGUAGES = ("vi", "en")

#: Vietnam's bounding box (SPEC §4).
LAT_RANGE = (8.0, 24.0)
LON_RANGE = (102.0, 118.0)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(Record):
    """Province and commune; district only for addresses from before the 2025 reform."""

    province: PlaceName
    district: OptPlaceName = None
    commune: PlaceName


class Revocation(Record):
    date: Day
    decision: Text
    reason: OptText = None


class Certification(Record):
    decision: Text = Field(description="Decision number, e.g. 1234/QĐ-UBND")
    certificate: OptText = None
    issued: Day
    issuer: Text
    level: Choice(*LEVELS) = None
    stars: IntBetween(3, 5, required=True)
    valid_until: OptDay = Field(None, description="Defaults to issued + 36 months - 1 day")
    revoked: Optional[Revocation] = None


class Variant(Record):
    sku: Code
    label: Text
    packaging_image: OptFilePath = None


class Standard(Record):
    number: Text
    published: OptDay = None
    document: OptFilePath = None


#: Upper bounds that no OCOP price or lot reaches (a thousand billion đồng; a billion items): a
#: longer number is a typo, and would overflow the VND formatting of the pages.
MAX_PRICE = 10 ** 12
MAX_QUANTITY = 10 ** 9


class Price(Record):
    min: IntBetween(0, MAX_PRICE) = None
    max: IntBetween(0, MAX_PRICE) = None


class Channel(Record):
    type: Choice(*CHANNEL_TYPES, required=True)
    url: Url


class Batch(Record):
    lot: Code
    produced: Day
    expires: OptDay = None
    quantity: IntBetween(0, MAX_QUANTITY) = None


class ProductTranslation(Record):
    name: OptText = None
    description: OptText = None
    subgroup: OptText = None
    shelf_life: OptText = None


class Product(Record):
    """products/<CODE>.yaml"""

    code: Code
    name: Text
    category: Choice(*CATEGORIES, required=True)
    subgroup: OptText = None
    producer: Slug
    location: Location
    description: OptText = None
    certifications: tuple[Certification, ...] = Field(min_length=1)
    variants: tuple[Variant, ...] = ()
    images: tuple[FilePath, ...] = ()
    standard: Optional[Standard] = None
    price: Optional[Price] = None
    shelf_life: OptText = None
    channels: tuple[Channel, ...] = ()
    sales_points: tuple[Slug, ...] = ()
    batches: tuple[Batch, ...] = ()
    translations: dict[Lang, ProductTranslation] = {}
    extra: dict[str, Any] = {}


class ProducerTranslation(Record):
    name: OptText = None
    address: OptText = None
    representative: OptText = None


class Producer(Record):
    """content/producers/<slug>.md front matter; the body is the story."""

    name: Text
    type: Choice(*PRODUCER_TYPES) = None
    representative: OptText = None
    location: Optional[Location] = None
    address: OptText = None
    phone: OptText = None
    email: OptText = None
    website: OptUrl = None
    logo: OptFilePath = None
    translations: dict[Lang, ProducerTranslation] = {}
    extra: dict[str, Any] = {}


class ProducerEnglish(ProducerTranslation):
    """content/producers/<slug>.<lang>.md front matter: translated fields only."""


class Coordinates(Record):
    lat: Decimal
    lon: Decimal


class SalesPointTranslation(Record):
    name: OptText = None
    address: OptText = None
    opening_hours: OptText = None


class SalesPoint(Record):
    """content/sales-points/<slug>.md front matter; the body is an optional description."""

    name: Text
    kind: Choice(*SALES_POINT_KINDS) = None
    location: Optional[Location] = None
    address: Text
    coordinates: Coordinates
    opening_hours: OptText = None
    phone: OptText = None
    website: OptUrl = None
    translations: dict[Lang, SalesPointTranslation] = {}
    extra: dict[str, Any] = {}


class SalesPointEnglish(SalesPointTranslation):
    """content/sales-points/<slug>.<lang>.md front matter."""


class Page(Record):
    """content/pages/<slug>.md front matter (also <slug>.<lang>.md)."""

    title: Text
    description: OptText = None
    extra: dict[str, Any] = {}


class MapSettings(Record):
    tiles: Text = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: Text = "© OpenStreetMap contributors"


class QRSettings(Record):
    campaign: OptText = None


class Contact(Record):
    """site.yaml ``contact``: the office a shopper reaches to check a product or report a suspected fake."""

    name: Text
    phone: OptPhone = None
    email: OptEmail = None
    url: OptUrl = None
class DeployTarget(Record):
    """One place ``ocop-site deploy`` publishes to (SPEC §9); credentials never live here."""

    name: Text
    url: DeployUrl
    endpoint_url: OptUrl = None   # an S3-compatible service other than AWS
    region: OptText = None
    public_url: OptUrl = None     # the address the target serves: the build's base_url must be it


class DeployMatcher(Record):
    """Headers for the files whose path (relative to the output) matches ``pattern``; the first
    matching rule of site.yaml wins, before the built-in rules (docs/deploy.md)."""

    pattern: Regex
    cache_control: OptText = None
    content_type: OptText = None


class DeploySettings(Record):
    targets: tuple[DeployTarget, ...] = ()
    matchers: tuple[DeployMatcher, ...] = ()


class SiteConfig(Record):
    """site.yaml"""

    title: Text
    base_url: Url
    description: OptText = None
    languages: tuple[Choice(*SUPPORTED_LANGUAGES, required=True), ...] = Field(("vi",), min_length=1)
    theme: ThemeName = "default"
    expiring_soon_days: IntBetween(0, 3650) = 90
    map: MapSettings = MapSettings()
    qr: QRSettings = QRSettings()
    contact: Optional[Contact] = None
    deploy: DeploySettings = DeploySettings()
    extra: dict[str, Any] = {}

    @property
    def default_language(self) -> str:
        return self.languages[0]


SCHEMAS: dict[str, type[Record]] = {"product": Product, "producer": Producer, "sales-point": SalesPoint}


# --- validation ---------------------------------------------------------------------------

def _model_of(annotation: Any) -> Any:
    """Unwrap Optional/tuple/dict/Annotated down to the item type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, getattr(__import__("types"), "UnionType", Union)):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if args else annotation
            if not args:
                return annotation
        elif origin in (tuple, list):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            return ("dict", typing.get_args(annotation)[1])
        else:
            return annotation


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Names of the fields allowed at ``loc`` (for 'did you mean')."""
    current: Any = model
    pending_dict_key = False
    for part in loc:
        if pending_dict_key:
            pending_dict_key = False
            continue
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        target = _model_of(field.annotation)
        if isinstance(target, tuple):
            pending_dict_key = True
            target = _model_of(target[1])
        current = target
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


_CUSTOM = {f"E{n}" for n in range(100, 500)}


def _diagnostic(model: type[BaseModel], error: dict, smap: SourceMap, data: Any) -> Diagnostic:
    loc = tuple(error["loc"])
    kind = error["type"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), "document")
    if kind in _CUSTOM:
        return smap.value(loc).error(kind, f"{name}: {error['msg']}")
    if kind == "missing":
        return smap.value(loc[:-1]).error("E202", f"missing required field '{shortened(str(loc[-1]))}'" +
                                           (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else ""))
    if kind == "extra_forbidden":
        hint = suggest(str(loc[-1]), _fields_at(model, loc[:-1]))
        return smap.key(loc).error("E201", f"unknown key '{shortened(str(loc[-1]))}'{hint or ''} (put your own fields under 'extra:')")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return smap.value(loc).error("E204", f"{name}: expected a mapping of 'key: value' lines, found {kind_of(error.get('input'))}")
    if kind in ("list_type", "tuple_type"):
        return smap.value(loc).error("E204", f"{name}: expected a list, found {kind_of(error.get('input'))}")
    if kind == "too_short":
        return smap.value(loc).error("E212", f"{name}: at least one entry is required")
    return smap.value(loc).error("E204", f"{name}: {error['msg']}")


def validate(model: type[Record], data: Any, smap: SourceMap) -> tuple[Record | None, list[Diagnostic]]:
    """Validate one parsed document against ``model``; all problems are returned."""
    record, _partial, diags = validate_partial(model, data, smap)
    return record, diags


def validate_partial(model: type[Record], data: Any, smap: SourceMap
                     ) -> tuple[Record | None, Optional["Partial"], list[Diagnostic]]:
    """:func:`validate`, and for a record that fails, what of it is sound (:func:`salvage`): the rules
    across its fields are judged on that, and the checks across files can judge it too, so that
    every problem of a file is reported at once rather than one layer after another."""
    if data is None:
        return None, None, [smap.value(()).error("E105", "the document is empty; expected 'key: value' lines")]
    if not isinstance(data, dict):
        return None, None, [smap.value(()).error(
            "E105", f"expected a mapping of 'key: value' lines, found {kind_of(data)}")]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A list whose every item failed is also "too short": report the items only.
        failing = [tuple(e["loc"]) for e in errors if e["type"] != "too_short"]
        errors = [e for e in errors if e["type"] != "too_short"
                  or not any(f[:len(e["loc"])] == tuple(e["loc"]) for f in failing)]
        diags = [_diagnostic(model, err, smap, data) for err in errors]
        partial = salvage(model, data)
        diags += [smap.value(loc).error(code, msg) for loc, code, msg in cross_field_problems(partial, model)]
        return None, partial, diags
    problems = cross_field_problems(record)
    diags = [smap.value(loc).error(code, msg) for loc, code, msg in problems]
    return (None if diags else record), None, diags


class Partial:
    """What is sound of a record that failed validation: each field that is valid on its own, with
    its value as the record would hold it; a field that is not, or is missing, is None (lists keep
    their places, so positions stay right). Never published: the checks read it, nothing else."""

    def __init__(self, model: str, fields: dict[str, Any]):
        self.__dict__.update(fields)
        self._model = model

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __repr__(self) -> str:
        return f"Partial({self._model})"


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


def _adapter(annotation: Any) -> TypeAdapter:
    found = _ADAPTERS.get(id(annotation))
    if found is None or found[0] is not annotation:
        found = _ADAPTERS[id(annotation)] = (annotation, TypeAdapter(annotation))
    return found[1]


def salvage(model: type[BaseModel], data: Any) -> Optional[Partial]:
    """The fields of ``data`` that are valid on their own, as a :class:`Partial` of ``model``."""
    if not isinstance(data, dict):
        return None
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in data:
            fields[name] = None if info.is_required() else info.get_default(call_default_factory=True)
        else:
            fields[name] = _salvage_value(_field_type(model, name), data[name])
    return Partial(model.__name__, fields)


@cache
def _field_type(model: type[BaseModel], name: str) -> Any:
    """A field's type with its validators (pydantic keeps those apart, in ``metadata``)."""
    info = model.model_fields[name]
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _salvage_value(annotation: Any, value: Any) -> Any:
    inner = annotation
    if typing.get_origin(inner) is Annotated:   # the shape is what matters here; validators run below
        inner = typing.get_args(inner)[0]
    origin = typing.get_origin(inner)
    if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
        args = [a for a in typing.get_args(inner) if a is not type(None)]
        if value is None:
            return None
        inner = args[0] if len(args) == 1 else inner
        origin = typing.get_origin(inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return salvage(inner, value)
    if origin is tuple and isinstance(value, list):
        item = typing.get_args(inner)[0]
        return tuple(_salvage_value(item, v) for v in value)
    try:
        return _adapter(annotation).validate_python(value)
    except ValidationError:
        return None


def cross_field_problems(record: Record | Partial, model: Optional[type[Record]] = None) -> list[tuple[Loc, str, str]]:
    """Rules that relate several fields of one record (or of what is sound of it: a field that is
    not is None, and its rules are left to the field's own error)."""
    out: list[tuple[Loc, str, str]] = []
    model = model or type(record)

    def order(loc: Loc, earlier: date | int | None, later: date | int | None, message: str) -> None:
        if earlier is not None and later is not None and later < earlier:
            out.append((loc, "E208", message))

    if issubclass(model, Product):
        for i, cert in enumerate(record.certifications or ()):
            if cert is None:
                continue
            base = ("certifications", i)
            order(base + ("valid_until",), cert.issued, cert.valid_until,
                  f"certifications.{i}.valid_until: {cert.valid_until} is before issued {cert.issued}")
            if cert.revoked:
                order(base + ("revoked", "date"), cert.issued, cert.revoked.date,
                      f"certifications.{i}.revoked.date: {cert.revoked.date} is before issued {cert.issued}")
        for i, batch in enumerate(record.batches or ()):
            if batch is None:
                continue
            order(("batches", i, "expires"), batch.produced, batch.expires,
                  f"batches.{i}.expires: {batch.expires} is before produced {batch.produced}")
        if record.price:
            order(("price", "max"), record.price.min, record.price.max,
                  f"price.max: {record.price.max} is below price.min {record.price.min}")
    if issubclass(model, SalesPoint) and record.coordinates is not None:
        lat, lon = record.coordinates.lat, record.coordinates.lon
        if lat is not None and lon is not None and not in_vietnam(lat, lon):
            hint = (f"; lat and lon look swapped: write lat: {lon}, lon: {lat}" if in_vietnam(lon, lat)
                    else f" (Vietnam is lat {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g}, lon {LON_RANGE[0]:g}–{LON_RANGE[1]:g})")
            out.append((("coordinates",), "E210", f"coordinates: {lat}, {lon} is outside Vietnam{hint}"))
    return out


def in_vietnam(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def json_schema(kind: str) -> dict:
    """JSON Schema (draft 2020-12) of a record kind, for editors."""
    model = SCHEMAS[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = {"product": "OCOP product record", "producer": "OCOP producer front matter",
                       "sales-point": "OCOP sales point front matter"}[kind]
    return schema
