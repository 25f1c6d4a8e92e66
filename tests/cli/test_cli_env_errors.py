"""A broken `.env` stops the real command with one line naming the key, exit code 2, no traceback."""

from __future__ import annotations

import os
import pwd
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest


def _run(cwd: Path, *args: str, name_the_file: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run the command in `cwd`, with `cwd/.env` as LIFER_ENV_FILE unless it is left to be found there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"XDG_CONFIG_HOME": str(cwd / "config"), "XDG_DATA_HOME": str(cwd / "data"), **extra}
    if name_the_file and (cwd / ".env").exists():
        env["LIFER_ENV_FILE"] = str(cwd / ".env")
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
    (tmp_path / ".env").chmod(0o600)  # the URLs carry a password
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


def _planted(tmp_path: Path, text: str, mode: int) -> Path:
    planted = tmp_path / ".env"
    planted.write_text(text, encoding="utf-8")
    planted.chmod(mode)
    return planted


def test_a_planted_world_writable_dotenv_is_refused_not_read(tmp_path: Path) -> None:
    """Issue 12: a writable `.env` in the working directory named the listener that received the admin token."""
    planted = _planted(tmp_path, "LIFER_ADMIN_URL=http://127.0.0.1:8799\n", 0o666)
    result = _run(tmp_path, "db", "current", name_the_file=False, LIFER_ADMIN_TOKEN="the-real-token")
    _one_line_exit_2(result, f"configuration error: {planted}: is writable by others; refusing to read it")
    assert result.stderr.endswith(f"(fix: chmod go-w {planted})\n")
    assert "the-real-token" not in result.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_dotenv_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    planted = _planted(tmp_path, "LIFER_ADMIN_URL=http://127.0.0.1:8799\n", 0o644)
    os.chown(planted, 65534, 65534)
    result = _run(tmp_path, "db", "current", name_the_file=False)
    _one_line_exit_2(result, f"{planted}: is owned by {pwd.getpwuid(65534).pw_name}, not by you or root")
    assert result.stderr.endswith(f"(fix: chown root {planted}, or remove it)\n")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("LIFER_ADMIN_TOKEN=t0ken", "LIFER_ADMIN_TOKEN"),
        ("LIFER_AUDIT_KEY=a-long-enough-audit-key", "LIFER_AUDIT_KEY"),
        ("LIFER_DATABASE_URL=postgresql://lifer:pw@127.0.0.1:1/desk", "LIFER_DATABASE_URL"),
        ("SMTP_PASSWORD=hunter2", "SMTP_PASSWORD"),
    ],
)
def test_a_settings_file_whose_secret_others_can_read_is_refused(tmp_path: Path, line: str, key: str) -> None:
    planted = _planted(tmp_path, line + "\n", 0o644)
    result = _run(tmp_path, "db", "current")
    _one_line_exit_2(result, f"{planted}: holds {key} and is readable by others; refusing to read it")
    assert result.stderr.endswith(f"(fix: chmod 600 {planted})\n")
    assert line.split("=", 1)[1] not in result.stderr


def _unmigrated(path: Path) -> None:
    """A real SQLite file with no desk schema yet: `db current` reads it and says so, creating nothing."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE unrelated (id INTEGER)")


def test_a_dotenv_in_the_working_directory_is_read_with_a_notice(tmp_path: Path) -> None:
    _unmigrated(tmp_path / "desk.db")
    _planted(tmp_path, f"LIFER_DATABASE_URL=sqlite:///{tmp_path / 'desk.db'}\n", 0o600)
    result = _run(tmp_path, "db", "current", name_the_file=False)
    user_file = tmp_path / "config" / "lifer-desk" / "settings.env"
    assert result.returncode == 0 and "no schema yet" in result.stdout
    assert result.stderr == (
        f"lifer-desk: reading {tmp_path / '.env'} from the working directory is deprecated; move it to {user_file} "
        "or set LIFER_ENV_FILE\n"
    )


def test_the_user_settings_file_wins_and_the_working_directory_is_not_read(tmp_path: Path) -> None:
    _planted(tmp_path, "LIFER_TIMEZONE=Mars/Olympus\n", 0o600)
    user_file = tmp_path / "config" / "lifer-desk" / "settings.env"
    user_file.parent.mkdir(parents=True)
    user_file.write_text(f"LIFER_DATABASE_URL=sqlite:///{tmp_path / 'desk.db'}\n", encoding="utf-8")
    _unmigrated(tmp_path / "desk.db")
    result = _run(tmp_path, "db", "current", name_the_file=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert "no schema yet" in result.stdout


def test_the_service_account_is_never_taken_from_the_environment(tmp_path: Path) -> None:
    result = _run(tmp_path, "agents", "list", LIFER_SERVICE_ACCOUNT=pwd.getpwuid(os.getuid()).pw_name)
    _one_line_exit_2(result, "LIFER_SERVICE_ACCOUNT: is read only from a settings file owned by root")
