"""The theme chain → one Jinja environment per language.

Templates are looked up in the site's own ``templates/`` first, then in the
theme's; an override can extend the template it replaces through the prefix
``!theme/`` (``{% extends "!theme/base.html" %}``), as Pelican does. Autoescape
is on and undefined names are errors, so a typo in a template fails the build
instead of publishing an empty field. UI strings go through gettext with the
theme's Babel catalogs (``locale/<lang>/LC_MESSAGES/messages.po``); dates,
numbers and prices are formatted per language with Babel.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from types import FunctionType
from typing import Any, Optional

import jinja2
import jinja2.ext
import jinja2.lexer
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from jinja2.compiler import CodeGenerator, optimizeconst
from markupsafe import Markup, escape

from ..core.diagnostics import shortened
from ..core.routes import Routes
from ..core.safety import inside, not_regular
from .badge import STAR_POINTS, text_width

BUNDLED_THEMES = Path(__file__).resolve().parent.parent.parent / "themes"


class ThemeError(Exception):
    """The configured theme cannot be found (reported as E402)."""


@dataclass(frozen=True)
class Theme:
    name: str
    root: Path

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def static(self) -> Path:
        return self.root / "static"


def _bundled_themes() -> Path:
    """Themes shipped with the package: the repository's themes/ or the installed copy."""
    if BUNDLED_THEMES.is_dir():
        return BUNDLED_THEMES
    from importlib import resources
    return Path(str(resources.files("ocop_site") / "bundled_themes"))


def find_theme(site_root: Path, name: str) -> Theme:
    """``<site>/themes/<name>`` or the bundled theme of that name. A name is a plain folder name (site.yaml's
    check says so as E112; here again, for any caller), and a site's theme must be inside the site folder
    once links are resolved: its templates run and its static files are published."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or ":" in name or "\0" in name:
        raise ThemeError(f"theme '{shortened(name)}' is not a theme name: write the name of a folder of themes/")
    for base in (site_root / "themes", _bundled_themes()):
        if (base / name / "templates").is_dir():
            if base == site_root / "themes" and not inside(site_root, base / name):
                raise ThemeError(f"theme '{shortened(name)}': themes/{shortened(name)} leads outside the site folder (a symbolic link); "
                                 "a theme must be inside the site")
            return Theme(name, base / name)
    raise ThemeError(f"theme '{shortened(name)}' not found in {site_root / 'themes'} nor among the bundled themes")


@lru_cache(maxsize=16)
def _translations(po_path: str, mtime: float) -> Translations:
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def translations(theme: Theme, lang: str) -> NullTranslations:
    po = theme.root / "locale" / lang / "LC_MESSAGES" / "messages.po"
    if po.is_file():
        return _translations(str(po), po.stat().st_mtime)
    return NullTranslations()


def json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: no text can close the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def _private_escape() -> Optional[Callable[[str], str]]:
    """markupsafe's own escaping of a str, returning a str (``_escape_inner``, private: MarkupSafe
    3.0 has it, in its C speedups or in pure Python). Older releases that Jinja 3.1 still accepts
    (2.1) have none: then None, and templates are compiled by plain Jinja (:data:`FAST_TEMPLATES`)."""
    for module in ("markupsafe._speedups", "markupsafe._native"):
        try:
            found = getattr(importlib.import_module(module), "_escape_inner", None)
        except ImportError:   # markupsafe without its C speedups
            continue
        if callable(found):
            return found
    return None


#: Whether the template speed layer (:class:`_Environment`) is used: it calls markupsafe's private
#: escaping function from the compiled templates. Without it, plain Jinja gives the same pages.
FAST_TEMPLATES = _private_escape() is not None
_escape_inner: Callable[[str], str] = _private_escape() or (lambda text: str(escape(text)))


def output_escape(value: Any) -> str:
    """What ``{{ value }}`` writes with autoescape: the same text as ``markupsafe.escape(value)``
    but a plain str, not a Markup. The pieces of a page are only ever joined, so the Markup
    wrapper (two Python calls per output) is not needed."""
    if value.__class__ is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


def format_translated(message: str, **variables: Any) -> Markup:
    """What the i18n extension's ``_()`` does after looking the message up: the (already
    translated) text is markup, the values put into it are escaped.

    Numbers go in as they are (``%(n)d`` needs a number) and other values
    escaped to text first: the same result as ``Markup(message) % variables``
    at a fraction of its cost, which wraps every value in a helper object.
    Anything else that formatting refuses takes markupsafe's own path."""
    try:
        return Markup(message % {key: value if value.__class__ in _NUMBERS else output_escape(value)
                                 for key, value in variables.items()})
    except (TypeError, ValueError, KeyError):
        return Markup(message) % variables


