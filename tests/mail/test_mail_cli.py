"""`lifer-desk mail ingest` as an MTA runs it: a real process, the message on stdin, sysexits for an answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from lifer_desk.services import tickets
from lifer_desk.store.db import Database
from lifer_desk.store.models import OutboundMail
from tests.mail.conftest import ImapFolder, SmtpSink
from tests.mail.mail_support import Clock, agent, corpus, host


def _pipe(raw: bytes, tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {
        "LIFER_DATABASE_URL": database_url,
        "LIFER_MAIL_ADDRESS": "support@lifer.example",
        "LIFER_MAIL_DEAD_LETTER_DIR": str(tmp_path / "dead"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    command = [sys.executable, "-m", "lifer_desk", "mail", "ingest"]
    return subprocess.run(command, input=raw, capture_output=True, env=env, cwd=tmp_path, timeout=60, check=False)


def test_a_message_on_stdin_is_filed_and_answered_0(sqlite_url: str, tmp_path: Path) -> None:
    done = _pipe(corpus("foxmail_gb2312.eml"), tmp_path, sqlite_url)
    assert (done.returncode, done.stdout.decode().strip()) == (0, "ticket #1")
    assert "朱镕基" in tickets.get_ticket(host(Database(sqlite_url), Clock()), 1).events[0].body
    again = _pipe(corpus("foxmail_gb2312.eml"), tmp_path, sqlite_url)
    assert (again.returncode, again.stdout.decode().strip()) == (0, "duplicate #1 (ticket)")


def test_the_pipe_loads_no_other_command_no_imap_client_and_no_help_translation(
    sqlite_url: str, tmp_path: Path
) -> None:
    # The MTA starts one process per message: what it imports beyond the ingest is start-up paid per message.
    probe = (
        "import sys\n"
        "from lifer_desk import cli\n"
        "sys.argv = ['lifer-desk', 'mail', 'ingest']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit as done:\n"
        "    print(done.code)\n"
        "loaded = {m for m in sys.modules if m.startswith('lifer_desk.cli.')}\n"
        "print(','.join(sorted(loaded | {'imap_tools', 'babel.messages'} & set(sys.modules))))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env |= {"LIFER_DATABASE_URL": sqlite_url, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, input=corpus("qq_gb18030.eml"), capture_output=True, env=env, timeout=60, check=True)
    code, loaded = done.stdout.decode().strip().splitlines()[-2:]
    assert code == "0"
    # cli.root is the command's own entry (what `lifer_desk.cli` held before the launcher's fast path).
    entry = {"lifer_desk.cli.root", "lifer_desk.cli.desk", "lifer_desk.cli.mail", "lifer_desk.cli.sandbox"}
    assert set(loaded.split(",")) <= entry


def test_an_unparseable_message_answers_65_and_is_kept_as_a_private_dead_letter(
    sqlite_url: str, tmp_path: Path
) -> None:
    done = _pipe(corpus("garbage.eml"), tmp_path, sqlite_url)
    assert done.returncode == 65
    (kept,) = (tmp_path / "dead").iterdir()
    assert kept.read_bytes() == corpus("garbage.eml")
    assert (kept.stat().st_mode & 0o777, kept.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert b"cannot be read" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["postgresql://desk:pw@127.0.0.1:1/desk", "sqlite:////nonexistent/dir/desk.db"])
def test_the_database_down_answers_75_so_that_the_mta_retries(url: str, tmp_path: Path) -> None:
    done = _pipe(corpus("qq_gb18030.eml"), tmp_path, url)
    assert done.returncode == 75
    assert b"will try again" in done.stderr
    assert b"Traceback" not in done.stderr and b"pw" not in done.stderr


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")} | {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LIFER_MAIL_ADDRESS": "support@lifer.example",
    }
    command = [sys.executable, "-m", "lifer_desk", "mail", *args]
    return subprocess.run(command, env=base | env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_fetch_once_then_deliver_once_end_to_end(
    sqlite_url: str, tmp_path: Path, imap_folder: ImapFolder, smtp_sink: SmtpSink
) -> None:
    with imap_folder.box() as box:
        box.append(corpus("qq_gb18030.eml"), imap_folder.folder)
    env = {
        "LIFER_DATABASE_URL": sqlite_url,
        "LIFER_IMAP_URL": imap_folder.url,
        "LIFER_IMAP_PASSWORD": imap_folder.password,
        "LIFER_SMTP_URL": smtp_sink.url,
    }
    fetched = _run(["fetch", "--once"], env, tmp_path)
    assert (fetched.returncode, fetched.stdout.strip()) == (0, "fetched 1 new, 0 already filed, 0 unreadable")
    db = Database(sqlite_url)
    desk = agent(db, Clock())
    tickets.claim(desk, 1)
    tickets.reply(desk, tickets.get_ticket(desk, 1), "您好，已处理。")
    delivered = _run(["deliver", "--once"], env, tmp_path)
    assert (delivered.returncode, delivered.stdout.strip()) == (0, "sent 1, retrying 0, failed 0")
    with db.read() as session:
        (sent,) = session.exec(select(OutboundMail))
    (received,) = smtp_sink.received(sent.message_id)
    assert received["To"] == "10001234@qq.com"
    assert imap_folder.password not in fetched.stdout + fetched.stderr
