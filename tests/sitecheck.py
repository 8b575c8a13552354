"""Helpers to inspect a built site: parse HTML, collect links, check they resolve."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    """Tags with attributes, and scripts' text, of one HTML file."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._text: list[str] = []
        self.text_parts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script, self._text = a, []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)
        else:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def links(self) -> list[str]:
        out = []
        for _tag, a in self.tags:
            for key in ("href", "src"):
                if a.get(key):
                    out.append(a[key])
            if a.get("srcset"):
                out += [part.strip().split(" ")[0] for part in a["srcset"].split(",")]
        return out


def read(out: Path, rel: str) -> Page:
    return Page((out / rel).read_text(encoding="utf-8"))


def broken_links(out: Path, base_path: str = "/") -> list[str]:
    """Every internal href/src of every HTML page that does not resolve to a file of the site."""
    problems = []
    for html in sorted(out.rglob("*.html")):
        rel = html.relative_to(out).as_posix()
        for link in read(out, rel).links():
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#"):
                continue
            if not parts.path.startswith(base_path):
                problems.append(f"{rel}: {link} is outside {base_path}")
                continue
            target = out / unquote(parts.path[len(base_path):])
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel}: {link}")
    return problems
