"""The command line: parse arguments, read the clock once, run a stage, set the exit status.

Exit status: 0 done (warnings allowed), 1 data errors, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Optional

from .. import __version__
from ..core.diagnostics import Position, format_json, format_text, has_errors, visible
from ..core.output import UnsafeOutput
from ..core.workers import WorkerDied, without_cycle_collection
from ..records import audit
from ..records.catalog import load_catalog
from ..records.fields import YEARS, in_years
from ..records.schema import CATEGORIES, LEVELS, SCHEMAS, SUPPORTED_LANGUAGES, json_schema
from ..records.validity import vietnam_today
from ..site.builder import OutputError, build

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage: reported on stderr, exit status 2."""


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write YYYY-MM-DD") from None
    if not in_years(day):
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: a date must be in the years {YEARS[0]} to {YEARS[1]}")
    return day


def _source(args: argparse.Namespace) -> Path:
    root = Path(args.source).resolve()
    if not root.is_dir():
        raise UsageError(f"--source {args.source}: no such folder")
    return root


def _today(args: argparse.Namespace) -> date:
    return args.today or vietnam_today()


def _refuse_source_output(root: Path, output: Path) -> None:
    """An output that is a file the build reads (site.yaml, a record, a template…) or in the cache."""
    from ..core.safety import source_role
    role = source_role(root, output)
    if role:
        raise UsageError(f"--output {output}: refusing to write there: it is {role}")


def cmd_check(args: argparse.Namespace) -> int:
    root = _source(args)
    catalog, diags = load_catalog(root)
    if catalog is not None:   # the audit's findings, as warnings (W201–W208)
        diags = diags + audit.warnings(catalog, _today(args))
    if catalog is not None:   # what build finds in stories while rendering them (E111, E303, E304, W101, W104)
        from ..core.workers import available_workers
        from ..site.render import site_theme
        from ..site.stories import story_diagnostics
        diags = diags + site_theme(catalog)[1] + story_diagnostics(catalog, workers=available_workers())
    if args.format == "json":
        sys.stdout.write(format_json(diags))
    else:
        sys.stderr.write(format_text(diags))
    return EXIT_DATA if has_errors(diags) else EXIT_OK


