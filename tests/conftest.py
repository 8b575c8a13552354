"""Shared fixtures."""

from pathlib import Path

import pytest
from helpers import write_site


@pytest.fixture
def make_site(tmp_path):
    def make(files: dict[str, str | bytes] | None = None, base: bool = True) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        return write_site(root, files or {}, base)
    return make
