"""The package's layers (pyproject.toml, [tool.importlinter]): commands > site > media > records >
core, no upward imports and no cycles inside a package. The check runs in `.ci/run`; here it is
shown to hold on the code and to fail on a deliberate violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, capture_output=True, text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


def copy_of_the_package(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "ocop_site", tree / "ocop_site", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_hold(tmp_path):
    result = lint_imports(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_lower_layer_importing_a_higher_one_is_refused(tmp_path):
    tree = copy_of_the_package(tmp_path)
    module = tree / "ocop_site" / "records" / "validity.py"
    module.write_text(module.read_text() + "\nfrom ..site import views  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "ocop_site.records is not allowed to import ocop_site.site" in result.stdout
    assert "ocop_site.records.validity -> ocop_site.site.views" in result.stdout


def test_a_cycle_inside_a_package_is_refused(tmp_path):
    tree = copy_of_the_package(tmp_path)
    module = tree / "ocop_site" / "core" / "vietnamese.py"    # routes does not import it: a new cycle
    module.write_text(module.read_text() + "\nfrom . import routes  # noqa: E402,F401\n")
    routes = tree / "ocop_site" / "core" / "routes.py"
    routes.write_text(routes.read_text() + "\nfrom . import vietnamese  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in ocop_site.core" in result.stdout
