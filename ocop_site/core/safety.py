"""What the build may read and what it may publish: one rule for every file.

- Every file the build reads (records, stories, images, documents, the site's own templates and
  static files) must be inside the site folder once symbolic links are resolved; one that is not
  is refused with a diagnostic that never quotes its content.
- Nothing under a hidden folder (a path segment starting with '.') is ever published, whatever
  names it: ``.git/config`` is not a document.
- Files published byte for byte (a product's base standard, a story's links) are PDF or raster
  images only (plus plain text and CSV from stories): an HTML or SVG file served from the site's
  own address could run script there.
- Only regular files are read: a FIFO, socket or device in the source tree would block a read
  for ever, so it is skipped with a warning (W107).
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import Optional

from .cache import CACHE_DIR, cache_folder
from .diagnostics import Position, shortened

#: Files a record's ``standard.document`` may name: published unchanged, so nothing that a browser
#: would run (HTML, SVG, XML) — PDF and raster images only.
DOCUMENT_TYPES = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".webp", ".gif"})


def hidden_part(site_path: str) -> Optional[str]:
    """The first segment of a site-relative path that starts with '.', or None.

    ``..`` segments are not hidden folders (a normalised path has none inside the site)."""
    for part in site_path.replace("\\", "/").split("/"):
        if part.startswith(".") and part not in (".", ".."):
            return part
    return None


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` is inside ``root`` once every symbolic link is resolved."""
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def resolved_site_path(root: Path, path: Path) -> Optional[str]:
    """The site-relative path of ``path`` after resolving links, or None when it is outside."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except (OSError, RuntimeError, ValueError):
        return None


def not_regular(path: Path | str) -> Optional[str]:
    """What kind of special file ``path`` is ('a FIFO (named pipe)', …), or None for a regular
    file, a folder or a file that does not exist. Links are followed."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def publish_problem(root: Path, site_path: str) -> Optional[str]:
    """Why the site file ``site_path`` (site-relative, normalised) may not be published, or None.

    The message completes a sentence starting with the file's name."""
    hidden = hidden_part(site_path)
    if hidden is None:
        real = resolved_site_path(root, root / site_path)
        if real is None:
            return "leads outside the site folder"
        hidden = hidden_part(real)
    if hidden is not None:
        return f"is in the hidden folder '{hidden}'; nothing under a hidden folder is published"
    return None


def document_problem(root: Path, site_path: str) -> Optional[str]:
    """Why ``site_path`` cannot be published as a document (unchanged, on the site's own address).

    PDF and raster images only, and their first bytes must not be markup (an HTML page renamed
    ``.pdf`` is still refused). The message completes a sentence starting with the file's name."""
    problem = publish_problem(root, site_path)
    if problem:
        return problem
    suffix = posixpath.splitext(site_path)[1].lower()
    if suffix not in DOCUMENT_TYPES:
        return (f"is not a PDF or an image ({', '.join(sorted(DOCUMENT_TYPES))}); other files, such as HTML "
                "or SVG, could run script on the site")
    if not_regular(root / site_path):
        return None   # never opened (it could block): the existence check refuses it
    try:
        with open(root / site_path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None   # missing or unreadable: the existence check says so
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "holds HTML or XML markup, not a PDF or an image; it could run script on the site"
    return None


#: What a build reads in a site folder (the same list as builder.WATCHED).
INPUTS = ("site.yaml", "products", "content", "themes", "templates", "static")


def source_role(root: Path, output: Path) -> Optional[str]:
    """Why ``output`` (a file or folder a command would write) must not be written, or None:
    it is or lies inside something the build reads (site.yaml, products/, content/, the
    site's themes, templates or static files) or a cache folder. The words complete
    'the output … is …'."""
    try:
        out = Path(output).resolve()
        src = Path(root).resolve()
    except (OSError, RuntimeError):
        return None
    caches = {src / CACHE_DIR}
    try:
        caches.add(cache_folder(src).resolve())
    except (OSError, RuntimeError):
        pass
    for cache in sorted(caches):
        if out == cache or out.is_relative_to(cache):
            return f"inside the cache folder {cache}, which is never published"
    for name in INPUTS:
        source = src / name
        if out == source:
            return f"the site's own {name}, which the build reads"
        if out.is_relative_to(source):
            return f"inside {name}/, which the build reads"
    return None


def folder_problems(root: Path, folders: list[Path]) -> list:
    """Diagnostics for the files of ``folders`` (a site's templates, static files, its own theme)
    that the build must not read: a symbolic link leading outside the site folder (E304, an error:
    the build would publish or run what it points to) and special files (W107: skipped). Hidden
    files and folders are never read and not looked at."""
    found = []
    real_root = Path(root).resolve()
    for top in folders:
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in [*dirs, *sorted(files)]:
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                rel = shortened(os.path.relpath(path, root).replace(os.sep, "/"), 200)
                if os.path.islink(path) and not inside(real_root, Path(path)):
                    found.append(Position(rel).error(
                        "E304", "this is a symbolic link that leads outside the site folder; it is not read "
                                "(move the file into the site)"))
                    continue
                kind = not_regular(path)
                if kind:
                    found.append(Position(rel).warning("W107", f"this is {kind}, not a file; it is skipped"))
    return found


def nfd_twin(path: Path) -> Optional[str]:
    """The name of a file beside ``path`` (which does not exist) whose name is the same text in
    another Unicode form: a name stored decomposed (NFD, as some Mac tools save 'Ảnh.jpg') differs
    byte for byte from what a record names, though both look alike. None when there is none."""
    import unicodedata
    wanted = unicodedata.normalize("NFC", path.name)
    try:
        with os.scandir(path.parent) as entries:
            for e in entries:
                if e.name != path.name and unicodedata.normalize("NFC", e.name) == wanted:
                    return e.name
    except OSError:
        pass
    return None


def nfd_hint(path: Path) -> str:
    """'; the folder has …' when a file of the same name in another Unicode form is there, else ''."""
    twin = nfd_twin(path)
    if twin is None:
        return ""
    return ("; a file of that name is there, but its name is stored in decomposed Unicode (NFD), "
            "which differs byte for byte: rename the file (retype its name) so it is saved in NFC")
