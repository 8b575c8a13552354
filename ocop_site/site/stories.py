"""Producer, sales-point and free-page stories: Markdown rendered once per build, on every core.

Rendering a story registers what it links to (files published byte for byte, images shown) in
the build's asset registry (:class:`~.registry.Media`); the image stage then rewrites each
story's images into the theme's ``<picture>`` markup. ``check`` renders them too, without
publishing anything, to report the same diagnostics as a build (:func:`story_diagnostics`).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import unquote

from markupsafe import Markup

from ..core.diagnostics import Diagnostic
from ..core.workers import fork_map
from ..records.catalog import Catalog, Entry, Localized
from .markup import render_markdown, unsafe_html_warnings
from .registry import Media


@dataclass
class RenderedStory:
    """One story rendered in a worker, as it travels back: its HTML, its diagnostics, and what it
    registered (files published as they are, images it shows)."""

    html: str
    diagnostics: list[Diagnostic]
    files: dict[str, str]
    images: set[str]


def _story_source(entry: Entry, localized: Optional[Localized]) -> tuple[str, str, int]:
    """(path, Markdown body, its first line) of a story or of one of its translations."""
    if localized:
        return localized.path, localized.body, localized.body_line
    return entry.path, entry.body, entry.body_line


def _render_story(path: str, body: str, line: int, root: Path, base_path: str, media: Media
                  ) -> tuple[str, list[Diagnostic]]:
    """A story's HTML, and the diagnostics of its Markdown and of the HTML written in it."""
    html, diags = render_markdown(body, path, line, root, base_path, media)
    return html, diags + unsafe_html_warnings(body, path, line)


class StoryRenderer:
    """Markdown bodies → HTML, each rendered once, with its diagnostics collected."""

    def __init__(self, root: Path, base_path: str, media: Media):
        self.root, self.base_path, self.media = root, base_path, media
        self.diagnostics: list[Diagnostic] = []
        self._cache: dict[str, str] = {}

    def __call__(self, entry: Entry, localized: Optional[Localized]) -> str:
        return self._render(*_story_source(entry, localized))

    def _render(self, path: str, body: str, line: int) -> str:
        if path not in self._cache:
            html, diags = _render_story(path, body, line, self.root, self.base_path, self.media)
            self.diagnostics += diags
            self._cache[path] = html
        return self._cache[path]

    def render_all(self, jobs: list[tuple[Entry, Optional[Localized]]], workers: int = 1,
                   meanwhile: Optional[Callable[[], None]] = None) -> None:
        """Render the stories of ``jobs`` ahead, on ``workers`` processes: at national scale there are
        thousands, and Markdown costs about half a millisecond each. ``meanwhile``: see
        :meth:`render_sources`."""
        self.render_sources([_story_source(entry, localized) for entry, localized in jobs], workers, meanwhile)

    def render_sources(self, sources: list[tuple[str, str, int]], workers: int = 1,
                       meanwhile: Optional[Callable[[], None]] = None) -> None:
        """Render (path, Markdown body, its first line) stories ahead, on ``workers`` processes. A child
        renders with its own empty :class:`Media` and sends back the files and story images it
        registered; they are merged in order, so the result is the one a loop over ``sources`` gives.
        ``meanwhile`` (work of this process that needs no story) runs once, while the workers
        render, or first when they are not forked."""
        todo: dict[str, tuple[str, int]] = {}
        for path, body, line in sources:
            if path not in self._cache:
                todo.setdefault(path, (body, line))
        if workers < 2 or len(todo) < 200 or self.media.pictures:
            if meanwhile is not None:
                meanwhile()
            for path, (body, line) in todo.items():   # a picture already processed changes what publish() gives
                self._render(path, body, line)
            return
        root, base_path = self.root, self.base_path

        def render_one(job: tuple[str, str, int]) -> RenderedStory:
            path, body, line = job
            media = Media()
            html, diags = _render_story(path, body, line, root, base_path, media)
            return RenderedStory(html, diags, dict(media.files), set(media.story_images))

        jobs_todo = [(path, body, line) for path, (body, line) in todo.items()]
        rendered = list(fork_map(render_one, jobs_todo, workers, meanwhile=meanwhile))
        for (path, _, _), story in zip(jobs_todo, rendered):
            self._cache[path] = story.html
            self.diagnostics += story.diagnostics
            self.media.files.update(story.files)
            self.media.story_images |= story.images

    @property
    def rendered(self) -> frozenset[str]:
        """Paths of the stories rendered so far."""
        return frozenset(self._cache)

    def rewrite(self, fn: Callable[[str], str]) -> None:
        """Apply ``fn`` to every story rendered so far (upgrade_story_html adds <picture> markup)."""
        self._cache = {path: fn(html) for path, html in self._cache.items()}


def story_diagnostics(catalog: Catalog, rendered: frozenset[str] = frozenset(), workers: int = 1) -> list[Diagnostic]:
    """The diagnostics of every story a build renders or would render (E111, E303, E304, W101, W104),
    found the way the build finds them: by rendering it (nothing is published).

    ``check`` asks for all of them. ``build`` renders the stories of the records it publishes and asks
    here for the others (those not in ``rendered``): stories of files with errors (a broken front
    matter does not hide its story's faults), and all of them when it stops before rendering."""
    stories = StoryRenderer(catalog.root, "/", Media())
    stories.render_sources([s for s in catalog.stories if s[0] not in rendered], workers)
    return stories.diagnostics


# --- processed images in stories ---------------------------------------------------------------

_STORY_REF = re.compile(r'<img\b[^>]*>|\bhref="([^"]*)"')
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def upgrade_story_html(html: str, media: Media, base_path: str, picture: Callable[..., str]) -> str:
    """Sanitised story HTML with processed images as ``<picture>`` and links to their largest size.

    Stories are rendered before images are processed; their ``<img src>`` then points at
    ``<base>media/<site path>``, which is resolved here. The ``<picture>`` markup is the theme's
    own (``picture``: its ``_picture.html`` macro, see :func:`.themes.picture_macro`), so a theme
    that changes it changes stories too.
    """
    prefix = base_path + "media/"

    def lookup(url: str):
        url = unquote(html_lib.unescape(url))
        if not url.startswith(prefix):
            return None, None
        site_path = url[len(prefix):]
        if site_path not in media.story_images:
            return None, None
        return site_path, media.pictures.get(site_path)

    def replace(m: re.Match) -> str:
        text = m.group(0)
        if m.group(1) is not None:                      # a link
            site_path, pic = lookup(m.group(1))
            if site_path is None:
                return text
            return f'href="{pic.largest}"' if pic else ""
        attrs = dict(_ATTR.findall(text))
        site_path, pic = lookup(attrs.get("src", ""))
        if site_path is None:
            return text
        if pic is None:
            return ""
        # alt and title come from sanitised HTML: already escaped
        return str(picture(pic, Markup(attrs.get("alt", "")), sizes=STORY_IMAGE_SIZES, lazy=True,
                           title=Markup(attrs.get("title", ""))))
    return _STORY_REF.sub(replace, html)


#: How wide a story's images are shown (the theme's story column).
STORY_IMAGE_SIZES = "(min-width: 48rem) 45rem, 100vw"
