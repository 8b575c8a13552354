"""Markdown stories → safe HTML.

Stories are written by many hands and may contain HTML, so the rendered
Markdown is always passed through nh3 (the Ammonia sanitiser): no script,
style, event handlers, ``javascript:``/``data:`` URLs, forms or embeds; iframes
only from an allow-listed set of video hosts. Relative image and file links
are resolved like record images (relative to the story, inside the site
folder) and published under ``media/``. What the sanitiser will remove is
reported as a warning (W101) at its line, so authors learn why it vanished.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import nh3

from ..core.diagnostics import Diagnostic, Position, shortened
from ..core.safety import DOCUMENT_TYPES, document_problem, nfd_hint, not_regular, publish_problem
from ..core.vietnamese import slugify
from ..records.photos import is_image_path, probe_story_image
from ..records.sources import CONTROL_CHARACTERS
from .registry import Media

#: Files a story may link to that are published byte for byte (photos go through images.py).
PUBLISHED_AS_IS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".webp", ".gif", ".txt", ".csv"})

VIDEO_HOSTS = frozenset({"www.youtube-nocookie.com", "www.youtube.com", "youtube.com", "player.vimeo.com"})

_TAGS = set(nh3.ALLOWED_TAGS) | {"iframe", "picture", "source"}
_ATTRIBUTES = {
    **{h: {"id"} for h in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen", "loading"},
    "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
    "abbr": {"title"}, "time": {"datetime"}, "ol": {"start"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_UNSAFE = re.compile(
    r"<\s*(?P<tag>script|style|object|embed|form|input|button|textarea|select|base|meta|link|svg|math)\b"
    r"|\son[a-z]+\s*="
    r"|(?P<scheme>javascript|vbscript|data)\s*:"
    r"|<\s*iframe\b[^>]*?\bsrc\s*=\s*[\"']?(?P<iframe>[^\"'\s>]*)",
    re.IGNORECASE,
)


def resolve_in_site(root: Path, from_file: str, ref: str) -> str | None:
    """Site-relative path of ``ref`` written in ``from_file``, or None when it leaves the site."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), ref))
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    try:
        if not (root / joined).resolve().is_relative_to(root.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return joined


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index)
    col = index - (text.rfind("\n", 0, index) + 1)
    return line, col


def unsafe_html_warnings(body: str, path: str, body_line: int, lines: list[str] | None = None) -> list[Diagnostic]:
    out = []
    for m in _UNSAFE.finditer(body):
        if m.group("iframe") is not None:
            host = urlsplit(m.group("iframe")).hostname or ""
            if host in VIDEO_HOSTS and m.group("iframe").startswith("https://"):
                continue
            what = f"an iframe from '{shortened(host or m.group('iframe'))}' (allowed: {', '.join(sorted(VIDEO_HOSTS))})"
        elif m.group("tag"):
            what = f"<{m.group('tag').lower()}>"
        elif m.group("scheme"):
            what = f"a {m.group('scheme').lower()}: URL"
        else:
            what = "an event handler attribute"
        line0, col0 = _line_col(body, m.start())
        src = body.split("\n")[line0] if lines is None else lines[body_line + line0]
        out.append(Position(path, body_line + line0 + 1, col0 + 1, src).warning(
            "W101", f"{what} is removed from the published story"))
    return out


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    """One converter, reset before each story: setting up its extensions costs as much as a short story."""
    return markdown.Markdown(extensions=["tables", "sane_lists", "toc"],
                             extension_configs={"toc": {"slugify": lambda value, sep: slugify(value) or "muc"}})


def _deepest_line(body: str) -> int:
    """Index of the first of the most deeply nested lines (indentation or '>' marks) of a story."""
    def depth(line: str) -> int:
        stripped = line.lstrip(" \t>")
        lead = line[:len(line) - len(stripped)]
        return lead.count(">") * 4 + len(lead.replace(">", "").expandtabs(4))
    depths = [depth(line) for line in body.split("\n")]
    return depths.index(max(depths)) if depths else 0


