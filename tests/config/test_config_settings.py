from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lifer_desk.config import ConfigError, Secret, load_settings
from lifer_desk.domain.identity import Field, VerificationPolicy
from lifer_desk.domain.tickets import Category, Priority


def _load(tmp_path: Path, env: dict[str, str], dotenv: str | None = None):
    env_file = tmp_path / ".env"
    if dotenv is not None:
        env_file.write_text(dotenv, encoding="utf-8")
        env_file.chmod(0o600)  # as a settings file holding secrets must be
    return load_settings(env=env, env_file=env_file)


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = _load(tmp_path, {})
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'lifer-desk' / 'desk.db'}"
    assert settings.uses_sandbox and settings.admin_token is None
    assert settings.timezone.key == "Asia/Shanghai"
    assert settings.verification_policy == VerificationPolicy()
    assert settings.sla_policy.target(Category.PAYMENT, Priority.URGENT).resolution == timedelta(hours=8)


def test_environment_wins_over_dotenv_and_postgres_urls_use_psycopg(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        {"LIFER_TIMEZONE": "Europe/London"},
        "LIFER_TIMEZONE=Asia/Tokyo\nLIFER_DATABASE_URL=postgresql://u:p@db/lifer\nLIFER_ADMIN_URL=https://api.x/\n",
    )
    assert settings.timezone.key == "Europe/London"
    assert settings.database_url == "postgresql+psycopg://u:p@db/lifer"
    assert settings.admin_url == "https://api.x"


def test_secrets_never_show(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"LIFER_ADMIN_TOKEN": "tok-very-secret", "LIFER_AUDIT_KEY": "key-very-secret"})
    assert isinstance(settings.admin_token, Secret) and settings.admin_token.reveal() == "tok-very-secret"
    shown = repr(settings) + str(settings)
    assert "very-secret" not in shown


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ({"LIFER_TIMEZONE": "Mars/Base"}, "LIFER_TIMEZONE", "unknown time zone"),
        ({"LIFER_DATABASE_URL": "mysql://x"}, "LIFER_DATABASE_URL", "must start with"),
        ({"LIFER_ADMIN_URL": "ftp://x"}, "LIFER_ADMIN_URL", "http"),
        ({"LIFER_ADMIN_READ_TIMEOUT": "-1"}, "LIFER_ADMIN_READ_TIMEOUT", "greater than 0"),
        ({"LIFER_ADMIN_CONNECT_TIMEOUT": "soon"}, "LIFER_ADMIN_CONNECT_TIMEOUT", "expected a number"),
        ({"LIFER_ADMIN_READ_TIMEOUT": "nan"}, "LIFER_ADMIN_READ_TIMEOUT", "finite number"),
        ({"LIFER_VERIFICATION_TTL_HOURS": "inf"}, "LIFER_VERIFICATION_TTL_HOURS", "finite number"),
        ({"LIFER_DATABASE_URL": "postgresql://u:pw@db:5432x/lifer"}, "LIFER_DATABASE_URL", "not a valid database URL"),
        ({"LIFER_DATABASE_URL": "sqlite://"}, "LIFER_DATABASE_URL", "names no database file"),
        ({"LIFER_DATABASE_URL": "sqlite:///:memory:"}, "LIFER_DATABASE_URL", "names no database file"),
        ({"LIFER_AGENT": "bad name!"}, "LIFER_AGENT", "not a valid agent name"),
        ({"LIFER_LANG": "fr"}, "LIFER_LANG", "unsupported language"),
        ({"LIFER_SLA_POLICY": '{"urgent": "soon"}'}, "LIFER_SLA_POLICY", "urgent"),
        ({"LIFER_VERIFICATION_MIN_FIELDS": "three"}, "LIFER_VERIFICATION_MIN_FIELDS", "whole number"),
        ({"LIFER_VERIFICATION_MIN_FIELDS": "5"}, "LIFER_VERIFICATION_MIN_FIELDS", "between 1 and 4"),
        ({"LIFER_VERIFICATION_UNCOUNTED": "shoe size"}, "LIFER_VERIFICATION_UNCOUNTED", "comma-separated"),
        ({"LIFER_VERIFICATION_UNCOUNTED": "email"}, "LIFER_VERIFICATION_UNCOUNTED", "identifying field"),
    ],
)
def test_an_invalid_value_names_its_key(tmp_path: Path, env: dict[str, str], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, env)
    assert refused.value.key == key
    assert problem in refused.value.problem


def test_a_broken_dotenv_line_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.env line 2: cannot parse"):
        _load(tmp_path, {}, "LIFER_AGENT=alice\n'unterminated = x\n")


def test_verification_policy_comes_from_settings(tmp_path: Path) -> None:
    settings = _load(tmp_path, {"LIFER_VERIFICATION_MIN_FIELDS": "3", "LIFER_VERIFICATION_UNCOUNTED": "gender"})
    assert settings.verification_policy == VerificationPolicy(min_fields=3, uncounted_fields=frozenset({Field.GENDER}))


def test_a_dotenv_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LIFER_AGENT=alice\nLIFER_TIMEZONE=Asia/\xff\n")
    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, env_file=tmp_path / ".env")
    assert str(refused.value) == ".env line 2: is not UTF-8 text"


def test_a_malformed_database_url_never_echoes_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, {"LIFER_DATABASE_URL": "postgresql://lifer:hunter2@db:port/lifer"})
    assert "hunter2" not in str(refused.value)


def test_the_two_request_expiries_default_to_72_and_24_hours_and_are_settings(tmp_path: Path) -> None:
    defaults = _load(tmp_path, {})
    assert (defaults.request_approval_hours, defaults.request_execution_hours) == (72, 24)
    env = {"LIFER_REQUEST_APPROVAL_HOURS": "48", "LIFER_REQUEST_EXECUTION_HOURS": "0.5"}
    changed = _load(tmp_path, env)
    assert (changed.request_approval_hours, changed.request_execution_hours) == (48, 0.5)
    with pytest.raises(ConfigError, match="LIFER_REQUEST_EXECUTION_HOURS"):
        _load(tmp_path, {"LIFER_REQUEST_EXECUTION_HOURS": "0"})
