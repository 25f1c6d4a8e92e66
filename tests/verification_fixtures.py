"""Pytest plugin for the verification tests: a seeded sandbox per test (copied from one per session) and a
counting transport in front of it. Test modules load it with `pytest_plugins`; helpers are in verification_support.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from verification_support import TOKEN, CountingTransport

from lifer_desk.sandbox.app import create_app
from lifer_desk.sandbox.seed import ensure_seeded


@pytest.fixture(scope="session")
def sandbox_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verification-sandbox") / "sandbox.db"
    ensure_seeded(path)
    return path


@pytest.fixture
def sandbox_path(sandbox_seed: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sandbox.db"
    shutil.copyfile(sandbox_seed, path)
    return path


@pytest.fixture
def transport(sandbox_path: Path) -> CountingTransport:
    return CountingTransport(httpx.ASGITransport(app=create_app(sandbox_path, TOKEN)))
