"""`lifer-desk sandbox serve`: needs a token, binds loopback by default, fails in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from lifer_desk.cli.sandbox import sandbox_app

# Mounted the way the `lifer-desk` command mounts it.
cli = typer.Typer()
cli.add_typer(sandbox_app, name="sandbox")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    calls: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.update(app=app, **kwargs))
    monkeypatch.delenv("LIFER_ADMIN_TOKEN", raising=False)
    return calls


def test_serve_without_a_token_exits_2_in_one_line(served: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "LIFER_ADMIN_TOKEN" in result.output
    assert "Traceback" not in result.output and served == {}


def test_serve_binds_loopback_with_the_env_token(served: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--db", str(db)], env={"LIFER_ADMIN_TOKEN": "s3cret-tok"})
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8765)
    assert served["app"].state.runtime.token.reveal() == "s3cret-tok"
    assert "s3cret-tok" not in result.output and db.is_file()


def test_serve_rejects_a_bad_fault_switch(served: dict[str, Any], tmp_path: Path) -> None:
    env = {"LIFER_ADMIN_TOKEN": "t", "LIFER_SANDBOX_ERROR_RATE": "lots"}
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--db", str(tmp_path / "s.db")], env=env)
    assert result.exit_code == 2
    assert "LIFER_SANDBOX_ERROR_RATE" in result.output and "Traceback" not in result.output
