"""A broken `.env` stops the real command with one line naming the key, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    return subprocess.run(
        [sys.executable, "-m", "lifer_desk", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "env_text", "expected"),
    [
        (("audit", "verify"), "LIFER_TIMEZONE=Mars/Olympus\n", "LIFER_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        (("agents", "list"), "LIFER_DATABASE_URL=mysql://x/y\n", "LIFER_DATABASE_URL: must start with sqlite://"),
        (("db", "current"), "LIFER_AGENT=alice\nthis line is broken\n", ".env line 2: cannot parse"),
    ],
)
def test_broken_env_file_gives_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], env_text: str, expected: str
) -> None:
    (tmp_path / ".env").write_text(env_text, encoding="utf-8")
    result = _run(tmp_path, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("lifer-desk: configuration error: ")
    assert result.stderr.count("\n") == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("agents", "add", "bob"), "lifer-desk: Missing option '--role'; see `lifer-desk agents add --help`\n"),
        (("--bogus",), "lifer-desk: No such option: --bogus; see `lifer-desk --help`\n"),
        (("seed", "--tickets", "many"), "lifer-desk: Invalid value for '--tickets' / '-n'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    result = _run(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert result.stderr.count("\n") == 1


def _one_line_exit_2(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert expected in result.stderr


def test_a_dotenv_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LIFER_TIMEZONE=\xff\xfe\n")
    _one_line_exit_2(_run(tmp_path, "db", "current"), "configuration error: .env line 1: is not UTF-8 text")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://lifer:pw@127.0.0.1:port/x", "LIFER_DATABASE_URL: is not a valid database URL"),
        ("sqlite://", "LIFER_DATABASE_URL: names no database file"),
        ("postgresql://lifer:pw@127.0.0.1:1/desk", "cannot open postgresql+psycopg://lifer:***@127.0.0.1:1/desk: "),
    ],
)
def test_a_bad_or_unreachable_database_url_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    (tmp_path / ".env").write_text(f"LIFER_DATABASE_URL={url}\n", encoding="utf-8")
    _one_line_exit_2(_run(tmp_path, "agents", "list"), expected)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("these are not the tables you are looking for\n" * 200, encoding="utf-8")
    (tmp_path / ".env").write_text(f"LIFER_DATABASE_URL=sqlite:///{tmp_path / 'notes.txt'}\n", encoding="utf-8")
    _one_line_exit_2(_run(tmp_path, "db", "current"), "notes.txt: file is not a database")


def test_a_database_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'plain-file' / 'desk.db'}"
    (tmp_path / ".env").write_text(f"LIFER_DATABASE_URL={url}\n", encoding="utf-8")
    _one_line_exit_2(_run(tmp_path, "db", "upgrade"), "cannot create the directory for ")


@pytest.mark.parametrize("count", ["0", "-5", "5000001"])
def test_an_impossible_seed_count_fails_before_any_progress_bar(tmp_path: Path, count: str) -> None:
    result = _run(tmp_path, "seed", "--tickets", count)
    _one_line_exit_2(result, "lifer-desk: Invalid value for '--tickets' / '-n'")
    assert "seeding" not in result.stderr
