"""Hostile feedback (markup, escape sequences, bidi controls) renders literally and inert: in the feedback table and
the detail view under Pilot, and in the bytes the real desk writes to a terminal."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.feedback import FeedbackFilter
from lifer_desk.domain.text_safety import one_line
from lifer_desk.sandbox.corpus import HOSTILE_FEEDBACK
from lifer_desk.services import feedback
from lifer_desk.services.context import DeskContext
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from lifer_desk.ui.feedback.detail import FeedbackDetailScreen
from tests.agent_support import enrol
from tests.cli.test_cli_desk_deactivated import REAL_USER, _read
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import FeedbackFeed, items
from tests.ui.test_ui_untrusted_text import assert_inert, screen_text

WIDE = (200, 40)


def _hostile(ctx: DeskContext) -> FeedbackFeed:
    feed = FeedbackFeed(items(len(HOSTILE_FEEDBACK), text=lambda i: HOSTILE_FEEDBACK[i]))
    asyncio.run(sync_feedback(with_admin(ctx, feed)))
    return feed


async def test_hostile_feedback_is_inert_in_the_table_and_the_detail_view(ctx, settle) -> None:
    feed = await asyncio.to_thread(_hostile, ctx)
    app = DeskApp(with_admin(ctx, feed))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        shown = screen_text(app)
        assert_inert(app)
        assert "[@click=app.quit]Click here for a refund[/]" in shown
        assert "[bold red blink]URGENT[/]" in shown
        for row in feedback.page(ctx, FeedbackFilter(), limit=len(HOSTILE_FEEDBACK)):
            app.push_screen(FeedbackDetailScreen(row.id))
            await settle(pilot)
            assert_inert(app)
            assert one_line(row.text)[:30] in " ".join(screen_text(app).split())
            await pilot.press("escape")
            await settle(pilot)
        # Still running: no hostile [@click=app.quit] was ever clickable or run.
        assert app.is_running


# Alone: in the parallel suite, on a loaded 2-core host, this real desk has twice gone a whole minute without
# writing after `2` (recorded on issue 10, not understood yet); run by itself it passes every time.
@pytest.mark.alone
def test_the_desk_writes_hostile_feedback_to_the_terminal_as_text(tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    enrol(db, REAL_USER)
    ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent=REAL_USER, role="agent")
    _hostile(ctx)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": sqlite_url, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env |= {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")}
    # Nothing listens there: the mode's opening sync fails quietly, and the screen shows only what was synced.
    env |= {"LIFER_ADMIN_URL": "http://127.0.0.1:9", "LIFER_ADMIN_TOKEN": "t0ken-for-nothing"}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
    desk = subprocess.Popen(
        [sys.executable, "-m", "lifer_desk"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path
    )
    os.close(slave)
    output = b""
    try:
        # Keys go in once the queues are on screen, as the agent's would: a key sent while the terminal is still
        # being set up may be flushed with it.
        while b"My open" not in output:
            chunk = _read(master)
            assert chunk, "the desk closed before showing the queues"
            output += chunk
        os.write(master, b"2")
        # One press: Feedback mode's rows come within seconds even on a loaded host now that its opening sync
        # waits for them (it used to hold them back long enough for a 15 s wait here to give up).
        while b"Click here for a refund" not in output:
            chunk = _read(master)
            assert chunk, "the desk closed before showing the feedback"
            output += chunk
        os.write(master, b"q")
        while chunk := _read(master):
            output += chunk
        desk.wait(60)
    finally:
        if desk.poll() is None:
            desk.kill()
            desk.wait()
        os.close(master)
    assert b"[@click=app.quit]Click here for a refund[/]" in output
    for payload in (
        b"\x1b]0;pwned",
        b"\x1b]8;;https://evil",
        b"\x1b[2J\x1b[H\x1b[31mSYSTEM",
        "\u202e".encode(),
        b"\xc2\x9b",
    ):
        assert payload not in output, payload
    db.dispose()
