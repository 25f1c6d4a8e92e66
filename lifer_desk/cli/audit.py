"""`lifer-desk audit ...`: verify the hash chain and export signed checkpoints."""

from __future__ import annotations

from pathlib import Path

import typer

from lifer_desk.config import load_settings
from lifer_desk.services.audit import verify, write_checkpoint
from lifer_desk.services.database import open_database
from lifer_desk.services.errors import DeskError

audit_app = typer.Typer(help="Verify the audit chain and export signed checkpoints.", no_args_is_help=True)

PROBLEMS = {
    "edited": "the event was changed after it was written",
    "missing": "an event is missing (deleted, or the tail cut off)",
    "reordered": "events were moved out of their order",
    "inserted": "an event was slipped in that was never appended",
    "rewritten": "the chain no longer reaches the signed checkpoint's hash: rewritten at or before this event",
}


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
    """Check the whole chain; exit 1 naming the first broken sequence number."""
    settings = load_settings()
    checkpoint_text = _read(checkpoint) if checkpoint is not None else None
    report = verify(open_database(settings), checkpoint_text, settings.audit_key)
    if not report.ok:
        problem = report.problem or ""
        vouched = (
            "no event up to it can be trusted"
            if problem == "rewritten"
            else f"{report.count} events verified before it"
        )
        typer.echo(f"audit chain BROKEN at seq {report.broken_seq}: {problem} ({PROBLEMS.get(problem, '')}); {vouched}")
        raise typer.Exit(1)
    typer.echo(f"audit chain OK: {report.count} events, head seq {report.head_seq}, hash {report.head_hash}")
    if checkpoint is not None:
        typer.echo(f"checkpoint {checkpoint} matches the chain")


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
    typer.echo(f"checkpoint written to {out}")
