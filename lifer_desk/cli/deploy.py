"""`lifer-desk deploy check`: what is wrong with this host for the service-account deployment (issue 16)."""

from __future__ import annotations

from pathlib import Path

import typer

from lifer_desk.config import load_settings
from lifer_desk.i18n import _
from lifer_desk.services.deployment import DEFAULT_SSHD_CONFIG, check_host

deploy_app = typer.Typer(help="Check this host for the service-account SSH deployment.", no_args_is_help=True)


@deploy_app.command("check")
def check_command(
    sshd_config: Path = typer.Option(DEFAULT_SSHD_CONFIG, "--sshd-config", metavar="FILE", help="sshd's settings."),
) -> None:
    """Report file modes and owners, the authorized_keys block and the sshd settings that matter; exit 1 if any."""
    findings = check_host(load_settings(), sshd_config)
    for finding in findings:
        typer.echo(_("problem: {subject}: {problem}").format(subject=finding.subject, problem=finding.problem))
    if findings:
        raise typer.Exit(1)
    typer.echo(_("ok: this host is ready for the service-account deployment"))
