"""Which settings files the desk trusts (DESIGN 4): checked on the file as opened, before any value is used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lifer_desk.config import ConfigError, load_settings
from tests.agent_support import log_in

as_root = pytest.mark.skipif(os.getuid() != 0, reason="files owned by root or by another uid need root")


def _settings_file(tmp_path: Path, text: str, mode: int = 0o644) -> Path:
    path = tmp_path / "settings.env"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@as_root
def test_the_service_account_is_honoured_in_a_root_owned_file(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, "LIFER_SERVICE_ACCOUNT=lifer\n")
    assert load_settings(env={}, env_file=path).service_account == "lifer"


@as_root
def test_an_agent_cannot_name_themselves_the_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _settings_file(tmp_path, "LIFER_SERVICE_ACCOUNT=alice\n", 0o600)
    os.chown(path, 4242, 4242)
    log_in(monkeypatch, "alice", 4242)
    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, env_file=path)
    assert str(refused.value) == (
        f"LIFER_SERVICE_ACCOUNT: is honoured only in a settings file owned by root ({path} is owned by alice)"
    )


def test_a_symlink_is_judged_by_the_file_it_names(tmp_path: Path) -> None:
    target = _settings_file(tmp_path, "LIFER_ADMIN_TOKEN=t0ken\n", 0o600)
    link = tmp_path / "linked.env"
    link.symlink_to(target)
    assert load_settings(env={}, env_file=link).admin_token is not None
    target.chmod(0o644)
    with pytest.raises(ConfigError, match="holds LIFER_ADMIN_TOKEN and is readable by others"):
        load_settings(env={}, env_file=link)


def test_an_empty_secret_is_no_secret(tmp_path: Path) -> None:
    # `.env.example` lists every key with no value; copied as it is, it must load.
    assert load_settings(env={}, env_file=_settings_file(tmp_path, "LIFER_ADMIN_TOKEN=\n")).admin_token is None