_NUMBERS = (int, float, bool)


class ConstantGettext(jinja2.ext.Extension):
    """Translate ``_("literal")`` while compiling, since each language has its own environment.

    A page calls ``_()`` dozens of times; folding the calls into constants
    removes most of the per-page cost of translation. ``_("literal")`` becomes
    the translated string; ``_("… %(n)s", n=…)`` becomes
    ``_translated("…translated…", n=…)`` (:func:`format_translated`), so only
    the formatting is left for render time. ``ngettext`` stays dynamic.
    """

    def filter_stream(self, stream):
        translate = getattr(self.environment, "constant_gettext", None)
        pending: list = []
        for token in stream:
            pending.append(token)
            if len(pending) == 4:
                name, lparen, string, after = pending
                if (translate and name.type == "name" and name.value == "_" and lparen.type == "lparen"
                        and string.type == "string" and after.type in ("rparen", "comma")):
                    text = translate(string.value)
                    if after.type == "rparen":
                        yield jinja2.lexer.Token(string.lineno, "string", text)
                    else:
                        yield jinja2.lexer.Token(name.lineno, "name", "_translated")
                        yield lparen
                        yield jinja2.lexer.Token(string.lineno, "string", text)
                        yield after
                    pending = []
                    continue
                yield pending.pop(0)
        yield from pending


# Vietnamese long dates as Vietnamese write them: "ngày 30 tháng 11 năm 2026" (Babel's own is "30 tháng 11, 2026")
_DATE_FORMATS = {("vi", "short"): "dd/MM/yyyy", ("en", "short"): "d MMM y",
                 ("vi", "long"): "'ngày' d 'tháng' M 'năm' y"}


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``{{ … }}`` escaped without a Python call for text (markupsafe's
    C function, called from the template; anything else through :func:`output_escape`) and
    ``a.b`` read by Python's own ``getattr`` first.

    ``a.b`` compiles to ``environment.getattr(a, "b")``, a Python call, some three hundred times
    for a product page. Here it is the builtin ``getattr(a, "b", missing)``, and only when that
    finds nothing ``environment.getattr`` (an item ``a["b"]``, or undefined), which does
    exactly what Jinja does. The object and the value are held in assignment expressions
    (``_ga<n>o``, ``_ga<n>v``), so ``a`` is evaluated once.
    """

    _getattrs = 0

    @optimizeconst
    def visit_Getattr(self, node: Any, frame: Any) -> None:
        if self.environment.is_async:
            super().visit_Getattr.__wrapped__(self, node, frame)  # type: ignore[attr-defined]
            return
        self._getattrs += 1
        obj, value = f"_ga{self._getattrs}o", f"_ga{self._getattrs}v"
        self.write(f"({value} if ({value} := getattr(({obj} := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr({obj}, {node.attr!r}))")

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            if finalize.src is None:   # text (most values) escaped by markupsafe's C function, called here
                self._outputs += 1
                self.write(f"(_ocop_escape(_oe{self._outputs}) if (_oe{self._outputs} := ")
                return
            self.write("environment.output_escape(")
            self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write(f").__class__ is str else environment.output_escape(_oe{self._outputs}))")
            return
        super()._output_child_post(node, frame, finalize)

    def visit_Template(self, node: Any, frame: Any = None) -> None:
        super().visit_Template(node, frame)
        self.writeline("from ocop_site.site.themes import _escape_inner as _ocop_escape")

    _outputs = 0


class _Context(jinja2.runtime.Context):
    """Jinja's context, calling plain functions (``url()``, ``static()``, ``_()``…) without first
    asking each whether it wants the context or the environment passed in."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own naming
        if __obj.__class__ is FunctionType and "jinja_pass_arg" not in __obj.__dict__:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    """Jinja's environment with its per-page overheads taken out; templates work as in Jinja.

    - Templates share the environment's globals dict itself instead of a ChainMap over it. Jinja
      copies a template's globals into every context it creates (each page, include and partial)
      and compares key sets on every import; over a ChainMap both run in Python, about 15 µs a
      page here. The environment is set up before its templates run and never loads a template
      with globals of its own, so sharing the dict changes nothing else.
    - ``{{ … }}`` escapes text with markupsafe's C function, called from the template, and
      anything else through :func:`output_escape`; ``a.b`` tries the builtin ``getattr`` before
      Jinja's lookup (:class:`_CodeGenerator`).
    - Plain functions are called directly (:class:`_Context`).
    """

    code_generator_class = _CodeGenerator
    context_class = _Context
    output_escape = staticmethod(output_escape)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._loaded_templates: dict[str, jinja2.Template] = {}

    def make_globals(self, d: Optional[MutableMapping[str, Any]]) -> MutableMapping[str, Any]:
        return {**self.globals, **d} if d else self.globals

    def get_template(self, name: Any, parent: Optional[str] = None, globals: Any = None) -> jinja2.Template:
        """Jinja's ``get_template``, remembered in a plain dict when templates are never reloaded:
        each ``{% import %}``, ``{% extends %}`` and partial asks for its template on every page,
        and Jinja's own cache takes a lock and reorders an LRU list each time (about a second of
        a national build). A template that fails to load is not remembered: it fails again."""
        if self.auto_reload or globals is not None or name.__class__ is not str:
            return super().get_template(name, parent, globals)
        if parent is not None:
            name = self.join_path(name, parent)
        template = self._loaded_templates.get(name)
        if template is None:
            template = self._loaded_templates[name] = super().get_template(name)
        return template


