"""Pytest plugin for the verification tests: a counting transport in front of the per-test sandbox
(`sandbox_db`, from tests/conftest.py). Test modules load it with `pytest_plugins`; helpers are in verification_support.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from lifer_desk.sandbox.app import create_app
from tests.verification_support import TOKEN, CountingTransport


@pytest.fixture
def transport(sandbox_db: Path) -> CountingTransport:
    return CountingTransport(httpx.ASGITransport(app=create_app(sandbox_db, TOKEN)))
