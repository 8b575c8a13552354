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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """SeaweedFS's S3 gateway on loopback for the session (tests/seaweed.py); stopped by its PID."""
    import os

    import seaweed
    try:
        server = seaweed.start(tmp_path_factory.mktemp("seaweedfs"))
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no SeaweedFS: {exc}")
    yield server
    seaweed.stop(server)
