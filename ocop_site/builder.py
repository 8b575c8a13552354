"""The build stage as a whole: catalog → gate → render → publish.

With errors nothing is published and the existing output stays exactly as it
was; with ``keep_going`` the sound records are published and the broken files
are listed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

from .catalog import load_catalog
from .diagnostics import Diagnostic, has_errors, sort_diagnostics
from .output import Staging, check_output
from .render import available_workers, render_site
from .routes import Routes


@dataclass
class BuildReport:
    published: bool = False
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    skipped: tuple[str, ...] = ()
    diagnostics: list[Diagnostic] = field(default_factory=list)


def build(source: Path, output: Path, today: date, base_url: Optional[str] = None,
          keep_going: bool = False, workers: Optional[int] = None) -> BuildReport:
    """Build the site in ``source`` into ``output``. Raises UnsafeOutput for a dangerous output folder."""
    started = time.perf_counter()
    check_output(output, source)
    report = BuildReport()
    catalog, diags = load_catalog(source)
    report.diagnostics = diags
    if catalog is None or (has_errors(diags) and not keep_going):
        return report
    report.skipped = catalog.skipped
    routes = Routes.create(base_url or catalog.config.base_url, catalog.config.languages)
    staging = Staging(output)
    try:
        result = render_site(catalog, today, routes, staging.write, staging.copy,
                             workers if workers is not None else available_workers())
        report.diagnostics = sort_diagnostics(diags + result.diagnostics)
        if has_errors(result.diagnostics):
            staging.discard()
            return report
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    report.published = True
    report.pages = result.pages
    report.files = len(result.files)
    report.seconds = time.perf_counter() - started
    return report
