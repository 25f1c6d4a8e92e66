"""`lifer-desk mail ...`: the MTA pipe (ingest), IMAP polling (fetch) and the outbound deliverer (deliver).

`mail ingest` answers the MTA with sysexits(3), as rt-mailgate does: 0 accepted (a ticket, a thread event, or
junk recorded and dropped), 65 EX_DATAERR for a message that cannot be parsed (kept in the dead-letter folder),
75 EX_TEMPFAIL when the database cannot take it now (the MTA keeps the mail and retries), 78 EX_CONFIG for a
broken setting. These commands act for the host (the OS user running them), not for an agent.
"""

from __future__ import annotations

import sys
import time

import typer

from lifer_desk.config import ConfigError, load_settings
from lifer_desk.i18n import _
from lifer_desk.services import dead_letter, mail_intake, mail_outbox
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import database_failure, open_database
from lifer_desk.services.errors import DatabaseBusy, MailUnreadable, SchemaOutdated
from lifer_desk.services.identity import os_user
from lifer_desk.services.writing import HOST_ROLE

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75
EX_CONFIG = 78

mail_app = typer.Typer(help="Mail: ingest from an MTA pipe, fetch from IMAP, deliver replies by SMTP.")


def _context() -> DeskContext:
    settings = load_settings()
    return DeskContext(db=open_database(settings), settings=settings, agent=os_user(), role=HOST_ROLE)


def _say(message: str) -> None:
    print(f"lifer-desk mail: {message}", file=sys.stderr)


@mail_app.command("ingest")
def ingest_command() -> None:
    """Read one RFC 5322 message on standard input and file it (for an MTA's pipe transport)."""
    raw = sys.stdin.buffer.read()
    try:
        ctx = _context()
        result = mail_intake.ingest(ctx, raw)
    except ConfigError as exc:
        _say(_("configuration error: {error}").format(error=exc))
        raise SystemExit(EX_CONFIG) from None
    except MailUnreadable as exc:
        settings = load_settings()
        path = dead_letter.keep(settings, raw)
        _say(_("{error}; kept in {path}").format(error=exc, path=path))
        raise SystemExit(EX_DATAERR) from None
    except (DatabaseBusy, SchemaOutdated) as exc:
        _say(_("{error}; the mail stays with the MTA, which will try again").format(error=exc))
        raise SystemExit(EX_TEMPFAIL) from None
    except Exception as exc:
        message = database_failure(exc)
        if message is None:
            raise
        _say(_("{error}; the mail stays with the MTA, which will try again").format(error=message))
        raise SystemExit(EX_TEMPFAIL) from None
    where = f" #{result.ticket_id}" if result.ticket_id is not None else ""
    typer.echo(f"{result.outcome}{where}" + (f" ({result.reason})" if result.reason else ""))
    raise SystemExit(EX_OK)


@mail_app.command("fetch")
def fetch_command(
    once: bool = typer.Option(False, "--once", help="Fetch what is there, then stop (default: keep watching)."),
) -> None:
    """Read the team's IMAP mailbox (LIFER_IMAP_URL) into tickets; IDLE where the server offers it."""
    # Here, not at the top: `mail ingest`, one process per message from the MTA, has no use for IMAP.
    from lifer_desk.services import mail_fetch

    ctx = _context()
    with mail_fetch.mailbox(ctx) as box:
        while True:
            report = mail_fetch.fetch_once(ctx, box)
            if report.ingested or report.unreadable or once:
                typer.echo(
                    _("fetched {n} new, {d} already filed, {u} unreadable").format(
                        n=report.ingested, d=report.duplicates, u=report.unreadable
                    )
                )
            if once:
                return
            mail_fetch.wait_for_mail(ctx, box)


@mail_app.command("deliver")
def deliver_command(
    once: bool = typer.Option(False, "--once", help="Send what is due, then stop (default: keep sending)."),
    interval: float = typer.Option(5.0, "--interval", min=0.5, help="Seconds between looks at the outbox."),
) -> None:
    """Send queued replies by SMTP (LIFER_SMTP_URL), retrying with backoff; 5xx refusals show in the thread."""
    ctx = _context()
    while True:
        report = mail_outbox.deliver_due(ctx)
        if report.sent or report.retrying or report.failed or once:
            typer.echo(
                _("sent {s}, retrying {r}, failed {f}").format(s=report.sent, r=report.retrying, f=report.failed)
            )
        if once:
            return
        time.sleep(interval)
