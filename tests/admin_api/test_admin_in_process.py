"""The in-process sandbox the desk uses without LIFER_ADMIN_URL: env fault switches, and crashes as typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifer_desk.admin_api import Unavailable, VerifyClaims, open_admin_client
from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import ConfigError, Settings


async def test_fault_switches_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFER_SANDBOX_OUTAGE", "1")
    async with open_admin(Settings(), tmp_path / "sandbox.db") as admin:
        # An unkeyed POST is answered once, not retried, so the outage shows without waiting out Retry-After.
        with pytest.raises(Unavailable) as caught:
            await admin.verify("usr_any", VerifyClaims(gender="male"))
    assert caught.value.status == 503 and "outage" in (caught.value.detail or "")


def test_a_malformed_fault_switch_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFER_SANDBOX_ERROR_RATE", "often")
    with pytest.raises(ConfigError) as caught:
        open_admin(Settings(), tmp_path / "sandbox.db")
    assert caught.value.key == "LIFER_SANDBOX_ERROR_RATE"
    assert not (tmp_path / "sandbox.db").exists()


async def test_a_sandbox_crash_is_a_typed_500_not_a_raw_exception(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "sandbox.db"
    async with open_admin(Settings(), path) as admin:
        for stale in tmp_path.glob("sandbox.db*"):
            stale.unlink()
        path.write_bytes(b"this is not an SQLite database" * 100)
        with pytest.raises(Unavailable) as caught:
            await admin.list_feedback(limit=1)
    assert caught.value.status == 500
    assert caught.value.detail == "the sandbox failed unexpectedly"
    # No server logs it in-process, so the sandbox does, traceback included (the caller gets none of it).
    crash = next(record for record in caplog.records if record.name == "lifer_desk.sandbox.problems")
    assert crash.getMessage() == "sandbox GET /v1/feedback failed" and crash.exc_info is not None


def test_without_a_url_or_an_in_process_api_the_missing_url_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        open_admin_client(Settings())
    assert caught.value.key == "LIFER_ADMIN_URL"
