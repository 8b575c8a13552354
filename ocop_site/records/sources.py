"""Reading source files: bytes → text → YAML data that remembers where each value was.

Why not ``yaml.safe_load``: YAML 1.1 turns ``0123`` into 83, ``2024-03`` into a
date and ``No`` into ``False``, silently dropping duplicate keys and positions
on the way. Here the libyaml *event* stream is composed by hand into plain
Python data in which every scalar is the exact text written (or ``None`` for a
plain null); the schema decides later what type each field needs. Positions of
every key and value are kept in a :class:`SourceMap`, offset once by the front
matter's first line. Composing from events also bounds the work an alias bomb or
a deeply nested document can cause.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.diagnostics import Diagnostic, Position, shortened
from ..core.safety import inside, not_regular

try:  # libyaml's parser alone (events only: composing is ours); the pure-Python one is a fine fallback.
    from yaml._yaml import CParser as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000  # scalars and collections after alias expansion
_MAX_FLOW_BRACKETS = 1000  # libyaml slows quadratically on deep flow nesting

Loc = tuple  # a path of keys and list indices, e.g. ("certifications", 0, "stars")

_NULLS = {"", "~", "null", "Null", "NULL"}


#: Characters YAML ends a line at besides '\n' (and '\r', which reading turns into '\n'). Editors and
#: ``grep -n`` do not: positions the parser gives are mapped back to the file's lines (SourceText.position).
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")
_ALL_YAML_BREAKS = re.compile("[\n\x85\u2028\u2029]")


@dataclass
class SourceText:
    """A decoded file: its site-relative path and lines, for carets in diagnostics.

    Lines end at '\n' only (the way editors and ``grep -n`` count them; reading turned CRLF and a
    lone CR into '\n'): ``str.splitlines`` would also split at U+2028, form feeds and the like."""

    path: str
    text: str
    lines: list[str] = field(default_factory=list)
    _yaml_lines: list[tuple[int, int]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = self.text.split("\n")

    def _yaml_line_table(self) -> list[tuple[int, int]]:
        """For each line as YAML counts them: (0-based file line, column where it starts in it).
        Empty when the text has no break that only YAML counts (the common case: nothing to map)."""
        if self._yaml_lines is None:
            table: list[tuple[int, int]] = []
            if _YAML_ONLY_BREAKS.search(self.text):
                table.append((0, 0))
                line, start = 0, 0
                for m in _ALL_YAML_BREAKS.finditer(self.text):
                    if m.group() == "\n":
                        line, start = line + 1, m.end()
                    table.append((line, m.end() - start))
            self._yaml_lines = table
        return self._yaml_lines

    def position(self, line0: int, col0: int) -> Position:
        """Position from 0-based line and column as the YAML parser reports them.

        This is the one place where the parser's lines become the file's: YAML (libyaml and
        PyYAML alike) also ends a line at U+0085, U+2028 and U+2029; the position shown is the
        line and column an editor shows."""
        table = self._yaml_line_table()
        if table and 0 <= line0 < len(table):
            line0, start = table[line0]
            col0 += start
        src = self.lines[line0] if 0 <= line0 < len(self.lines) else None
        return Position(self.path, line0 + 1, col0 + 1, src)


@dataclass
class SourceMap:
    """Where each key and value of a YAML document was written."""

    source: SourceText
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def value(self, loc: Loc) -> Position:
        """The value at ``loc``, or the nearest enclosing value that was written."""
        loc = tuple(loc)
        while loc not in self.values and loc:
            loc = loc[:-1]
        line0, col0 = self.values.get(loc, (0, 0))
        return self.source.position(line0, col0)

    def key(self, loc: Loc) -> Position:
        """The key naming ``loc`` (falls back to the value)."""
        loc = tuple(loc)
        if loc in self.keys:
            return self.source.position(*self.keys[loc])
        return self.value(loc)


def file_digest(data: bytes) -> str:
    """The content hash that stands for a file everywhere (cache keys, page fingerprints)."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def relpath(path: Path, root: Path) -> str:
    name, top = str(path), str(root)
    if os.sep == "/" and name.startswith(top) and name[len(top):len(top) + 1] == "/" and top != "/":
        return name[len(top) + 1:]   # what relative_to gives, without pathlib's cost (twice per record)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _inside(root: Path, path: Path, folders: dict[str, bool] | None) -> bool:
    """``inside(root, path)``; with ``folders`` (folder → inside?, kept by the caller for one load),
    a file that is no symbolic link is judged by its folder, resolved once for all its files: the
    file then resolves to its folder's resolution plus its own name. Resolving every file's whole
    path cost more than parsing it."""
    if folders is None:
        return inside(root, path)
    name = str(path)
    folder, own = os.path.split(name)
    if not folder or own in ("", ".", "..") or os.path.islink(name):
        return inside(root, path)
    return _folder_inside(root, folder, folders)


