"""The README's configuration table and `.env.example` describe exactly the keys `config` reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lifer_desk.config import KEYS, ConfigError, Settings, load_settings, read_env_file

ROOT = Path(__file__).resolve().parents[2]


def _readme_table() -> dict[str, str]:
    """Key -> default column of the README's configuration table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "LIFER_" in cells[0]:
            keys = re.findall(r"`(LIFER_[A-Z_]+)`", cells[0])
            defaults = [part.strip() for part in cells[1].split("/")]
            for n, key in enumerate(keys):
                table[key] = defaults[n] if len(defaults) == len(keys) else cells[1]
    return table


def test_readme_table_lists_every_key_and_nothing_else() -> None:
    assert set(_readme_table()) == KEYS | {"LIFER_ENV_FILE"}


def test_env_example_documents_every_key_and_loads_as_the_defaults(tmp_path: Path) -> None:
    example = ROOT / ".env.example"
    assert set(read_env_file(example)) == KEYS
    # Copying the example to .env unchanged must not change behaviour.
    assert load_settings(env={}, env_file=example) == load_settings(env={}, env_file=tmp_path / "absent")


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("LIFER_ADMIN_CONNECT_TIMEOUT", lambda s: f"{s.admin_connect_timeout:g}"),
        ("LIFER_ADMIN_READ_TIMEOUT", lambda s: f"{s.admin_read_timeout:g}"),
        ("LIFER_VERIFICATION_TTL_HOURS", lambda s: f"{s.verification_ttl_hours:g}"),
        ("LIFER_VERIFICATION_MIN_FIELDS", lambda s: str(s.verification_policy.min_fields)),
        ("LIFER_TIMEZONE", lambda s: f"`{s.timezone.key}`"),
        ("LIFER_LANG", lambda s: f"`{s.lang}`"),
    ],
)
def test_readme_defaults_are_the_real_defaults(key: str, shown: Callable[[Settings], str]) -> None:
    assert _readme_table()[key] == shown(Settings())


def test_a_misspelt_key_in_dotenv_is_named_rather_than_ignored(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# desk\nLIFER_DATABSE_URL=postgresql://lifer@db/lifer\nOTHER_TOOL=1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, env_file=env_file)
    assert str(refused.value) == "LIFER_DATABSE_URL: unknown setting (.env line 2); see .env.example"


def test_a_sandbox_fault_switch_in_dotenv_says_where_it_belongs(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LIFER_SANDBOX_OUTAGE=1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, env_file=env_file)
    assert str(refused.value) == (
        "LIFER_SANDBOX_OUTAGE: a sandbox fault switch is read from the environment only (.env line 1); see README"
    )
