"""Diagnostics: every problem found in a run, collected rather than raised.

A diagnostic reads like a compiler's (``path:line:col: error: message [CODE]``)
so that editors and CI logs can jump to the offending value. Positions are
1-based and always come from the parser, never from message text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

#: Every stable diagnostic code with a one-line summary. The table of codes in docs/diagnostics.md
#: is checked against this mapping by the tests.
CODES: dict[str, str] = {
    # E1xx — reading files
    "E101": "the file cannot be read or is not UTF-8 text",
    "E102": "YAML syntax error",
    "E103": "the file is too large",
    "E104": "a key appears twice in the same mapping",
    "E105": "the document has the wrong shape (empty, or not a mapping)",
    "E106": "Markdown front matter is missing or not closed",
    "E107": "too many YAML aliases (alias bomb protection)",
    "E108": "more than one YAML document in a file",
    "E109": "a required file or folder is missing (site.yaml, products/)",
    "E110": "a file name is not a valid code or slug",
    "E111": "a story nests lists or quotes too deeply to be rendered",
    # E2xx — schema
    "E201": "unknown key",
    "E202": "a required value is missing or empty",
    "E203": "not a date (YYYY-MM-DD) or an impossible date",
    "E204": "wrong type",
    "E205": "a value that is not one of the allowed choices",
    "E206": "a number out of range",
    "E207": "a code, lot, SKU or slug that does not match the allowed pattern",
    "E208": "dates or numbers in the wrong order (valid_until before issued, min above max…)",
    "E209": "a link that is not an absolute http(s) URL",
    "E210": "coordinates outside Vietnam",
    "E211": "the code differs from the file name",
    "E212": "a list that must not be empty is empty",
    # E3xx — references between files
    "E301": "reference to a producer that does not exist",
    "E302": "reference to a sales point that does not exist",
    "E303": "a referenced image or document does not exist",
    "E304": "a path that leaves the site folder",
    "E305": "two products with the same code (ignoring case)",
    "E306": "two lots or variants with the same id in one product (ignoring case)",
    "E307": "an English file without its Vietnamese original",
    # E4xx — templates and rendering
    "E401": "template error",
    "E402": "the theme does not exist",
    "E406": "not an e-mail address",
    "E407": "not a phone number",
    # Warnings
    "W101": "unsafe HTML removed from Markdown",
    "W102": "translation for a language the site does not publish",
    "W103": "a province, district or commune that is not a unit of Vietnam before or after the 2025 reform",
    "W104": "an image that cannot be used (not an image, unsupported, truncated, over the pixel limit): left out",
    "W105": "a QR code or share card could not be made",
    # W2xx — the audit's findings (check; ocop-site report lists the same)
    "W201": "expiring: a valid product's rating ends within expiring_soon_days",
    "W202": "expired-recently: the rating expired or was revoked within the last 12 months",
    "W203": "no-active-lot: a valid product with no lot produced in the last 12 months",
    "W204": "no-standard: no published base standard",
    "W205": "variants-unspecified: the record does not say which items the rating covers",
    "W206": "variant-no-image: covered items without a registered packaging image",
    "W207": "no-sales-channel: no sales point and no online channel",
    "W208": "no-image: no product image",
}


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. Sorting orders by path, line, column."""

    path: str
    line: int
    col: int
    severity: Severity = field(compare=False)
    code: str
    message: str
    source_line: str | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_text(self, context: bool = True) -> str:
        head = f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message} [{self.code}]"
        if not context or self.source_line is None:
            return head
        line = self.source_line.rstrip("\r\n").expandtabs(1)
        caret = " " * (max(self.col, 1) - 1) + "^"
        return f"{head}\n    {line}\n    {caret}"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Position:
    """A 1-based place in a source file, with the text of its line for the caret."""

    path: str
    line: int = 1
    col: int = 1
    source_line: str | None = None

    def error(self, code: str, message: str) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, Severity.ERROR, code, message, self.source_line)

    def warning(self, code: str, message: str) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, Severity.WARNING, code, message, self.source_line)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by place, duplicates removed (two stages may see the same fault)."""
    unique = {(d.path, d.line, d.col, d.code, d.message): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def format_text(diagnostics: Iterable[Diagnostic], context: bool = True) -> str:
    items = sort_diagnostics(diagnostics)
    if not items:
        return ""
    lines = [d.as_text(context) for d in items]
    errors = sum(d.is_error for d in items)
    warnings = len(items) - errors
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in sort_diagnostics(diagnostics)], ensure_ascii=False, indent=2) + "\n"