class _InsideLoader(jinja2.FileSystemLoader):
    """Templates of one folder that stay inside ``within`` (the site, or the bundled themes) once
    links are resolved, and are regular files: a link to a file elsewhere is refused, not read."""

    def __init__(self, folder: str, within: Path):
        super().__init__(folder)
        self.within = within

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.searchpath:
            path = os.path.join(folder, *jinja2.loaders.split_template_path(template))
            if os.path.lexists(path):
                if not inside(self.within, Path(path)):
                    raise jinja2.TemplateError(f"template '{template}' is a symbolic link that leads outside "
                                               f"{self.within}; it is not read")
                if not_regular(path):
                    raise jinja2.TemplateError(f"template '{template}' is not a regular file; it is not read")
        return super().get_source(environment, template)


def make_environment(site_root: Path, theme: Theme, lang: str, routes: Routes,
                     static_hashes: dict[str, str], site_globals: dict[str, Any] | None = None) -> jinja2.Environment:
    """The language's environment. ``site_globals`` (config, views…) are visible to every template."""
    site_templates = site_root / "templates"
    theme_loader = _InsideLoader(str(theme.templates),
                                 site_root if theme.root.parent == site_root / "themes" else theme.root.parent)
    loaders: list[jinja2.BaseLoader] = []
    if site_templates.is_dir():
        loaders.append(_InsideLoader(str(site_templates), site_root))
    loaders += [theme_loader, jinja2.PrefixLoader({"!theme": theme_loader, f"!{theme.name}": theme_loader})]
    env = (_Environment if FAST_TEMPLATES else jinja2.Environment)(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", ConstantGettext],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,   # one build reads each template once
    )
    catalog = translations(theme, lang)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.constant_gettext = catalog.gettext  # type: ignore[attr-defined]

    def ngettext(singular: str, plural: str, count: int, /, **variables: Any) -> Markup:
        """The i18n extension's ``ngettext`` as a plain function (it asks for the context on every
        call, and formats through markupsafe's per-value wrappers): same text, a tenth of the cost."""
        variables.setdefault("num", count)
        return format_translated(catalog.ngettext(singular, plural, count), **variables)

    @lru_cache(maxsize=8192)
    def fmt_date(value: date | None, form: str = "short") -> str:
        if value is None:
            return ""
        return format_date(value, _DATE_FORMATS.get((lang, form), form), locale=lang)

    @lru_cache(maxsize=8192)
    def fmt_number(value: int | float) -> str:
        return format_decimal(value, locale=lang)

    @lru_cache(maxsize=8192)
    def fmt_vnd(value: int) -> str:
        return format_currency(value, "VND", locale=lang)

    fragments: dict[tuple, Markup] = {}

    def cached(name: str, key: Any = None) -> Markup:
        """A partial rendered once per language and key (site header, footer): the same on many pages."""
        if (name, key) not in fragments:
            fragments[(name, key)] = Markup(env.get_template(name).render(key=key))
        return fragments[(name, key)]

    def rendered_once(variable: str, limit: int) -> Callable[[str, Any], Markup]:
        """``part(name, value)``: the partial ``name`` rendered with ``variable`` set to ``value``
        once per value (by identity) and worker, keeping at most ``limit`` at a time. Each entry
        holds its value, so an identity is never reused."""
        done: dict[tuple[str, int], tuple[Any, Markup]] = {}

        def part(name: str, value: Any) -> Markup:
            found = done.get((name, id(value)))
            if found is not None and found[0] is value:
                return found[1]
            if len(done) >= limit:
                done.clear()
            html = Markup(env.get_template(name).render({variable: value}))
            done[(name, id(value))] = (value, html)
            return html
        return part

    # Partials that depend only on the product (its standing, packaging…), once for the product
    # page and all its lot pages: a worker renders a product's pages one after the other, so a
    # few entries suffice. And partials that depend only on one view ``s`` (a sales point's card),
    # once for every page that shows it (a sales point is on the page of each product it sells).
    product_part = rendered_once("product", 64)
    view_part = rendered_once("s", 4096)
    # A product's card in listings: the same on the home, category, stars and province listings and
    # on its producer's and sales points' pages, so rendered once per product and worker.
    card_part = rendered_once("p", 65536)

    def static(path: str) -> str:
        digest = static_hashes.get(path)
        url = routes.file_url("static/" + path)
        return f"{url}?v={digest}" if digest else url

    filters: dict[str, Callable] = {
        "date": fmt_date,
        "number": fmt_number,
        "vnd": fmt_vnd,
        "json_script": json_for_script,
        "isodate": lambda d: d.isoformat() if d else "",
    }
    env.filters.update(filters)
    env.globals.update(
        _translated=format_translated,
        ngettext=ngettext,
        lang=lang,
        url=lambda kind, *args, page=1, lang=lang: routes.url(kind, *args, lang=lang, page=page),
        abs_url=lambda kind, *args, page=1, lang=lang: routes.abs_url(kind, *args, lang=lang, page=page),
        file_url=routes.file_url,
        static=static,
        cached=cached,
        text_width=text_width,
        star_points=STAR_POINTS,
        product_part=product_part,
        view_part=view_part,
        card_part=card_part,
        **(site_globals or {}),
    )
    try:
        env.globals["labels"] = env.get_template("_labels.html").module
    except jinja2.TemplateNotFound:
        pass
    return env


def hash_static(folders: list[Path]) -> dict[str, str]:
    """Short content hashes of static files (later folders override earlier), for cache busting."""
    hashes: dict[str, str] = {}
    for folder in folders:
        for rel, path in static_files(folder):
            hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return hashes


def static_files(folder: Path) -> list[tuple[str, Path]]:
    """(path relative to ``folder``, path) of the files published from a static folder, in order:
    regular files only (a FIFO would block the copy), nothing under a hidden name (``.git``,
    ``.env``: never published). Links leading outside the site are refused before (safety.py)."""
    found = []
    if folder.is_dir():
        for base, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                path = Path(base) / name
                if not name.startswith(".") and path.is_file():
                    found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def picture_macro(env: jinja2.Environment) -> Callable[..., Any]:
    """The theme's ``picture`` macro (``_picture.html``; a site's own ``templates/`` first): the one
    markup of a processed image, for templates and for the images of stories alike."""
    return env.get_template("_picture.html").module.picture  # type: ignore[attr-defined]
