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