def render_markdown(body: str, path: str, body_line: int, root: Path, base_path: str,
                    media: Media) -> tuple[str, list[Diagnostic]]:
    """HTML of a story; relative images/files are published through ``media``."""
    diags: list[Diagnostic] = []
    try:
        html = _markdown().reset().convert(body)
    except RecursionError:   # Python-Markdown parses nested lists by recursion
        _markdown.cache_clear()   # the converter is left half-way through: never reuse it
        line0 = _deepest_line(body)
        return "", [Position(path, body_line + line0 + 1, 1, body.split("\n")[line0]).error(
            "E111", "the story nests lists or quotes too deeply to be rendered; keep to a few levels")]

    def where(ref: str) -> Position:
        found = [i for i in (body.find(f"({ref}"), body.find(f'"{ref}"'), body.find(f"'{ref}'"),
                             body.find(f"={ref}"), body.find(ref)) if i >= 0]
        index = found[0] + (0 if body[found[0]:].startswith(ref) else 1) if found else 0
        line0, col0 = _line_col(body, max(index, 0))
        return Position(path, body_line + line0 + 1, col0 + 1, body.split("\n")[line0])

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            parts = urlsplit(value)
            return value if parts.scheme == "https" and parts.hostname in VIDEO_HOSTS else None
        if attr not in ("src", "href"):
            return value
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith(("#", "/")):
            return value
        target = resolve_in_site(root, path, unquote(parts.path))
        if target is None:
            diags.append(where(value).error("E304", f"'{shortened(value)}' leads outside the site folder"))
            return None
        problem = publish_problem(root, target)
        if problem:
            diags.append(where(value).warning("W101", f"'{shortened(value)}' is not published: it {problem}"))
            return None
        if (kind := not_regular(root / target)):   # never opened: reading it could block the build
            diags.append(where(value).error("E303", f"'{shortened(value)}' is {kind}, not a file"))
            return None
        if not (root / target).is_file():
            diags.append(where(value).error("E303", f"'{shortened(value)}' does not exist (looked for {shortened(target)})"
                                                   + nfd_hint(root / target)))
            return None
        if is_image_path(target):
            # Images are resized and stripped of metadata (images.prepare_site_images), never copied as is.
            problem, not_an_image = probe_story_image(root / target)
            if problem is None:
                media.story_images.add(target)
                return base_path + "media/" + target
            action = "it is published unchanged" if not_an_image else "it is left out"
            diags.append(where(value).warning("W104", f"the story image '{shortened(value)}' {problem}; {action}"))
            if not not_an_image:
                return None
        if posixpath.splitext(target)[1].lower() not in PUBLISHED_AS_IS:
            # an .svg or .html published on the site's own address could run script there
            diags.append(where(value).warning(
                "W101", f"'{shortened(value)}' is not published: only {', '.join(sorted(PUBLISHED_AS_IS))} files and "
                        "photos are (other files could run script on the site)"))
            return None
        if posixpath.splitext(target)[1].lower() in DOCUMENT_TYPES and (problem := document_problem(root, target)):
            diags.append(where(value).warning("W101", f"'{shortened(value)}' is not published: it {problem}"))
            return None
        return base_path + media.publish(target)

    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                      attribute_filter=attribute_filter, link_rel="noopener noreferrer", strip_comments=True)
    if CONTROL_CHARACTERS.search(clean):
        # a character reference (&#1;) to a control character: the file itself cannot hold one (E213)
        clean = CONTROL_CHARACTERS.sub("", clean)
        m = _CONTROL_REFERENCE.search(body)
        line0, col0 = _line_col(body, m.start()) if m else (0, 0)
        diags.append(Position(path, body_line + line0 + 1, col0 + 1, body.split("\n")[line0]).warning(
            "W101", "a control character (written as a character reference such as '&#1;') is removed "
                    "from the published story"))
    return clean, diags


_CONTROL_REFERENCE = re.compile(r"&#(?:[xX]0*(?:[0-8bBcC]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F]|[fF]{3}[eEfF])|"
                                r"0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]|12[7-9]|1[3-5][0-9]|6553[45]));")
