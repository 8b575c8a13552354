#!/usr/bin/env python3
"""Build the site in this folder without installing: ``python build.py [COMMAND …]``.

With no command it runs ``build``; every command of ``ocop-site`` works.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ocop_site.commands.cli import run  # noqa: E402

if __name__ == "__main__":
    run(default_command="build")
