"""The real mail servers `.ci/mail-servers` starts: a test that needs one skips when it is not configured and
fails (never skips) when it is configured but does not answer, as the PostgreSQL tests do."""

from __future__ import annotations

import mailbox
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from imap_tools import MailBoxUnencrypted


def _reachable(url: str, what: str, variable: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 0
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        pytest.fail(f"{variable} is set but the {what} server at {host}:{port} is unreachable: {exc}")
    return host, port


@dataclass(frozen=True)
class ImapFolder:
    """A folder of its own on the test mailbox (tests run in parallel on one mailbox)."""

    url: str
    password: str
    folder: str

    def box(self) -> MailBoxUnencrypted:
        parts = urlsplit(self.url)
        box = MailBoxUnencrypted(parts.hostname or "127.0.0.1", parts.port or 143)
        box.login(parts.username or "", self.password, initial_folder=self.folder)
        return box


@pytest.fixture
def imap_folder() -> Iterator[ImapFolder]:
    url = os.environ.get("LIFER_TEST_IMAP_URL")
    if not url:
        pytest.skip("LIFER_TEST_IMAP_URL is not set (.ci/mail-servers sets it)")
    _reachable(url, "IMAP", "LIFER_TEST_IMAP_URL")
    parts = urlsplit(url)
    password = os.environ.get("LIFER_TEST_IMAP_PASSWORD", "")
    folder = f"t{uuid.uuid4().hex[:12]}"
    box = MailBoxUnencrypted(parts.hostname or "127.0.0.1", parts.port or 143)
    box.login(parts.username or "", password, initial_folder=None)
    box.folder.create(folder)
    own = urlunsplit((parts.scheme, parts.netloc, f"/{folder}", "", ""))
    yield ImapFolder(own, password, folder)
    for name in [f.name for f in box.folder.list() if f.name.startswith(folder)]:
        box.folder.delete(name)
    box.logout()


@dataclass(frozen=True)
class SmtpSink:
    url: str
    maildir: Path

    def received(self, message_id: str) -> list[EmailMessage]:
        """What the sink stored with this Message-ID (the sink is shared by every test of the run)."""
        found = []
        for raw in mailbox.Maildir(self.maildir, create=False):
            mail = message_from_bytes(raw.as_bytes(), policy=policy.default)
            if mail.get("Message-ID") == message_id:
                assert isinstance(mail, EmailMessage)
                found.append(mail)
        return found


@pytest.fixture
def smtp_sink() -> SmtpSink:
    url = os.environ.get("LIFER_TEST_SMTP_URL")
    if not url:
        pytest.skip("LIFER_TEST_SMTP_URL is not set (.ci/mail-servers sets it)")
    _reachable(url, "SMTP", "LIFER_TEST_SMTP_URL")
    return SmtpSink(url, Path(os.environ["LIFER_TEST_SMTP_MAILDIR"]))


class Recorder(Sink):
    """An aiosmtpd handler that keeps what it accepts, or refuses every mail with `refuse` (e.g. 550)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.refuse: str | None = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refuse:
            return self.refuse
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@dataclass
class LocalSmtp:
    """An aiosmtpd server of the test's own, which it can keep down (not started) and bring up."""

    port: int
    handler: Recorder
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def local_smtp() -> Iterator[LocalSmtp]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = LocalSmtp(port, Recorder())
    yield server
    server.stop()
