"""IMAP intake: read the team's hosted mailbox into `mail_intake.ingest`, with IDLE where the server has it.

imap-tools (Apache-2.0, maintained, typed) drives the session: search, peek, move, flags and IDLE, over the
standard library's imaplib. A message is moved to `LIFER_IMAP_DONE_FOLDER`, or flagged `$LiferDesk` where it is,
only after its ingest committed; nothing is ever deleted. A process killed in between leaves the mail unflagged
in place, and the next fetch ingests it again, which the dedup key makes a no-op.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import MailboxLoginError

from lifer_desk.i18n import _
from lifer_desk.services import dead_letter
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import MailboxUnavailable, MailNotConfigured, MailUnreadable
from lifer_desk.services.mail_intake import ingest

DONE_KEYWORD = "$LiferDesk"
# Messages fetched per IMAP command: few round trips, bounded memory.
BULK = 50
IDLE_SECONDS = 29 * 60  # RFC 2177: re-issue IDLE before the server's 30-minute inactivity timeout
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class _RawMessage(MailMessage):
    """A fetched message that keeps its bytes as the server sent them, for the dedup hash and the dead letter."""

    def __init__(self, fetch_data: list[Any]) -> None:
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


@dataclass(frozen=True)
class FetchReport:
    ingested: int
    duplicates: int
    unreadable: int


def _open(ctx: DeskContext) -> tuple[BaseMailBox, str, str, str]:
    settings = ctx.settings
    if settings.imap_url is None:
        raise MailNotConfigured(_("LIFER_IMAP_URL is not set: there is no mailbox to fetch"))
    url = urlsplit(settings.imap_url)
    host = url.hostname or "localhost"
    if url.scheme == "imaps":
        box: BaseMailBox = MailBox(host, url.port or 993, timeout=60, ssl_context=ssl.create_default_context())
    elif host in _LOOPBACK:
        # A loopback server (a local Dovecot, the tests') need not speak TLS; nothing leaves the host.
        box = MailBoxUnencrypted(host, url.port or 143, timeout=60)
    else:
        box = MailBoxStartTls(host, url.port or 143, timeout=60, ssl_context=ssl.create_default_context())
    box.email_message_class = _RawMessage
    folder = unquote(url.path.lstrip("/")) or "INBOX"
    password = settings.imap_password.reveal() if settings.imap_password else ""
    return box, unquote(url.username or ""), password, folder


@contextmanager
def mailbox(ctx: DeskContext) -> Iterator[BaseMailBox]:
    """A logged-in session on the configured folder."""
    try:
        box, user, password, folder = _open(ctx)
        box.login(user, password, initial_folder=folder)
    except MailboxLoginError:
        refused = _("the IMAP server refused the login (check the user in LIFER_IMAP_URL and the password)")
        raise MailboxUnavailable(refused) from None
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise MailboxUnavailable(_("the IMAP server cannot be reached: {why}").format(why=why)) from None
    try:
        yield box
    finally:
        box.logout()


def fetch_once(ctx: DeskContext, box: BaseMailBox, on_ingested: Callable[[int], object] | None = None) -> FetchReport:
    """Ingest every unprocessed message of the folder, oldest first, marking them once they are committed.

    Marking is one IMAP command per `BULK` committed messages rather than one (a MOVE, or COPY, STORE and EXPUNGE)
    per message, which cost more than the ingest. A message is marked only after its ingest committed; one that
    committed and was not marked yet when the process died is fetched again next time and found a duplicate.
    """
    done_folder = ctx.settings.imap_done_folder
    criteria = _unprocessed(ctx)
    if done_folder and not box.folder.exists(done_folder):
        box.folder.create(done_folder)
    ingested = duplicates = unreadable = 0
    committed: list[str] = []
    try:
        for message in box.fetch(criteria, mark_seen=False, bulk=BULK):
            assert isinstance(message, _RawMessage)
            try:
                result = ingest(ctx, message.raw)
            except MailUnreadable:
                dead_letter.keep(ctx.settings, message.raw)
                unreadable += 1
            else:
                duplicates += result.outcome == "duplicate"
                ingested += result.outcome != "duplicate"
            if message.uid is not None:
                committed.append(message.uid)
            if len(committed) >= BULK:
                _mark(box, committed, done_folder)
            if on_ingested is not None:
                on_ingested(ingested + duplicates + unreadable)
    finally:
        # Also when an ingest failed: what committed before it is marked, so it is not fetched again.
        _mark(box, committed, done_folder)
    return FetchReport(ingested, duplicates, unreadable)


def _mark(box: BaseMailBox, uids: list[str], done_folder: str | None) -> None:
    """Move or flag `uids` (every one committed) in one command, and forget them."""
    if not uids:
        return
    if done_folder:
        box.move(uids, done_folder)
    else:
        box.flag(uids, DONE_KEYWORD, True)
    uids.clear()


def _unprocessed(ctx: DeskContext) -> AND:
    return AND(all=True) if ctx.settings.imap_done_folder else AND(no_keyword=DONE_KEYWORD)


def wait_for_mail(ctx: DeskContext, box: BaseMailBox, idle_seconds: float = IDLE_SECONDS) -> bool:
    """Until new mail may have come: IDLE where the server offers it (it answers as mail arrives), else the poll
    interval. True when there is mail to fetch, or the server said something changed."""
    # IDLE reports only what arrives after it starts: mail delivered since the last fetch is looked for first,
    # after a NOOP, since a server may show a session new messages only once a command has synchronised it.
    box.client.noop()
    if box.uids(_unprocessed(ctx)):
        return True
    if "IDLE" in box.client.capabilities:
        return bool(box.idle.wait(timeout=idle_seconds))
    time.sleep(ctx.settings.imap_poll_seconds)
    return False
