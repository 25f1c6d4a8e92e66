"""`lifer-desk` starts without loading what only some commands need."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lifer_desk.cli.root import opens_the_desk

DEFERRED = {"alembic", "fastapi", "httpx", "textual", "uvicorn"}
PROBE = (
    "import sys, lifer_desk.cli\n"
    f"print(','.join(sorted({{m.partition('.')[0] for m in sys.modules}} & {DEFERRED!r})))\n"
)


def test_the_command_loads_no_web_stack_no_textual_and_no_alembic_until_a_command_needs_them() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("args", "desk_only"),
    [
        ([], True),
        (["--agent", "alice"], True),
        (["--agent=alice", "--ticket", "12"], True),
        (["--help"], False),
        (["agents", "list"], False),
        (["--agent", "alice", "requests", "list"], False),
    ],
)
def test_only_a_command_line_that_opens_the_desk_skips_the_subcommands(args: list[str], desk_only: bool) -> None:
    assert opens_the_desk(args) is desk_only


def test_opening_the_desk_loads_no_subcommand_and_help_still_lists_them_all() -> None:
    probe = (
        "import sys\n"
        "from lifer_desk import cli\n"
        "sys.argv = ['lifer-desk', '--agent', 'nobody']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('lifer_desk.cli.'))))\n"
    )
    # Refused (no service account here), after the command line was read: what it loaded is what opening costs.
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert set(result.stdout.strip().split(",")) <= {
        "lifer_desk.cli.agent_context",
        "lifer_desk.cli.desk",
        "lifer_desk.cli.root",
        "lifer_desk.cli.sandbox",
    }
    listed = subprocess.run(
        [sys.executable, "-m", "lifer_desk", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("db", "agents", "audit", "requests", "mail", "feedback", "deploy", "seed", "demo", "dashboard"):
        assert f" {command} " in listed
