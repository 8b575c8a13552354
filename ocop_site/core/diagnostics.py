"""Diagnostics: every problem found in a run, collected rather than raised.

A diagnostic reads like a compiler's (``path:line:col: error: message [CODE]``)
so that editors and CI logs can jump to the offending value. Positions are
1-based and always come from the parser, never from message text.
"""

from __future__ import annotations

import json
import re
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
    "E112": "site.yaml's theme is not a plain theme name (a path, '..', a separator)",
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
    "E213": "a control character in the text (written raw or as a YAML escape)",
    "E214": "a name too long to become a folder of the site (a slug, a place name)",
    # E3xx — references between files
    "E301": "reference to a producer that does not exist",
    "E302": "reference to a sales point that does not exist",
    "E303": "a referenced image or document does not exist",
    "E304": "a path that leaves the site folder",
    "E305": "two products with the same code (ignoring case)",
    "E306": "two lots or variants with the same id in one product (ignoring case)",
    "E307": "an English file without its Vietnamese original",
    "E308": "a file that may not be published (under a hidden folder, or a document that is not a PDF or an image)",
    # E4xx — templates and rendering
    "E401": "template error",
    "E402": "the theme does not exist",
    # E5xx — import (ocop-site import: positions are the sheet's row and column)
    "E501": "import: the file cannot be read, or is not a spreadsheet ocop-site reads",
    "E502": "import: the sheet named by --sheet does not exist",
    "E503": "import: the text of a CSV file is neither UTF-8 nor Windows Vietnamese (cp1258)",
    "E504": "import: no header row (no column named like a product name)",
    "E505": "import: a value a record needs is missing in the row and not given on the command line",
    "E506": "import: stars or a score that is not 3, 4 or 5 stars or a score from 50 to 100",
    "E507": "import: not a date, or an impossible date",
    "E508": "import: a product group or level that is not one of the known ones",
    "E509": "import: a product code that does not match the allowed pattern",
    "E510": "import: rows or records that contradict each other (one code, two products; one decision, two ratings)",
    "E511": "import: an existing record cannot take the new certification (it has errors, or a flow list)",
    "E512": "import: a file cannot be written",
    "E513": "import: what would be written is not a valid record",
    "E403": "print --lots --product names a product whose rating is not valid: its lots are not printed",
    "E406": "not an e-mail address",
    "E407": "not a phone number",
    # Warnings
    "W101": "unsafe HTML removed from Markdown",
    "W102": "translation for a language the site does not publish",
    "W103": "a province, district or commune that is not a unit of Vietnam before or after the 2025 reform",
    "W104": "an image that cannot be used (not an image, unsupported, truncated, corrupt, too tall, over the pixel limit): left out",
    "W105": "a QR code or share card could not be made",
    "W106": "a file in products/ or content/ that is not read: a record or story saved as .yml, .YAML, .markdown…",
    "W107": "a FIFO, socket or device in the source tree: skipped, never read",
    # W5xx — import
    "W501": "import: a column ocop-site does not know; it is not imported",
    "W502": "import: a province, district or commune that is not a unit of Vietnam before or after the 2025 reform",
    "W503": "import: the score and the stars of a row disagree; the stars are used",
    "W504": "import: a decision already recorded with other stars or date; the record is left as it is",
    "W505": "import: a new record named like an existing one of another producer (the same product?)",
    "W115": "print --lots: a matching product's rating is not valid, its lots are left out",
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


#: Characters never written as they are: C0 controls (escape sequences, newlines that would forge a
#: line), DEL, C1 controls, and the invisible marks that reorder or break text on a terminal (bidi
#: overrides and isolates, line and paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: The longest message written: quoted values are cut to about 60 characters where they are quoted
#: (fields.shortened); this bounds what any message can become.
MAX_MESSAGE = 1000
#: Columns of a source line shown under a diagnostic (a window around the caret).
CONTEXT_WIDTH = 120


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``, ``\\u202e``), so
    that nothing from a source file can move the cursor, colour a terminal, or start a new line."""
    if not _CONTROL.search(text):
        return text

    def escape(m: re.Match) -> str:
        char = m.group()
        return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
    return _CONTROL.sub(escape, text)


def _bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    text = visible(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def context_line(source_line: str, col: int) -> tuple[str, int]:
    """The source line as shown under a diagnostic, and the caret's column (0-based) in it: control
    characters made visible, and a long line (a minified file, a 500,000-character line) cut to a
    window of CONTEXT_WIDTH columns around the caret."""
    line = source_line.rstrip("\r\n").expandtabs(1)
    at = min(max(col, 1) - 1, len(line))
    before, after = visible(line[:at]), visible(line[at:])
    half = CONTEXT_WIDTH // 2
    if len(before) > half:
        before = "…" + before[-(half - 1):]
    room = CONTEXT_WIDTH - len(before)
    if len(after) > room:
        after = after[:room - 1] + "…"
    return before + after, len(before)


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

    def __post_init__(self) -> None:
        """Path and message as they will be written: control characters visible, length bounded
        (text and JSON alike: a file name or a value can hold an escape sequence or a newline)."""
        object.__setattr__(self, "path", _bounded(self.path, 4 * MAX_MESSAGE))
        object.__setattr__(self, "message", _bounded(self.message))

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_text(self, context: bool = True) -> str:
        head = f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message} [{self.code}]"
        if not context or self.source_line is None:
            return head
        line, at = context_line(self.source_line, self.col)
        return f"{head}\n    {line}\n    {' ' * at}^"

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


def shortened(text: str, limit: int = 60) -> str:
    """A value quoted in a message, cut to ``limit`` characters on one line: a whole file read where
    a mapping was expected (or a paragraph pasted into a date) should not become the message."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit - 1]
    if line[limit - 1] != " " and " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]   # not in the middle of a word
    return cut.rstrip(" ,;:.") + "…"
