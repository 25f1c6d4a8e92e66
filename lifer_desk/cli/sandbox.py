"""`lifer-desk sandbox ...`, and the sandbox as the desk's admin API when no LIFER_ADMIN_URL is set.

The in-process wiring lives here, where the app is put together, because only `cli` may import the sandbox;
`admin_api` takes the transport it is handed.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lifer_desk.config import ConfigError, Secret, Settings, data_dir
from lifer_desk.i18n import _

if TYPE_CHECKING:
    from lifer_desk.admin_api import AdminClient
    from lifer_desk.admin_api.factory import InProcessApi

sandbox_app = typer.Typer(help="Run the admin-API sandbox.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(_("error: {message}").format(message=message), err=True)
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
    feedback: Annotated[
        int | None, typer.Option(min=0, help="Seed this many feedback items (deterministic), e.g. for benchmarks.")
    ] = None,
) -> None:
    """Serve the sandbox admin API over HTTP with uvicorn."""
    if not token or not token.strip():
        raise _fail("a token is required: set LIFER_ADMIN_TOKEN or pass --token")
    # Deferred: only this command needs FastAPI and uvicorn.
    import uvicorn

    from lifer_desk.sandbox.app import create_app
    from lifer_desk.sandbox.faults import Faults
    from lifer_desk.sandbox.seed import FEEDBACK_ITEMS, ensure_seeded

    try:
        faults = Faults.from_env()
    except ValueError as exc:
        raise _fail(str(exc)) from None
    path = db or data_dir() / "sandbox.db"
    try:
        ensure_seeded(path, feedback=FEEDBACK_ITEMS if feedback is None else feedback)
    except OSError as exc:
        raise _fail(f"cannot create the sandbox database at {path}: {exc.strerror}") from None
    if not _is_loopback(host):
        typer.echo(_("warning: binding {host}, reachable beyond this machine").format(host=host), err=True)
    typer.echo(_("sandbox admin API on http://{host}:{port} (database {path})").format(host=host, port=port, path=path))
    # No access log: a line formatted per call is a cost the admin API's callers should not measure. uvicorn picks
    # httptools and uvloop by itself where they are installed (they are dependencies, on platforms that have them).
    uvicorn.run(
        create_app(path, Secret(token), faults=faults), host=host, port=port, log_level="warning", access_log=False
    )


def open_admin(settings: Settings, sandbox_path: Path | None = None) -> AdminClient:
    """A client for `settings.admin_url`, or for the sandbox in-process (at `sandbox_path`) when no URL is set."""
    # Imported on first use of the admin API, so httpx is not loaded before the first queue page.
    from lifer_desk.admin_api import open_admin_client

    return open_admin_client(settings, lambda: in_process_sandbox(sandbox_path or data_dir() / "sandbox.db"))


def in_process_sandbox(path: Path) -> InProcessApi:
    """The sandbox app on `path`, seeded on first use (about a second), behind an ASGI transport."""
    # Imported here so that a desk configured for the real service never loads FastAPI.
    import httpx

    from lifer_desk.admin_api.factory import InProcessApi
    from lifer_desk.sandbox.app import create_app
    from lifer_desk.sandbox.faults import Faults, FaultSwitchError
    from lifer_desk.sandbox.seed import ensure_seeded

    try:
        # The control endpoint needs this process's private token, so the environment is the only way in.
        faults = Faults.from_env()
    except FaultSwitchError as exc:
        raise ConfigError(exc.key, exc.problem) from None
    ensure_seeded(path)
    # A fresh token per process: the in-process sandbox is reachable only through this client.
    token = Secret(secrets.token_urlsafe(32))
    app = create_app(path, token, faults=faults)
    # A crash inside the sandbox reaches the client as the 500 a served sandbox would send, not as a raw exception.
    return InProcessApi(httpx.ASGITransport(app=app, raise_app_exceptions=False), token)
