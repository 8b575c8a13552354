"""Field types for the record schema.

The YAML reader hands every scalar over as the text written (see
``sources.py``), so each type here parses text itself: that is what keeps
``code: 0123`` a code and turns ``issued: 2023-02-30`` into a clear error
rather than a crash. Each validator raises a ``PydanticCustomError`` whose type
is our stable diagnostic code, so ``schema.py`` can report it unchanged. The
JSON Schema of each type (for editors) says what a maintainer may type.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Optional
from urllib.parse import urlsplit

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..core.diagnostics import shortened
from ..core.vietnamese import MAX_SEGMENT

CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"
SLUG_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
LANG_PATTERN = r"[a-z]{2,3}"
_CODE_RE = re.compile(CODE_PATTERN)
_SLUG_RE = re.compile(SLUG_PATTERN)
_LANG_RE = re.compile(LANG_PATTERN)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_INT_RE = re.compile(r"[-+]?\d+")
_FLOAT_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")

# What editors accept for a free text field: ocop-site reads `code: 0123` or
# `commune: No` as the text written, so numbers and booleans are text too.
_TEXT_SCHEMA = {"type": ["string", "number", "boolean"]}


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"'{shortened(str(value))}'"


def suggest(word: str, choices) -> str:
    """' (did you mean 'stars'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PydanticCustomError("E204", "expected text, found {found}", {"found": kind_of(value)})
    text = value if value.__class__ is str else str(value)
    text = (text if text.isascii() else unicodedata.normalize("NFC", text)).strip()
    return text or None


def _required_text(value: Any) -> str:
    text = _as_text(value)
    if text is None:
        raise PydanticCustomError("E202", "a value is required here (it is empty)")
    return text


#: The longest slug (producers, sales points, pages: each names a folder of the site) and place name
#: (a province names one: provinces/<slug>/). Far above any real one, well below the 255 bytes a file
#: name may have (see vietnamese.MAX_SEGMENT): a longer one is a paste gone wrong.
MAX_SLUG = MAX_SEGMENT
MAX_PLACE_NAME = 100


def too_long(text: str, limit: int, what: str) -> PydanticCustomError:
    return PydanticCustomError("E214", "'{value}' is {length} characters long; {what} may have at most {limit}",
                               {"value": shortened(text), "length": len(text), "what": what, "limit": limit})


def _pattern(regex: re.Pattern, what: str, rule: str, limit: int | None = None) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _required_text(value)
        if limit is not None and len(text) > limit:
            raise too_long(text, limit, f"a {what}")
        if not regex.fullmatch(text):
            raise PydanticCustomError("E207", "'{value}' is not a valid {what}: {rule}",
                                      {"value": shortened(text), "what": what, "rule": rule})
        return text
    return check


#: The years a date may fall in. Validity is worked out by adding months and days to dates (36
#: months, the expiring-soon window…), which must stay within Python's calendar (year 9999); a
#: date outside these years is a typo in any OCOP record (the programme began in 2018).
YEARS = (1900, 2199)


def in_years(day: date) -> bool:
    return YEARS[0] <= day.year <= YEARS[1]


def _date(value: Any) -> date | None:
    if value is None:
        return None
    day = value if isinstance(value, date) else _parse_date(value)
    if not in_years(day):
        raise PydanticCustomError("E203", "{value} is out of range: a date must be in the years {first} to {last}",
                                  {"value": day.isoformat(), "first": YEARS[0], "last": YEARS[1]})
    return day


def _parse_date(value: Any) -> date:
    if not isinstance(value, str):
        raise PydanticCustomError("E203", "expected a date (YYYY-MM-DD), found {found}", {"found": kind_of(value)})
    text = value.strip()
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise PydanticCustomError("E203", "'{value}' is not a date; write it as YYYY-MM-DD", {"value": shortened(text)})
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if 1 <= month <= 12 and year >= 1:
        try:
            return date(year, month, day)   # checks the day itself; the messages below say what is wrong
        except ValueError:
            pass
    if not 1 <= month <= 12:
        raise PydanticCustomError("E203", "{value} is not a date: there is no month {month}", {"value": text, "month": month})
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days or year < 1:
        raise PydanticCustomError("E203", "{value} is not a date: {month} has {days} days",
                                  {"value": text, "month": f"{year:04d}-{month:02d}", "days": days})
    return date(year, month, day)


