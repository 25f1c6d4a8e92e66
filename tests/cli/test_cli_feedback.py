"""`lifer-desk feedback sync|stats` through the real entry point, over the in-process sandbox: the sync imports the
sandbox's feedback once, and `stats --json` prints the figures under their documented keys."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_commands import Desk as Runner
from tests.cli.test_cli_commands import desk  # noqa: F401 - the fixture: the entry point run in-process
from tests.cli.test_cli_requests import Desk, db  # noqa: F401 - the fixture: agents on a database with a sandbox

STATS_KEYS = {"total", "inbox", "reviewed", "spam", "converted", "by_tag", "by_day", "by_app_version"}


@pytest.fixture
def run(
    desk: Runner,  # noqa: F811 - the imported fixture, asked for
    monkeypatch: pytest.MonkeyPatch,
) -> Desk:
    return Desk(desk, monkeypatch)


def test_sync_imports_the_sandbox_feedback_once_and_stats_count_it(run: Desk, db) -> None:  # noqa: F811
    code, out, err = run("alice", "feedback", "sync")
    assert (code, err) == (0, "")
    assert out.startswith("imported 640 feedback items")
    code, out, _ = run("alice", "feedback", "sync")
    assert code == 0 and out.startswith("imported 0 feedback items")
    code, out, _ = run("alice", "feedback", "stats", "--json")
    stats = json.loads(out)
    assert set(stats) == STATS_KEYS
    assert stats["total"] == stats["inbox"] == 640
    assert sum(stats["by_day"].values()) == 640 and stats["by_tag"] == {}
    assert set(stats["by_app_version"]) <= {"3.2.0", "3.2.1", "3.3.0", "3.4.0"}


def test_an_unknown_user_is_refused_in_one_line(run: Desk, db) -> None:  # noqa: F811
    code, _, err = run("mallory", "feedback", "stats")
    assert code == 2 and err.count("\n") == 1 and "mallory" in err
