"""The command line: parse arguments, read the clock once, run a stage, set the exit status.

Exit status: 0 done (warnings allowed), 1 data errors, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .builder import build
from .catalog import load_catalog
from .output import UnsafeOutput
from .diagnostics import format_json, format_text, has_errors
from .schema import SCHEMAS, json_schema
from .validity import vietnam_today

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage: reported on stderr, exit status 2."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write YYYY-MM-DD") from None


def _source(args: argparse.Namespace) -> Path:
    root = Path(args.source).resolve()
    if not root.is_dir():
        raise UsageError(f"--source {args.source}: no such folder")
    return root


def _today(args: argparse.Namespace) -> date:
    return args.today or vietnam_today()


def cmd_check(args: argparse.Namespace) -> int:
    root = _source(args)
    _catalog, diags = load_catalog(root)
    if args.format == "json":
        sys.stdout.write(format_json(diags))
    else:
        sys.stderr.write(format_text(diags))
    return EXIT_DATA if has_errors(diags) else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    root = _source(args)
    output = Path(args.output) if args.output else root / "public"
    if args.base_url and not re.match(r"https?://[^/\s]+", args.base_url):
        raise UsageError(f"--base-url {args.base_url}: expected an absolute http(s) URL")
    try:
        report = build(root, output, _today(args), args.base_url, args.keep_going)
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None
    sys.stderr.write(format_text(report.diagnostics))
    if report.skipped:
        sys.stderr.write("left out because of errors:\n" + "".join(f"  {p}\n" for p in report.skipped))
    if not report.published:
        sys.stderr.write(f"nothing was written; {output} is unchanged\n")
        return EXIT_DATA
    if not args.quiet:
        sys.stderr.write(f"built {report.pages:,} pages, {report.files:,} files into {output} "
                         f"in {report.seconds:.1f} s\n")
    return EXIT_DATA if has_errors(report.diagnostics) else EXIT_OK


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
    build_cmd.set_defaults(func=cmd_build)

    check = sub.add_parser("check", help="validate the data and report every problem")
    common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=cmd_check)

    schema = sub.add_parser("schema", help="print the JSON Schema of a record kind, for editors")
    schema.add_argument("kind", nargs="?", default="product", choices=sorted(SCHEMAS))
    schema.set_defaults(func=cmd_schema)
    return parser


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
        sys.stderr.write(f"ocop-site: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