def _required_date(value: Any) -> date:
    if value is None:
        raise PydanticCustomError("E202", "a date is required here (it is empty)")
    return _date(value)  # type: ignore[return-value]


def _int_between(low: int | None, high: int | None) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not _INT_RE.fullmatch(str(value).strip()):
            raise PydanticCustomError("E204", "expected a whole number, found {found}", {"found": kind_of(value)})
        number = int(str(value).strip())
        if (low is not None and number < low) or (high is not None and number > high):
            span = f"from {low:,} to {high:,}" if high is not None else f"at least {low:,}"
            raise PydanticCustomError("E206", "{number} is out of range: it must be {span}",
                                      {"number": number, "span": span})
        return number
    return check


def _float(value: Any) -> float:
    if value is None:
        raise PydanticCustomError("E202", "a number is required here (it is empty)")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not _FLOAT_RE.fullmatch(str(value).strip()):
        raise PydanticCustomError("E204", "expected a decimal number, found {found}", {"found": kind_of(value)})
    return float(str(value).strip())


def _choice(options: tuple[str, ...], required: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        text = _as_text(value)
        if text is None:
            if required:
                raise PydanticCustomError("E202", "a value is required here (one of {options})",
                                          {"options": ", ".join(options)})
            return None
        if text not in options:
            raise PydanticCustomError("E205", "'{value}' is not one of {options}{hint}",
                                      {"value": shortened(text), "options": ", ".join(options), "hint": suggest(text, options)})
        return text
    return check


def _url(value: Any) -> str | None:
    text = _as_text(value)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise PydanticCustomError("E209", "'{value}' is not an absolute http(s) link", {"value": shortened(text)})
    return text


_EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}")
_PHONE_RE = re.compile(r"\+?[0-9 .()\-]+")


def _email(value: Any) -> str | None:
    text = _as_text(value)
    if text is not None and not _EMAIL_RE.fullmatch(text):
        raise PydanticCustomError("E406", "'{value}' is not an e-mail address (name@domain.tld)", {"value": shortened(text)})
    return text


def _phone(value: Any) -> str | None:
    text = _as_text(value)
    if text is not None and not (_PHONE_RE.fullmatch(text) and 3 <= sum(c.isdigit() for c in text) <= 15):
        raise PydanticCustomError("E407", "'{value}' is not a phone number (digits, spaces, '+', '.', '-', parentheses)",
                                  {"value": shortened(text)})
    return text


def _required_url(value: Any) -> str:
    text = _url(value)
    if text is None:
        raise PydanticCustomError("E202", "a link is required here (it is empty)")
    return text


_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _deploy_url(value: Any) -> str:
    """A deploy target: ``s3://bucket/prefix`` or ``file:///absolute/path`` (SPEC §9)."""
    text = _as_text(value)
    if text is None:
        raise PydanticCustomError("E202", "a target url is required here (it is empty)")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "s3" and _BUCKET_RE.fullmatch(parts.netloc) and not parts.query and not parts.fragment \
            and "//" not in parts.path and not any(c.isspace() for c in text):
        return text
    if scheme == "file" and parts.netloc in ("", "localhost") and parts.path.startswith("/") and parts.path != "/" \
            and not parts.query and not parts.fragment:
        return text
    raise PydanticCustomError("E204", "'{value}' is not a deploy target: write s3://bucket/prefix or file:///absolute/path",
                              {"value": shortened(text)})


def _regex(value: Any) -> str:
    text = _as_text(value)
    if text is None:
        raise PydanticCustomError("E202", "a pattern is required here (it is empty)")
    try:
        re.compile(text)
    except re.error as exc:
        raise PydanticCustomError("E204", "'{value}' is not a regular expression: {why}",
                                  {"value": shortened(text), "why": str(exc)}) from None
    return text


def _file_path(value: Any) -> str | None:
    text = _as_text(value)
    if text is None:
        return None
    if "\\" in text or text.startswith("/") or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
        raise PydanticCustomError(
            "E304", "'{value}' must be a path relative to this file, with '/' between folders", {"value": shortened(text)})
    return text