class ProgressBar:
    """A one-line progress bar on a terminal (never in CI, pipes or with --quiet)."""

    def __init__(self, stream):
        self.stream, self.done, self.shown = stream, 0, -1

    def __call__(self, done: int, total: int = 0) -> None:
        """``done`` pages of the current language so far (``total`` when known)."""
        if done == self.shown:
            return
        if total:
            percent = int(100 * done / total)
            self.stream.write(f"\r[{'#' * (percent // 4):<25}] {percent:3d}% {done:,}/{total:,} pages")
        else:
            spinner = "|/-\\"[(done // 100) % 4]
            self.stream.write(f"\r{spinner} {done:,} pages rendered")
        self.stream.flush()
        self.shown = done

    def close(self) -> None:
        if self.shown >= 0:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


def cmd_build(args: argparse.Namespace) -> int:
    root = _source(args)
    output = Path(args.output) if args.output else root / "public"
    if args.base_url and not re.match(r"https?://[^/\s]+", args.base_url):
        raise UsageError(f"--base-url {args.base_url}: expected an absolute http(s) URL")
    progress = None if args.quiet or not sys.stderr.isatty() or os.environ.get("CI") else ProgressBar(sys.stderr)
    try:
        with without_cycle_collection():
            report = build(root, output, _today(args), args.base_url, args.keep_going, progress=progress)
    except (UnsafeOutput, OutputError) as exc:
        raise UsageError(str(exc)) from None
    except WorkerDied as exc:
        raise UsageError(f"{exc}; nothing was published; {output} is unchanged") from None
    finally:
        if progress:
            progress.close()
    if not args.quiet:
        sys.stderr.write("".join(f"note: {line}\n" for line in report.recovered))
    sys.stderr.write(format_text(report.diagnostics))
    if report.skipped:
        sys.stderr.write("left out because of errors:\n" + "".join(f"  {visible(p)}\n" for p in report.skipped))
    if not report.published:
        sys.stderr.write(f"nothing was written; {output} is unchanged\n")
        return EXIT_DATA
    if not args.quiet:
        if report.up_to_date:
            sys.stderr.write(f"{output} is up to date ({report.files:,} files; nothing changed) "
                             f"in {report.seconds:.1f} s\n")
        else:
            sys.stderr.write(f"built {report.pages:,} pages ({report.unchanged:,} unchanged), wrote {report.written:,} "
                             f"files, removed {report.removed:,}, into {output} in {report.seconds:.1f} s\n")
    if args.timings:
        sys.stderr.write("".join(f"  {seconds:7.2f} s  {stage}\n" for stage, seconds in report.timings))
    return EXIT_DATA if has_errors(report.diagnostics) else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import PortUnavailable, serve
    root = _source(args)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0–65535")
    fixed = args.today
    try:
        return serve(root, args.port, lambda: fixed or vietnam_today())
    except PortUnavailable as exc:
        raise UsageError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from ..site.pages import template_diagnostic
    from ..site.themes import BUNDLED_THEMES, ThemeError
    from .report import ISSUES_FILE, ISSUES_XLSX, REPORT_FILE, write_report

    root = _source(args)
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {args.output}: not a folder")
    _refuse_source_output(root, output)
    catalog, diags = load_catalog(root)
    if catalog is None:
        sys.stderr.write(format_text(diags) + "nothing was written\n")
        return EXIT_DATA
    try:
        found = write_report(catalog, _today(args), output, args.lang)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write: {exc.strerror or exc}") from None
    except ThemeError as exc:
        diags = diags + [Position("site.yaml").error("E402", str(exc))]
        found = None
    except Exception as exc:  # a template fault (a site's own templates/report.html) is a diagnostic
        diags = diags + [template_diagnostic(exc, [(root, ""), (BUNDLED_THEMES.parent, "")])]
        found = None
    sys.stderr.write(format_text(diags))
    if found is None:
        sys.stderr.write("nothing was written\n")
        return EXIT_DATA
    products = len({f.code for f in found})
    sys.stderr.write(f"{len(found)} finding(s) in {products} product(s): "
                     f"{output / REPORT_FILE}, {output / ISSUES_FILE}, {output / ISSUES_XLSX}\n")
    return EXIT_DATA if has_errors(diags) else EXIT_OK


def _write_pdf(output: Path, pdf: bytes, args: argparse.Namespace) -> None:
    """Write the PDF whole or not at all (a temporary file renamed over it)."""
    from ..core.files import write_atomic
    try:
        write_atomic(output, pdf)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write: {exc.strerror or exc}") from None


def _print_lots(catalog, args: argparse.Namespace, routes, campaign, selection, diags, output: Path) -> int:
    """``print --lots``: stamp sheets of the lots of valid products. A product named by
    ``--product`` whose rating is not valid is refused (E403, nothing written); others among
    the matches are left out with a warning (W115) naming each."""
    from ..records.validity import standing
    from .printkit import make_lot_sheets, why_not_valid

    today = _today(args)
    if args.product is not None:
        entry = catalog.products[args.product]
        st = standing(entry.record, today)
        if not st.is_valid:
            why = why_not_valid(st, catalog.config.languages[0])
            diags = diags + [entry.smap.key(("certifications",)).error(
                "E403", f"--product {args.product} ({entry.record.name}): its OCOP rating {why}; stamp labels are "
                        "printed only for the lots of a product whose rating is valid")]
            sys.stderr.write(format_text(diags) + "nothing was written\n")
            return EXIT_DATA
    sheets = make_lot_sheets(catalog, today, routes, campaign, selection)
    sys.stderr.write(format_text(diags + sheets.refused))
    if sheets.pdf is None:
        sys.stderr.write("no lot of a valid product matches; nothing was written\n")
        return EXIT_DATA
    _write_pdf(output, sheets.pdf, args)
    sys.stderr.write(f"printed {sheets.labels} lot label(s) into {output}\n")
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    """QR cards (or a sales point's shelf poster) as an A4 PDF, for trade fairs."""
    from ..core.routes import Routes
    from ..core.vietnamese import slugify
    from ..records.provinces import match_province, suggest_province
    from .printkit import Selection, make_pdf

    root = _source(args)
    output = Path(args.output)
    if output.is_dir():
        raise UsageError(f"--output {args.output}: is a folder; name the PDF file to write")
    _refuse_source_output(root, output)
    if args.province is not None and not slugify(args.province):
        raise UsageError(f"--province {args.province!r}: expected a province name")
    catalog, diags = load_catalog(root)
    if catalog is None or has_errors(diags):
        sys.stderr.write(format_text(diags) + "nothing was written; fix the errors first\n")
        return EXIT_DATA
    if args.province is not None and match_province(args.province) is None and not any(
            slugify(e.record.location.province) == slugify(args.province) for e in catalog.products.values()):
        raise UsageError(f"--province {args.province}: not a province of Vietnam, before or after the July 2025 "
                         f"reform, nor one the records name{suggest_province(args.province)}")
    if args.sales_point is not None and args.sales_point not in catalog.sales_points:
        from ..records.fields import suggest
        raise UsageError(f"--sales-point {args.sales_point}: there is no content/sales-points/{args.sales_point}.md"
                         + suggest(args.sales_point, catalog.sales_points))
    if args.product is not None and args.product not in catalog.products:
        from ..records.fields import suggest
        raise UsageError(f"--product {args.product}: there is no products/{args.product}.yaml"
                         + suggest(args.product, catalog.products))
    if args.producer is not None and args.producer not in catalog.producers:
        from ..records.fields import suggest
        raise UsageError(f"--producer {args.producer}: there is no content/producers/{args.producer}.md"
                         + suggest(args.producer, catalog.producers))
    routes = Routes.create(catalog.config.base_url, catalog.config.languages)
    campaign = catalog.config.qr.campaign if args.campaign is None else (args.campaign or None)
    selection = Selection(args.category, args.province, args.sales_point, args.product, args.producer, args.lots)
    if args.lots:
        return _print_lots(catalog, args, routes, campaign, selection, diags, output)
    pdf, count = make_pdf(catalog, _today(args), routes, campaign, selection)
    sys.stderr.write(format_text(diags))
    if pdf is None:
        sys.stderr.write("no valid product matches; nothing was written\n")
        return EXIT_DATA
    _write_pdf(output, pdf, args)
    what = "a shelf poster of" if args.sales_point else "cards of"
    sys.stderr.write(f"printed {what} {count} product(s) into {output}\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """SPEC §8: an office's spreadsheet → product records, producer stubs, appended certifications."""
    from .importer import Options, import_file

    root = _source(args)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file")
    if args.prefix is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._]{0,19}", args.prefix):
        raise UsageError(f"--prefix {args.prefix}: expected letters and digits, such as LS")
    if args.decision is not None:
        from .cells import Bad, parse_decision
        try:
            if not parse_decision(args.decision).number:
                raise Bad("expected a decision number such as 1234/QĐ-UBND")
        except Bad as exc:
            raise UsageError(f"--decision {args.decision}: {exc}") from None
    options = Options(args.sheet, args.prefix, args.decision, args.issued, args.issuer, args.level,
                      args.dry_run, args.keep_going)
    result = import_file(path, root, options, shown=args.file)
    if args.format == "json":
        sys.stdout.write(format_json(result.diagnostics))
    else:
        sys.stderr.write(format_text(result.diagnostics))
    errors = has_errors(result.diagnostics)
    would = "would " if args.dry_run or (errors and not args.keep_going) else ""
    lines = [f"  {would}create {p}" for p in sorted(result.created)] if args.dry_run or len(result.created) <= 30 else []
    lines += [f"  {would}add certification {d} to {p}" for p, d in result.appended]
    if lines and args.format == "text":
        sys.stderr.write("\n".join(lines) + "\n")
    if result.skipped and args.keep_going:
        sys.stderr.write("left out because of errors: row(s) " + ", ".join(map(str, result.skipped)) + "\n")
    sheet = f" of sheet '{result.sheet}'" if result.sheet else ""
    summary = (f"{result.rows} product row(s){sheet}: {len([p for p in result.created if p.startswith('products/')])} "
               f"new product(s), {len([p for p in result.created if not p.startswith('products/')])} new producer(s), "
               f"{len(result.appended)} certification(s) added, {result.unchanged} already recorded")
    if args.dry_run:
        sys.stderr.write(f"{summary}; dry run, nothing was written\n")
    elif errors and not args.keep_going:
        sys.stderr.write(f"{summary}; nothing was written because of the errors (--keep-going writes the sound rows)\n")
    else:
        sys.stderr.write(f"{summary}\n")
    return EXIT_DATA if errors else EXIT_OK
def _size(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} GB"


class DeployProgress:
    """One line on a terminal while files go up."""

    def __init__(self, stream):
        self.stream, self.shown, self.last = stream, False, 0.0

    def __call__(self, done: int, total: int, sent: int) -> None:
        import time
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        percent = int(100 * done / total) if total else 100
        self.stream.write(f"\r[{'#' * (percent // 4):<25}] {percent:3d}% {done:,}/{total:,} files, {_size(sent)}   ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def cmd_deploy(args: argparse.Namespace) -> int:
    """Publish the output folder to a target of site.yaml (SPEC §9)."""
    from ..core.cache import cache_folder
    from ..records.catalog import load_config
    from ..records.fields import suggest
    from .deploy import DeployError, Rules, deploy

    root = _source(args)
    if args.max_deletes < 0:
        raise UsageError(f"--max-deletes {args.max_deletes}: expected 0 or more")
    config, diags = load_config(root)
    sys.stderr.write(format_text(diags))
    if config is None or has_errors(diags):
        sys.stderr.write("nothing was deployed; fix site.yaml first\n")
        return EXIT_DATA
    targets = config.deploy.targets
    if not targets:
        raise UsageError("site.yaml names no deploy target: add deploy.targets, e.g. "
                         "'- {name: production, url: s3://bucket/prefix}' (see docs/deploy.md)")
    if args.target is None:
        target = targets[0]
    else:
        target = next((t for t in targets if t.name == args.target), None)
        if target is None:
            names = [t.name for t in targets]
            raise UsageError(f"--target {args.target}: site.yaml has no such target (it has: {', '.join(names)})"
                             + suggest(args.target, names))
    output = Path(args.output) if args.output else root / "public"
    rules = Rules(config.deploy.matchers, config.languages)
    tty = sys.stderr.isatty() and not os.environ.get("CI")
    progress = DeployProgress(sys.stderr) if tty and not args.dry_run else None

    def listing(line: str) -> None:
        sys.stdout.write(line + "\n")

    def confirm(plan) -> bool:
        if progress:
            progress.close()
        sys.stderr.write(f"deploy {output} to {target.name} ({target.url}): upload {len(plan.uploads):,} files "
                         f"({_size(plan.upload_bytes)}), delete {len(plan.deletes):,}? [y/N] ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except (OSError, KeyboardInterrupt):
            return False
        return answer.strip().lower() in ("y", "yes", "c", "có", "co")

    interactive = not args.yes and not args.dry_run and sys.stdin.isatty()
    try:
        summary = deploy(output, target, rules, cache_folder(root), dry_run=args.dry_run, force=args.force,
                         max_deletes=args.max_deletes, confirm=confirm if interactive else None,
                         listing=listing if args.dry_run else None, progress=progress)
    except DeployError as exc:
        if progress:
            progress.close()
        sys.stderr.write(f"ocop-site: deploy failed: {exc}\n")
        return EXIT_DATA
    finally:
        sys.stdout.flush()
    if progress:
        progress.close()
    plan = summary.plan
    if summary.dry_run:
        sys.stderr.write(f"dry run, nothing changed: would upload {len(plan.uploads):,} files "
                         f"({_size(plan.upload_bytes)}) and delete {len(plan.deletes):,}; {summary.unchanged:,} unchanged; "
                         f"target {summary.target}\n")
    else:
        sys.stderr.write(f"deployed to {summary.target}: uploaded {summary.uploaded:,} files "
                         f"({_size(summary.uploaded_bytes)}), deleted {summary.deleted:,}, unchanged {summary.unchanged:,}, "
                         f"in {summary.seconds:.1f} s\n")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(json_schema(args.kind), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocop-site", description="Static site generator for OCOP product catalogs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser, today: bool = True) -> None:
        p.add_argument("--source", default=".", metavar="DIR", help="site folder (default: current folder)")
        if today:
            p.add_argument("--today", type=_day, metavar="DATE",
                           help="build date YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh)")

    build_cmd = sub.add_parser("build", help="build the site into the output folder")
    common(build_cmd)
    build_cmd.add_argument("--output", metavar="DIR", help="output folder (default: <source>/public)")
    build_cmd.add_argument("--base-url", metavar="URL", help="publish under this URL instead of site.yaml's base_url")
    build_cmd.add_argument("--keep-going", action="store_true",
                           help="publish the sound records and list the broken ones instead of stopping")
    build_cmd.add_argument("--quiet", action="store_true", help="print only problems")
    build_cmd.add_argument("--timings", action="store_true", help="print the time each stage of the build took")
    build_cmd.set_defaults(func=cmd_build)

    serve_cmd = sub.add_parser("serve", help="build, serve on localhost and rebuild on every change")
    common(serve_cmd)
    serve_cmd.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 picks a free one)")
    serve_cmd.set_defaults(func=cmd_serve)

    check = sub.add_parser("check", help="validate the data and report every problem")
    common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=cmd_check)

    report = sub.add_parser("report", help="audit for the coordinating office: report.html, issues.csv and issues.xlsx")
    common(report)
    report.add_argument("--output", metavar="DIR", required=True, help="folder for report.html, issues.csv and issues.xlsx")
    report.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default=SUPPORTED_LANGUAGES[0],
                        help="language of report.html (default: vi)")
    report.set_defaults(func=cmd_report)

    print_cmd = sub.add_parser("print", help="QR cards, a sales point's shelf poster or lot stamp labels, as an A4 PDF")
    common(print_cmd)
    print_cmd.add_argument("--output", metavar="FILE.pdf", required=True, help="the PDF file to write")
    print_cmd.add_argument("--campaign", metavar="NAME",
                           help="utm_campaign of the QR codes (default: qr.campaign in site.yaml; '' for none)")
    print_cmd.add_argument("--category", choices=CATEGORIES, help="only products of this category")
    print_cmd.add_argument("--province", metavar="P", help="only products of this province (name or slug)")
    print_cmd.add_argument("--sales-point", metavar="SLUG", help="a shelf poster of this sales point's products")
    print_cmd.add_argument("--lots", action="store_true",
                           help="A4 sheets of 2 cm lot QR labels (lot code and product name under each) "
                                "for the lots of valid products")
    print_cmd.add_argument("--product", metavar="CODE", help="only this product")
    print_cmd.add_argument("--producer", metavar="SLUG", help="only this producer's products")
    print_cmd.set_defaults(func=cmd_print)

    import_cmd = sub.add_parser("import", help="bring an office's spreadsheet of OCOP products into the site")
    import_cmd.add_argument("file", metavar="FILE", help=".xlsx, .xls, .ods or .csv")
    common(import_cmd, today=False)
    import_cmd.add_argument("--sheet", metavar="NAME", help="the sheet to read (default: the first with a header row)")
    import_cmd.add_argument("--prefix", metavar="XX",
                            help="codes of new products are XX-<year>-<NNNN> (default: the province's initials)")
    import_cmd.add_argument("--decision", metavar="NUMBER", help="the decision of every row that names none")
    import_cmd.add_argument("--issued", type=_day, metavar="DATE", help="its date, YYYY-MM-DD")
    import_cmd.add_argument("--issuer", metavar="TEXT", help="who issued it (UBND tỉnh …)")
    import_cmd.add_argument("--level", choices=LEVELS, help="its level")
    import_cmd.add_argument("--dry-run", action="store_true", help="say what would be written; write nothing")
    import_cmd.add_argument("--keep-going", action="store_true",
                            help="write the sound rows and list the others instead of writing nothing")
    import_cmd.add_argument("--format", choices=("text", "json"), default="text")
    import_cmd.set_defaults(func=cmd_import)
    deploy_cmd = sub.add_parser("deploy", help="publish the output folder to a target of site.yaml (S3 or a folder)")
    common(deploy_cmd, today=False)
    deploy_cmd.add_argument("--output", metavar="DIR", help="the built folder to publish (default: <source>/public)")
    deploy_cmd.add_argument("--target", metavar="NAME", help="a target of deploy.targets (default: the first)")
    deploy_cmd.add_argument("--dry-run", action="store_true", help="list every upload and deletion; change nothing")
    deploy_cmd.add_argument("--force", action="store_true", help="upload every file, changed or not")
    deploy_cmd.add_argument("--max-deletes", type=int, default=256, metavar="N",
                            help="refuse to delete more than N files (default: 256)")
    deploy_cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation on a terminal")
    deploy_cmd.set_defaults(func=cmd_deploy)

    schema = sub.add_parser("schema", help="print the JSON Schema of a record kind, for editors")
    schema.add_argument("kind", nargs="?", default="product", choices=sorted(SCHEMAS))
    schema.set_defaults(func=cmd_schema)
    return parser


def run(default_command: Optional[str] = None) -> None:
    """The console script (and ``build.py``): :func:`main`, then a quick exit.

    A national build leaves millions of objects that Python would otherwise free one by one on
    its way out (2.5 s after the summary is printed); the operating system reclaims them at once.
    Everything is written and flushed before; nothing of ours waits for exit handlers."""
    code = main(default_command=default_command)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said anyway
            pass
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None, default_command: Optional[str] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if default_command and not any(a in parser._subparsers._group_actions[0].choices for a in argv[:1]) \
            and not (argv and argv[0] in ("-h", "--help", "--version")):
        argv.insert(0, default_command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        sys.stderr.write(f"ocop-site: error: {visible(str(exc))}\n")
        return EXIT_USAGE
    except WorkerDied as exc:   # check, report, print: nothing they write is left half made
        sys.stderr.write(f"ocop-site: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
