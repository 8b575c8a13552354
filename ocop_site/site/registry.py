"""The asset registry: every file the pages of a build may link to, and where it is published.

The assets stage fills it — processed images (``pictures``), QR codes, share cards and image
variants in the cache (``generated``), files records and stories name that are published as
they are (``files``) — and then freezes it (:meth:`Media.freeze`). Views, pages and the publish
stage only read it, so views stay pure functions of the catalog, the day and the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Optional

from ..core.cache import Cache
from ..media.images import Picture


@dataclass
class Media:
    """Files that pages link to, to be copied under ``media/`` (site-relative source path → URL path)."""

    files: dict[str, str] = field(default_factory=dict)
    # Images go through media/images.py instead of being copied (see images.prepare_site_images):
    pictures: dict[str, Picture] = field(default_factory=dict)           # site path → its variants
    generated: dict[str, str | Path] = field(default_factory=dict)       # output path → cached file to link
    story_images: set[str] = field(default_factory=set)         # site paths of images shown in stories
    cards: dict[str, str] = field(default_factory=dict)      # product code → share card output path
    rejected: set[str] = field(default_factory=set)             # site paths of images that cannot be used
    cache: Optional[Cache] = None                                # the build's cache
    frozen: bool = False                                         # see freeze()

    def publish(self, site_path: str) -> str:
        """Output path for a site-relative source file ('products/X/a.jpg' → 'media/products/X/a.jpg').

        A processed image gives its largest published size, never the original file. While the
        assets stage runs, a file asked for is registered to be copied; once the registry is
        frozen, asking for a file it does not hold is a fault of the build's code (the assets stage
        must register every file a view links to), never silently a broken link.
        """
        picture = self.pictures.get(site_path)
        if picture is not None:
            return picture.largest_output
        out = self.files.get(site_path)
        if out is None:
            if self.frozen:
                raise LookupError(f"'{site_path}' was not registered by the assets stage")
            out = self.files[site_path] = "media/" + site_path
        return out

    def freeze(self) -> Media:
        """This registry as it stands, read-only: what the views, pages and the publish stage see."""
        return replace(self, files=MappingProxyType(dict(self.files)), pictures=MappingProxyType(dict(self.pictures)),
                       generated=MappingProxyType(dict(self.generated)), story_images=frozenset(self.story_images),
                       cards=MappingProxyType(dict(self.cards)), rejected=frozenset(self.rejected), frozen=True)

    def thawed(self) -> Media:
        """A writable copy (``serve``'s preview of an edited product registers its new files in it)."""
        return replace(self, files=dict(self.files), pictures=dict(self.pictures), generated=dict(self.generated),
                       story_images=set(self.story_images), cards=dict(self.cards), rejected=set(self.rejected),
                       frozen=False)

    def picture(self, site_path: Optional[str]) -> Optional[Picture]:
        """The images.Picture of a processed image, or None."""
        return self.pictures.get(site_path) if site_path else None