def _theme_name(value: Any) -> str:
    """A theme is a folder of ``<site>/themes/`` or a bundled theme, named by a plain name: no
    folder separators, no '..', not a path (a theme's templates run and its static files are
    published, so it must never come from outside the site)."""
    text = _required_text(value)
    if "/" in text or "\\" in text or text.startswith(".") or ":" in text or "\0" in text:
        raise PydanticCustomError(
            "E112", "'{value}' is not a theme name: write the name of a folder of themes/ (such as 'default'), "
                    "not a path", {"value": shortened(text)})
    return text


ThemeName = Annotated[str, BeforeValidator(_theme_name), WithJsonSchema({"type": "string", "pattern": r"^[^./\\:][^/\\:]*$"})]


def Choice(*options: str, required: bool = False) -> Any:
    """A text that must be one of ``options`` (with a 'did you mean')."""
    schema = {"type": "string", "enum": list(options)}
    inner = str if required else Optional[str]
    return Annotated[inner, BeforeValidator(_choice(options, required)), WithJsonSchema(schema)]


def IntBetween(low: int | None = None, high: int | None = None, required: bool = False) -> Any:
    schema: dict[str, Any] = {"type": "integer"}
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    check = _int_between(low, high)
    if required:
        def check_required(value: Any, _check=check) -> int:
            if value is None:
                raise PydanticCustomError("E202", "a number is required here (it is empty)")
            return _check(value)  # type: ignore[return-value]
        return Annotated[int, BeforeValidator(check_required), WithJsonSchema(schema)]
    return Annotated[Optional[int], BeforeValidator(check), WithJsonSchema(schema)]


def _place_name(required: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        text = _required_text(value) if required else _as_text(value)
        if text is not None and len(text) > MAX_PLACE_NAME:
            raise too_long(text, MAX_PLACE_NAME, "a place name")
        return text
    return check


Text = Annotated[str, BeforeValidator(_required_text), WithJsonSchema(_TEXT_SCHEMA)]
PlaceName = Annotated[str, BeforeValidator(_place_name(True)), WithJsonSchema({**_TEXT_SCHEMA, "maxLength": MAX_PLACE_NAME})]
OptPlaceName = Annotated[Optional[str], BeforeValidator(_place_name(False)),
                         WithJsonSchema({**_TEXT_SCHEMA, "maxLength": MAX_PLACE_NAME})]
OptText = Annotated[Optional[str], BeforeValidator(_as_text), WithJsonSchema(_TEXT_SCHEMA)]
Code = Annotated[str, BeforeValidator(_pattern(_CODE_RE, "code", "letters, digits, '.', '_' or '-', at most 40, starting with a letter or digit")),
                 WithJsonSchema({"type": ["string", "number"], "pattern": f"^{CODE_PATTERN}$"})]
Slug = Annotated[str, BeforeValidator(_pattern(_SLUG_RE, "slug", "lowercase letters and digits separated by single '-'",
                                               MAX_SLUG)),
                 WithJsonSchema({"type": "string", "pattern": f"^{SLUG_PATTERN}$", "maxLength": MAX_SLUG})]
Lang = Annotated[str, BeforeValidator(_pattern(_LANG_RE, "language code", "two or three lowercase letters such as 'en'")),
                 WithJsonSchema({"type": "string", "pattern": f"^{LANG_PATTERN}$"})]
Day = Annotated[date, BeforeValidator(_required_date), WithJsonSchema({"type": "string", "format": "date"})]
OptDay = Annotated[Optional[date], BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]
Decimal = Annotated[float, BeforeValidator(_float), WithJsonSchema({"type": "number"})]
Url = Annotated[str, BeforeValidator(_required_url), WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"})]
OptEmail = Annotated[Optional[str], BeforeValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]
OptPhone = Annotated[Optional[str], BeforeValidator(_phone), WithJsonSchema({"type": "string"})]
OptUrl = Annotated[Optional[str], BeforeValidator(_url), WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"})]
DeployUrl = Annotated[str, BeforeValidator(_deploy_url), WithJsonSchema({"type": "string", "pattern": "^(s3|file)://"})]
Regex = Annotated[str, BeforeValidator(_regex), WithJsonSchema({"type": "string", "format": "regex"})]
FilePath = Annotated[str, BeforeValidator(lambda v: _file_path(_required_text(v))), WithJsonSchema({"type": "string"})]
OptFilePath = Annotated[Optional[str], BeforeValidator(_file_path), WithJsonSchema({"type": "string"})]
