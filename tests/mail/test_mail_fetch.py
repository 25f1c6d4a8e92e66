"""services.mail_fetch against the real Dovecot that .ci/mail-servers runs (a folder of each test's own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from imap_tools import AND

from lifer_desk.config import Secret
from lifer_desk.services import mail_fetch, mail_intake, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import MailboxUnavailable
from lifer_desk.store.db import Database
from tests.mail.conftest import ImapFolder
from tests.mail.mail_support import Clock, corpus, host, message


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _ctx(db: Database, clock: Clock, imap: ImapFolder, **overrides: object) -> DeskContext:
    return host(db, clock, imap_url=imap.url, imap_password=Secret(imap.password), **overrides)


def _put(imap: ImapFolder, *raws: bytes) -> None:
    with imap.box() as box:
        for raw in raws:
            box.append(raw, imap.folder)


def _flagged(imap: ImapFolder) -> list[bool]:
    with imap.box() as box:
        return [mail_fetch.DONE_KEYWORD in m.flags for m in box.fetch(AND(all=True), mark_seen=False)]


def test_fetch_files_each_message_once_and_flags_it(
    sqlite_url: str, clock: Clock, imap_folder: ImapFolder, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    ctx = _ctx(db, clock, imap_folder, mail_dead_letter_dir=tmp_path / "dead")
    _put(imap_folder, corpus("qq_gb18030.eml"), corpus("apple_attachment.eml"), corpus("garbage.eml"))
    with mail_fetch.mailbox(ctx) as box:
        report = mail_fetch.fetch_once(ctx, box)
        assert (report.ingested, report.duplicates, report.unreadable) == (2, 0, 1)
        assert mail_fetch.fetch_once(ctx, box) == mail_fetch.FetchReport(0, 0, 0)
    assert _flagged(imap_folder) == [True, True, True]  # flagged, never deleted
    assert tickets.get_ticket(ctx, 1).subject == "账号无法登录，请帮忙"
    (kept,) = (tmp_path / "dead").iterdir()
    assert b"this is not mail at all" in kept.read_bytes()
    assert (kept.stat().st_mode & 0o777, kept.parent.stat().st_mode & 0o777) == (0o600, 0o700)


def test_fetch_moves_processed_mail_to_the_done_folder(sqlite_url: str, clock: Clock, imap_folder: ImapFolder) -> None:
    db = Database(sqlite_url)
    done = f"{imap_folder.folder}-done"
    ctx = _ctx(db, clock, imap_folder, imap_done_folder=done)
    _put(imap_folder, message())
    with mail_fetch.mailbox(ctx) as box:
        assert mail_fetch.fetch_once(ctx, box).ingested == 1
        assert box.folder.status(done)["MESSAGES"] == 1
    assert _flagged(imap_folder) == []


def test_ingest_killed_mid_message_leaves_the_mail_unflagged_on_the_server_and_the_next_fetch_files_it(
    sqlite_url: str, clock: Clock, imap_folder: ImapFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(sqlite_url)
    ctx = _ctx(db, clock, imap_folder)
    _put(imap_folder, message())
    real = mail_intake.store.add_attachments

    def killed(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # the process is stopped after the ticket was written, before the commit

    monkeypatch.setattr(mail_intake.store, "add_attachments", killed)
    with mail_fetch.mailbox(ctx) as box, pytest.raises(KeyboardInterrupt):
        mail_fetch.fetch_once(ctx, box)
    assert _flagged(imap_folder) == [False]
    with db.read() as session:
        from lifer_desk.store.models import Ticket

        assert session.get(Ticket, 1) is None  # nothing half-written
    monkeypatch.undo()
    with mail_fetch.mailbox(ctx) as box:
        assert mail_fetch.fetch_once(ctx, box).ingested == 1
    assert _flagged(imap_folder) == [True]


def test_a_fetch_stopped_mid_batch_marks_what_committed_before_it_and_only_that(
    sqlite_url: str, clock: Clock, imap_folder: ImapFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(sqlite_url)
    ctx = _ctx(db, clock, imap_folder)
    for n in range(3):
        _put(imap_folder, message(subject=f"problem {n}", message_id=f"<batch{n}@qq.com>"))
    real = mail_intake.store.add_attachments
    calls = 0

    def killed_on_the_third(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        real(*args, **kwargs)  # type: ignore[arg-type]
        if calls == 3:
            raise KeyboardInterrupt  # stopped before the third message's commit

    monkeypatch.setattr(mail_intake.store, "add_attachments", killed_on_the_third)
    with mail_fetch.mailbox(ctx) as box, pytest.raises(KeyboardInterrupt):
        mail_fetch.fetch_once(ctx, box)
    assert _flagged(imap_folder) == [True, True, False]
    monkeypatch.undo()
    with mail_fetch.mailbox(ctx) as box:
        report = mail_fetch.fetch_once(ctx, box)
    assert (report.ingested, report.duplicates) == (1, 0)
    assert _flagged(imap_folder) == [True, True, True]


def test_a_wrong_password_is_one_clear_error(sqlite_url: str, clock: Clock, imap_folder: ImapFolder) -> None:
    ctx = host(Database(sqlite_url), clock, imap_url=imap_folder.url, imap_password=Secret("wrong"))
    with pytest.raises(MailboxUnavailable, match="refused the login"), mail_fetch.mailbox(ctx):
        pass


def test_an_unreachable_server_is_one_clear_error(sqlite_url: str, clock: Clock) -> None:
    ctx = host(Database(sqlite_url), clock, imap_url="imap://desk@127.0.0.1:1/INBOX")
    with pytest.raises(MailboxUnavailable, match="cannot be reached"), mail_fetch.mailbox(ctx):
        pass


def test_mail_that_came_since_the_last_fetch_ends_the_wait_at_once(
    sqlite_url: str, clock: Clock, imap_folder: ImapFolder
) -> None:
    ctx = _ctx(Database(sqlite_url), clock, imap_folder)
    with mail_fetch.mailbox(ctx) as box:
        assert "IDLE" in box.client.capabilities
        assert mail_fetch.fetch_once(ctx, box).ingested == 0
        _put(imap_folder, message())  # from another session, as the MTA delivers
        # The bound only keeps a broken server from hanging the suite; IDLE answers on the new message.
        assert mail_fetch.wait_for_mail(ctx, box, idle_seconds=60)
        assert mail_fetch.fetch_once(ctx, box).ingested == 1


def test_idle_answers_when_mail_arrives_while_it_waits(sqlite_url: str, clock: Clock, imap_folder: ImapFolder) -> None:
    import threading

    ctx = _ctx(Database(sqlite_url), clock, imap_folder)
    with mail_fetch.mailbox(ctx) as box:
        started = threading.Event()
        real_start = box.idle.start

        def start() -> object:
            result = real_start()
            started.set()
            return result

        box.idle.start = start  # type: ignore[method-assign]
        deliver = threading.Thread(target=lambda: started.wait(30) and _put(imap_folder, message()))
        deliver.start()
        assert mail_fetch.wait_for_mail(ctx, box, idle_seconds=60)
        deliver.join()
        assert mail_fetch.fetch_once(ctx, box).ingested == 1
