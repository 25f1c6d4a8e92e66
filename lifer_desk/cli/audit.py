"""`lifer-desk audit ...`: verify the hash chain, export signed checkpoints, and export the trail itself."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from lifer_desk.cli.agent_context import agent_context
from lifer_desk.config import load_settings
from lifer_desk.i18n import _
from lifer_desk.services import audit_review
from lifer_desk.services.audit import verify, write_checkpoint
from lifer_desk.services.audit_review import CHAIN_PROBLEMS
from lifer_desk.services.database import open_database
from lifer_desk.services.errors import DeskError

audit_app = typer.Typer(
    help="Verify the audit chain, export signed checkpoints and export the trail.", no_args_is_help=True
)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskError(f"cannot read checkpoint {path}: {getattr(exc, 'strerror', None) or exc}") from None


@audit_app.command("verify")
def verify_command(
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="A signed checkpoint; also catches a truncated tail."
    ),
) -> None:
    """Check the whole chain and its append-only guards; exit 1 naming the first broken seq or missing guard."""
    settings = load_settings()
    checkpoint_text = _read(checkpoint) if checkpoint is not None else None
    report = verify(open_database(settings), checkpoint_text, settings.audit_key)
    if report.ok:
        typer.echo(
            _("audit chain OK: {count} events, head seq {seq}, hash {hash}").format(
                count=report.count, seq=report.head_seq, hash=report.head_hash
            )
        )
        if checkpoint is not None and report.checkpoint_seq is not None:
            typer.echo(_checkpoint_line(checkpoint, report.checkpoint_seq, report.head_seq))
    else:
        problem = report.problem or ""
        vouched = (
            _("no event up to it can be trusted")
            if problem == "rewritten"
            else _("{count} events verified before it").format(count=report.count)
        )
        typer.echo(
            _("audit chain BROKEN at seq {seq}: {problem} ({why}); {vouched}").format(
                seq=report.broken_seq, problem=problem, why=CHAIN_PROBLEMS.get(problem, ""), vouched=vouched
            )
        )
    if report.missing_guards:
        typer.echo(
            _(
                "audit guards MISSING: {names} (the table no longer refuses every change); "
                "run `lifer-desk db upgrade` to restore them"
            ).format(names=", ".join(report.missing_guards))
        )
    if not report.ok or report.missing_guards:
        raise typer.Exit(1)


def _checkpoint_line(path: Path, checkpoint_seq: int, head_seq: int) -> str:
    """What the checkpoint vouches for, and what it cannot: the events appended since it was signed."""
    later = head_seq - checkpoint_seq
    if later == 0:
        return _("checkpoint {path} matches the chain; it vouches for every event").format(path=path)
    return _(
        "checkpoint {path} matches the chain up to seq {seq}; {later} later events (seq {first}-{last}) "
        "are not vouched for by it"
    ).format(path=path, seq=checkpoint_seq, later=later, first=checkpoint_seq + 1, last=head_seq)


@audit_app.command("checkpoint")
def checkpoint_command(
    out: Path | None = typer.Option(None, "--out", help="Write here instead of standard output."),
) -> None:
    """Sign the chain head (HMAC-SHA256 under LIFER_AUDIT_KEY) for keeping outside the database."""
    settings = load_settings()
    signed = write_checkpoint(open_database(settings), settings.audit_key)
    if out is None:
        typer.echo(signed, nl=False)
        return
    try:
        out.write_text(signed, encoding="utf-8")
    except OSError as exc:
        raise DeskError(f"cannot write checkpoint {out}: {exc.strerror or exc}") from None
    typer.echo(_("checkpoint written to {path}").format(path=out))


@audit_app.command("export")
def export_command(
    actor: str = typer.Option("", "--actor", help="Only events by this agent."),
    action: str = typer.Option("", "--action", help="An action (ticket.claim) or a prefix ending in '.'."),
    entity: str = typer.Option("", "--entity", help="TYPE:ID, TYPE one of ticket, request, account, agent."),
    since: str | None = typer.Option(None, "--since", help="From this time on (inclusive), ISO 8601."),
    until: str | None = typer.Option(None, "--until", help="Before this time (exclusive), ISO 8601."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    out: Path | None = typer.Option(None, "--out", help="Write here (created 0600) instead of standard output."),
) -> None:
    """Export the filtered trail oldest first, each line with its seq and hash (supervisors only; audited)."""
    ctx = agent_context()
    zone = ctx.settings.timezone
    chosen = audit_review.audit_filter(
        actor=actor,
        action=action,
        entity=entity,
        since=audit_review.parse_moment(since or "", zone, "--since"),
        until=audit_review.parse_moment(until or "", zone, "--until"),
    )
    if out is None:
        result = audit_review.export(ctx, chosen, sys.stdout, fmt)
    else:
        result = audit_review.export_to_file(ctx, chosen, out, fmt)
    summary = _("exported {count} events").format(count=result.count)
    if result.first_seq is not None:
        summary += _(" (seq {first}-{last})").format(first=result.first_seq, last=result.last_seq)
    typer.echo(summary, err=True)
