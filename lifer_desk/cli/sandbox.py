"""`lifer-desk sandbox ...` (owned by the admin-API work)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from lifer_desk.config import Secret, data_dir

sandbox_app = typer.Typer(help="Run the admin-API sandbox.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@sandbox_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless you mean otherwise.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
    token: Annotated[
        str | None,
        typer.Option(envvar="LIFER_ADMIN_TOKEN", show_envvar=True, help="Bearer token callers must send."),
    ] = None,
    db: Annotated[Path | None, typer.Option(help="Sandbox database (default: the data directory).")] = None,
) -> None:
    """Serve the sandbox admin API over HTTP with uvicorn."""
    if not token or not token.strip():
        raise _fail("a token is required: set LIFER_ADMIN_TOKEN or pass --token")
    # Deferred: only this command needs FastAPI and uvicorn.
    import uvicorn

    from lifer_desk.sandbox.app import create_app
    from lifer_desk.sandbox.faults import Faults
    from lifer_desk.sandbox.seed import ensure_seeded

    try:
        faults = Faults.from_env()
    except ValueError as exc:
        raise _fail(str(exc)) from None
    path = db or data_dir() / "sandbox.db"
    try:
        ensure_seeded(path)
    except OSError as exc:
        raise _fail(f"cannot create the sandbox database at {path}: {exc.strerror}") from None
    if not _is_loopback(host):
        typer.echo(f"warning: binding {host}, reachable beyond this machine", err=True)
    typer.echo(f"sandbox admin API on http://{host}:{port} (database {path})")
    uvicorn.run(create_app(path, Secret(token), faults=faults), host=host, port=port, log_level="warning")