def _folder_inside(root: Path, folder: str, folders: dict[str, bool]) -> bool:
    """Whether ``folder`` resolves inside ``root``, resolved once per load (``folders``)."""
    known = folders.get(folder)
    if known is None:
        known = folders[folder] = inside(root, Path(folder))
    return known


_CAN_OPEN_PLAIN = hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_NONBLOCK")
_PLAIN_OPEN = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0))


def _read_plain(root: Path, path: Path, folders: dict[str, bool]) -> bytes | None:
    """The bytes of a file of a folder inside the site that is a regular file and no symbolic link
    itself, at most MAX_FILE_BYTES: one ``open`` that refuses a link (``O_NOFOLLOW``) and never
    waits on a FIFO (``O_NONBLOCK``), one ``fstat`` and the reads. None for anything else (a link,
    a FIFO, a large, missing or unreadable file, a system without those flags): :func:`read_text`
    then checks the file step by step and says what it is. A large build reads tens of thousands
    of files, and the separate checks cost more than the reading."""
    if not _CAN_OPEN_PLAIN:
        return None
    folder, own = os.path.split(str(path))
    if not folder or own in ("", ".", "..") or not _folder_inside(root, folder, folders):
        return None
    try:
        fd = os.open(str(path), _PLAIN_OPEN)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        parts = [os.read(fd, info.st_size + 1)]
        while parts[-1]:
            parts.append(os.read(fd, 1 << 16))
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_text(path: Path, root: Path, folders: dict[str, bool] | None = None
              ) -> tuple[SourceText | None, list[Diagnostic]]:
    """Read a UTF-8 file (BOM and CRLF accepted). Undecodable or huge files are diagnostics.

    ``folders``: see :func:`_inside`; a caller reading many files of a few folders passes a new
    dict for each load."""
    rel = relpath(path, root)
    where = Position(rel)
    data = _read_plain(root, path, folders) if folders is not None else None
    if data is None:
        if not _inside(root, path, folders):   # never read, never quoted: it could be any file of the machine
            return None, [where.error("E304", "this file is a symbolic link that leads outside the site folder; "
                                              "it is not read (copy the file into the site instead)")]
        kind = not_regular(path)
        if kind:   # reading a FIFO would wait for ever
            return None, [where.warning("W107", f"this is {kind}, not a file; it is skipped")]
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                return None, [where.error("E103", f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
            data = path.read_bytes()
        except OSError as exc:
            return None, [where.error("E101", f"cannot read the file: {exc.strerror or exc}")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [Position(rel, line, col).error(
            "E101", f"byte 0x{data[exc.start]:02X} is not UTF-8; save the file as UTF-8")]
    if "\x00" in text:
        line0 = text.count("\n", 0, text.index("\x00"))
        return None, [Position(rel, line0 + 1, 1, text.split("\n")[line0]).error(
            "E101", "the file contains NUL bytes; it is not text")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    diags: list[Diagnostic] = []
    if _RAW_CONTROL.search(text):
        diags = _raw_control_characters(rel, text)
        text = _RAW_CONTROL.sub("\ufffd", text)   # one character for one: the positions stay right
    return SourceText(rel, text), diags


#: Characters that are no text: C0 and C1 control characters (tab and line ends aside) and the
#: non-characters U+FFFE and U+FFFF. YAML refuses them written raw; XML (the feed, the sitemap) cannot
#: carry them at all. NUL is refused with the whole file before (E101: a binary file). U+0085, which
#: YAML reads as a line end, is left to YAML.
_RAW_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
#: The same in a value, where only an escape (``"\x01"``, ``"\0"``, ``"\N"``) can have put them (and
#: in a story's HTML, where a character reference ``&#1;`` can).
CONTROL_CHARACTERS = _CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_MAX_REPORTED = 10

#: Diagnostics of reading a file after which its data are still whole enough to be judged (the
#: duplicate key's second value left out; a control character kept): the record is checked as
#: well, so that every problem of the file is reported at once. Any other ends the file's checks.
JUDGEABLE = frozenset({"E104", "E213"})


def _raw_control_characters(rel: str, text: str) -> list[Diagnostic]:
    """E213 for each control character written raw (the first few of a file), where it is. The text
    is then read with each replaced by U+FFFD, so that the file's other problems are found too."""
    found = list(_RAW_CONTROL.finditer(text))
    out = []
    for i, m in enumerate(found[:_MAX_REPORTED], 1):
        line0 = text.count("\n", 0, m.start())
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", start)
        line = _RAW_CONTROL.sub("\ufffd", text[start:] if end < 0 else text[start:end])
        more = f" (and {len(found) - i} more in this file)" if i == _MAX_REPORTED < len(found) else ""
        out.append(Position(rel, line0 + 1, m.start() - start + 1, line).error(
            "E213", f"a control character (U+{ord(m.group()):04X}) in the text; remove it{more}"))
    return out


def control_characters(value: str) -> str | None:
    """'U+0001, U+000B' for the control characters in a value (at most three named), or None."""
    found = list(dict.fromkeys(_CONTROL.findall(value)))
    if not found:
        return None
    return ", ".join(f"U+{ord(c):04X}" for c in found[:3]) + (", …" if len(found) > 3 else "")


def split_front_matter(source: SourceText) -> tuple[str | None, int, str, int, list[Diagnostic]]:
    """Split ``---`` front matter from a Markdown body.

    Returns (yaml_text, yaml_first_line0, body, body_first_line0, diagnostics).
    """
    lines = source.text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, 0, source.text, 0, [source.position(0, 0).error(
            "E106", "the file must start with a front matter block: a line '---', YAML fields, then '---'")]
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", 1, "\n".join(lines[i + 1:]), i + 1, []
    return None, 0, "", 0, [source.position(0, 0).error("E106", "the front matter opened on line 1 is never closed with '---'")]


def _typed_scalar(value: str, plain: bool) -> Any:
    """YAML 1.2 core-schema typing, used only for free ``extra:`` mappings."""
    if not plain:
        return value
    if value in _NULLS:
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", value):
        return int(value)
    if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", value):
        return float(value)
    return value


def _flow_depth(text: str) -> int:
    """Upper bound of '['/'{' nesting; counted only when brackets are plentiful."""
    if text.count("[") + text.count("{") <= _MAX_FLOW_BRACKETS:
        return 0
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class _Abort(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


class _Frame:
    """An open mapping or sequence while composing."""

    __slots__ = ("container", "loc", "typed", "key", "keys_seen", "anchor", "start_nodes", "is_list")

    def __init__(self, container: Any, loc: Loc, typed: bool, anchor: str | None, start_nodes: int):
        self.container, self.loc, self.typed = container, loc, typed
        self.key: str | None = None          # a mapping's pending key, once read
        self.keys_seen: dict[str, int] = {}  # key → 0-based line, for duplicate-key messages
        self.anchor, self.start_nodes = anchor, start_nodes
        self.is_list = type(container) is list


def _clean(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def parse_yaml(source: SourceText, text: str | None = None, line_offset: int = 0,
               typed_keys: frozenset[str] | None = frozenset({"extra"}),
               positions: bool = True) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Compose one YAML document into plain data (scalars stay the text written).

    ``text`` defaults to the whole source; ``line_offset`` is the 0-based line
    of its first line in the file (front matter starts on the second line).
    Values under a top-level key in ``typed_keys`` are typed YAML 1.2-style
    (``typed_keys=None`` types the whole document, as YAML-aware editors do).
    Without ``positions`` the source map stays empty (about a third less work):
    for callers that look positions up again only when a check fails.
    Diagnostics of the YAML itself carry their positions either way.
    """
    text = source.text if text is None else text
    smap = SourceMap(source)
    if _flow_depth(text) > _MAX_FLOW_BRACKETS:
        return None, smap, [source.position(line_offset, 0).error("E105", "brackets nested too deeply")]
    try:
        return _compose(source, text, line_offset, smap, typed_keys, positions)
    except _Abort as abort:
        return None, smap, [abort.diagnostic]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line0, col0 = (mark.line + line_offset, mark.column) if mark else (line_offset, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        return None, smap, [source.position(line0, col0).error("E102", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:  # reader errors (e.g. control characters)
        mark = getattr(exc, "position", None)
        return None, smap, [source.position(line_offset, 0).error("E102", f"YAML error: {exc}")]


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_OPENS = {yaml.MappingStartEvent: dict, yaml.SequenceStartEvent: list}
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _compose(source: SourceText, text: str, offset: int, smap: SourceMap,
             typed_keys: frozenset[str] | None, positions: bool = True) -> tuple[Any, SourceMap, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    root: Any = None
    nodes = 0
    documents = 0
    values = smap.values if positions else None     # where each value and key was written
    key_places = smap.keys if positions else None
    escapes = "\\" in text   # control characters are refused raw (read_text); only an escape gives one

    def control(raw: str, mark) -> None:
        """E213 for a value or key holding control characters (written as escapes): the value is kept,
        so the rest of the file is judged; the error keeps the file from being published."""
        named = control_characters(raw)
        if named:
            top = stack[-1] if stack else None
            if top is None or top.is_list:
                name = "a value in a list" if top else "the document"
            else:
                name = "a key" if top.key is None else top.key.replace("\x00duplicate", "a duplicate key")
            s = "s" if "," in named else ""
            diags.append(source.position(mark.line + offset, mark.column).error(
                "E213", f"{name}: the text holds control character{s} ({named}); remove {'them' if s else 'it'}"))

    def error(mark, code: str, message: str) -> _Abort:
        return _Abort(source.position(mark.line + offset, mark.column).error(code, message))

    def attach(value: Any, mark, size: int = 1) -> None:
        """Place a finished value into the enclosing collection (or as a mapping's next key)."""
        nonlocal root, nodes
        nodes += size
        if nodes > MAX_NODES:
            raise error(mark, "E107", f"the document expands to more than {MAX_NODES:,} values (too many aliases?)")
        if not stack:
            root = value
            if values is not None:
                values[()] = (mark.line + offset, mark.column)
            return
        top = stack[-1]
        if top.is_list:
            if values is not None:
                values[top.loc + (len(top.container),)] = (mark.line + offset, mark.column)
            top.container.append(value)
            return
        key = top.key
        if key is None:  # this value is a key
            if type(value) is not str:
                raise error(mark, "E204", "a key must be plain text, not a list or mapping")
            key = _clean(value).strip()
            line = mark.line + offset
            if key in top.keys_seen:
                diags.append(source.position(line, mark.column).error(
                    "E104", f"duplicate key '{shortened(str(key))}' (first written on line {top.keys_seen[key] + 1})"))
                top.key = "\x00duplicate"
            else:
                top.keys_seen[key] = line
                if key_places is not None:
                    key_places[top.loc + (key,)] = (line, mark.column)
                top.key = key
            return
        top.key = None
        if key == "\x00duplicate":
            return
        top.container[key] = value
        if values is not None:
            values[top.loc + (key,)] = (mark.line + offset, mark.column)

    def child_typed() -> bool:
        if typed_keys is None:
            return True
        if not stack:
            return False
        top = stack[-1]
        return top.typed or (len(stack) == 1 and not top.is_list and top.key in typed_keys)

    loader = _Loader(text)
    get_event = loader.get_event
    try:
        while True:
            event = get_event()
            if event is None:
                break
            kind = type(event)
            if kind is _SCALAR:
                raw = event.value
                if escapes:
                    control(raw, event.start_mark)
                top = stack[-1] if stack else None
                if top is not None and not top.is_list and top.key is None:   # a key: its raw text
                    key = raw.strip() if raw.isascii() else _clean(raw).strip()
                    if key_places is None and nodes < MAX_NODES and key not in top.keys_seen:
                        nodes += 1                      # attach(), written out for a new key
                        top.keys_seen[key] = event.start_mark.line + offset   # when no positions are kept
                        top.key = key
                    else:
                        attach(raw, event.start_mark)
                    if event.anchor:
                        anchors[event.anchor] = (raw, 1)
                    continue
                plain = event.style in (None, "")
                if typed_keys is None:   # child_typed(), written out: this runs for every value
                    typed = True
                else:
                    typed = top is not None and (top.typed or (
                        len(stack) == 1 and not top.is_list and top.key in typed_keys))
                if typed:
                    value: Any = _typed_scalar(_clean(raw), plain)
                elif plain and raw in _NULLS:
                    value = None
                else:
                    value = raw if raw.isascii() else unicodedata.normalize("NFC", raw)
                key = top.key if top is not None and values is None and not top.is_list else None
                if key is not None and key != "\x00duplicate" and nodes < MAX_NODES:
                    nodes += 1                      # attach(), written out for a mapping's value
                    top.container[key] = value      # when no positions are kept
                    top.key = None
                else:
                    attach(value, event.start_mark)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind in _OPENS:
                if len(stack) >= MAX_DEPTH:
                    raise error(event.start_mark, "E105", f"the document is nested more than {MAX_DEPTH} levels deep")
                top = stack[-1] if stack else None
                if top is not None and not top.is_list and top.key is None:
                    raise error(event.start_mark, "E204", "a key must be plain text, not a list or mapping")
                container: Any = _OPENS[kind]()
                if top is None:
                    loc: Loc = ()
                elif positions:
                    loc = top.loc + ((len(top.container) if top.is_list else (top.key or "")),)
                else:
                    loc = top.loc   # not used without positions
                typed = child_typed()
                attach(container, event.start_mark)
                stack.append(_Frame(container, loc, typed, event.anchor, nodes))
            elif kind in _CLOSES:
                frame = stack.pop()
                if frame.anchor:
                    anchors[frame.anchor] = (frame.container, max(1, nodes - frame.start_nodes + 1))
            elif kind is _ALIAS:
                if event.anchor not in anchors:
                    raise error(event.start_mark, "E102", f"YAML syntax error: unknown alias '*{event.anchor}'")
                value, size = anchors[event.anchor]
                attach(value, event.start_mark, size)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise error(event.start_mark, "E108",
                                "a second YAML document ('---') in one file; a file holds one record")
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose:
            dispose()
    return root, smap, diags
