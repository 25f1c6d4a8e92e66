"""Pytest plugin for the verification tests: a counting transport in front of the per-test sandbox
(`sandbox_db`, from tests/conftest.py). Test modules load it with `pytest_plugins`; helpers are in verification_support.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lifer_desk.admin_api import AdminClient
from lifer_desk.sandbox.app import create_app
from tests.verification_support import TOKEN, CountingTransport, sandbox_client


@pytest.fixture
def transport(sandbox_db: Path) -> CountingTransport:
    return CountingTransport(httpx.ASGITransport(app=create_app(sandbox_db, TOKEN)))


@pytest.fixture
async def api(transport: CountingTransport) -> AsyncIterator[AdminClient]:
    """The real client on the counting transport, closed after the test."""
    async with sandbox_client(transport) as client:
        yield client
