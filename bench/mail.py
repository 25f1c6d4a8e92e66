"""Issue 14's mail figures, each beside its target:

- pipe ingest: messages per second through the ingest `lifer-desk mail ingest` runs (parse, thread, store,
  audit, one transaction each), in process, so that the figure is the desk's and not the interpreter's start-up
  (printed apart: an MTA that pipes each message starts one process per message, and runs several at once);
- IMAP fetch: 10,000 messages from the local Dovecot (`.ci/mail-servers`), at most 2 minutes;
- replies: sent per second through the mail outbox to the local SMTP server, at least 100.

    . .ci/mail-servers && mail_servers_start && python -m bench.mail [--pipe 2000] [--imap 10000] [--replies 2000]

Without LIFER_TEST_IMAP_URL the IMAP figure is skipped; without LIFER_TEST_SMTP_URL the replies go to an
aiosmtpd server the bench starts itself.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PIPE_TARGET = 200.0
IMAP_TARGET_S = 120.0
REPLY_TARGET = 100.0
# `mail ingest` processes timed for the start-up figure (their median).
PROCESSES = 5


def _mail(n: int, tag: str) -> bytes:
    return (
        f"From: 客户{n} <customer{n}@qq.com>\r\nTo: support@lifer.example\r\nSubject: 账号问题 {n} account\r\n"
        f"Message-ID: <{tag}.{n}@qq.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"您好，我的账号 {n} 无法登录。I cannot log in, please help.\r\n"
    ).encode()


def _context(url: str, **settings: object):
    from lifer_desk.config import Settings
    from lifer_desk.services.context import DeskContext
    from lifer_desk.services.writing import HOST_ROLE
    from lifer_desk.store.db import Database

    values = {"database_url": url, "mail_address": "support@lifer.example", **settings}
    return DeskContext(db=Database(url), settings=Settings(**values), agent="bench", role=HOST_ROLE)  # type: ignore[arg-type]


def _database(workdir: Path) -> str:
    from lifer_desk.store.db import Database
    from lifer_desk.store.migrate import upgrade

    url = f"sqlite:///{workdir / f'mail-{uuid.uuid4().hex[:8]}.db'}"
    db = Database(url, create=True)
    upgrade(db)
    db.dispose()
    return url


def bench_pipe(workdir: Path, count: int) -> None:
    from lifer_desk.services import mail_intake

    ctx = _context(_database(workdir))
    raws = [_mail(n, "pipe") for n in range(count)]
    start = time.perf_counter()
    for raw in raws:
        mail_intake.ingest(ctx, raw)
    rate = count / (time.perf_counter() - start)
    # Like with like (DESIGN 8): the same number of tickets opened by the service an agent's "new ticket" uses, on
    # the same machine in the same minute, so that a loaded machine shows as a ratio rather than as a miss.
    from lifer_desk.domain.tickets import Category, Channel, Priority
    from lifer_desk.services import tickets

    draft = tickets.TicketDraft(
        Channel.EMAIL, "账号问题", "您好 hello", "c@qq.com", "客户", Category.OTHER, Priority.NORMAL
    )
    start = time.perf_counter()
    for _ in range(count):
        tickets.open_ticket(ctx, draft)
    baseline = count / (time.perf_counter() - start)
    env = {**os.environ, "LIFER_DATABASE_URL": ctx.settings.database_url, "LIFER_MAIL_ADDRESS": "support@lifer.example"}
    process = statistics.median(
        _timed([sys.executable, "-m", "lifer_desk", "mail", "ingest"], env, _mail(count + n, "pipe"))
        for n in range(PROCESSES)
    )
    # The floor under that figure, in the same minute: an interpreter that imports the database layer and exits.
    floor = statistics.median(_timed([sys.executable, "-c", "import sqlmodel"], env, b"") for _ in range(PROCESSES))
    verdict = "OK" if rate >= PIPE_TARGET else "MISSED"
    print(f"pipe ingest: {rate:,.0f} messages/s over {count:,} (target >= {PIPE_TARGET:,.0f}) {verdict}")
    print(f"  opening tickets without mail: {baseline:,.0f}/s (ingest runs at {rate / baseline:.0%} of it)")
    print(
        f"  one `mail ingest` process, start to exit: {process:.2f} s, median of {PROCESSES}"
        f" (no target; `python -c 'import sqlmodel'`: {floor:.2f} s)"
    )


def _timed(command: list[str], env: dict[str, str], stdin: bytes) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=stdin, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_imap(workdir: Path, count: int) -> None:
    url = os.environ.get("LIFER_TEST_IMAP_URL")
    if not url:
        print("imap fetch: skipped (LIFER_TEST_IMAP_URL is not set; run under .ci/mail-servers)")
        return
    from imap_tools import MailBoxUnencrypted

    from lifer_desk.config import Secret
    from lifer_desk.services import mail_fetch

    parts = urlsplit(url)
    password = os.environ.get("LIFER_TEST_IMAP_PASSWORD", "")
    folder = f"bench{uuid.uuid4().hex[:8]}"
    box = MailBoxUnencrypted(parts.hostname or "127.0.0.1", parts.port or 143)
    box.login(parts.username or "", password, initial_folder=None)
    box.folder.create(folder)
    try:
        start = time.perf_counter()
        for n in range(count):
            box.append(_mail(n, folder), folder)
        filled = time.perf_counter() - start
        own = urlunsplit((parts.scheme, parts.netloc, f"/{folder}", "", ""))
        ctx = _context(_database(workdir), imap_url=own, imap_password=Secret(password))
        start = time.perf_counter()
        with mail_fetch.mailbox(ctx) as session:
            report = mail_fetch.fetch_once(ctx, session)
        took = time.perf_counter() - start
    finally:
        box.folder.delete(folder)
        box.logout()
    assert report.ingested == count, report
    for_10k = took * 10_000 / count
    verdict = "OK" if for_10k <= IMAP_TARGET_S else "MISSED"
    # Measured at 10,000 or more; below, the time is scaled to 10,000 and says so.
    figure = f"{took:.0f} s measured" if count >= 10_000 else f"10,000 would take {for_10k:.0f} s (projected)"
    print(f"imap fetch: {count:,} messages in {took:.1f} s, {count / took:,.0f}/s; {figure}"
          f" (target <= {IMAP_TARGET_S:.0f} s for 10,000) {verdict}; filling the folder took {filled:.1f} s"
          " (the peer: the same server taking the messages in)")  # fmt: skip


def bench_replies(workdir: Path, count: int) -> None:
    from lifer_desk.services import mail_intake, mail_outbox, tickets
    from lifer_desk.services.context import DeskContext

    url = _database(workdir)
    smtp = os.environ.get("LIFER_TEST_SMTP_URL")
    controller = None
    if not smtp:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        smtp = f"smtp://127.0.0.1:{port}"
    host = _context(url, smtp_url=smtp)
    for n in range(count):
        mail_intake.ingest(host, _mail(n, "reply"))
    from bench.seeded import BENCH_AGENT, ensure_agents

    ensure_agents(host.db, [BENCH_AGENT])
    desk = DeskContext(db=host.db, settings=host.settings, agent=BENCH_AGENT, role="agent")
    for ticket_id in range(1, count + 1):
        tickets.claim(desk, ticket_id)
        tickets.reply(desk, tickets.get_ticket(desk, ticket_id), "您好，已为您处理。Done.")
    start = time.perf_counter()
    sent = 0
    while sent < count:
        report = mail_outbox.deliver_due(host, limit=500)
        assert report.retrying == report.failed == 0, report
        sent += report.sent
    rate = count / (time.perf_counter() - start)
    if controller is not None:
        controller.stop()
    verdict = "OK" if rate >= REPLY_TARGET else "MISSED"
    print(f"replies: {rate:,.0f}/s sent through the outbox over {count:,} (target >= {REPLY_TARGET:,.0f}) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pipe", type=int, default=2_000, help="messages for the pipe-ingest figure")
    parser.add_argument("--imap", type=int, default=10_000, help="messages for the IMAP figure")
    parser.add_argument("--replies", type=int, default=2_000, help="replies for the outbox figure")
    args = parser.parse_args()
    print(f"load average at the start: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="lifer-bench-mail-") as tmp:
        workdir = Path(tmp)
        bench_pipe(workdir, args.pipe)
        bench_replies(workdir, args.replies)
        bench_imap(workdir, args.imap)


if __name__ == "__main__":
    main()
