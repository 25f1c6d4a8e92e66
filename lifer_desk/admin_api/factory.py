"""Choose the admin API the desk talks to: the real service, or the sandbox in-process."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx

from lifer_desk.admin_api.client import AdminClient
from lifer_desk.config import ConfigError, Secret, Settings, data_dir

IN_PROCESS_URL = "http://sandbox.in-process"


def open_admin_client(settings: Settings, sandbox_path: Path | None = None) -> AdminClient:
    """A client for `settings.admin_url`, or for the in-process sandbox when no URL is set.

    The sandbox database is seeded on first use, which takes about a second.
    """
    timeout = httpx.Timeout(settings.admin_read_timeout, connect=settings.admin_connect_timeout)
    if settings.admin_url is not None:
        if settings.admin_token is None:
            raise ConfigError("LIFER_ADMIN_TOKEN", "is required when LIFER_ADMIN_URL is set")
        return AdminClient(settings.admin_url, settings.admin_token, timeout=timeout)
    # Imported here so that a desk configured for the real service never loads FastAPI.
    from lifer_desk.sandbox.app import create_app
    from lifer_desk.sandbox.faults import Faults, FaultSwitchError
    from lifer_desk.sandbox.seed import ensure_seeded

    try:
        # The control endpoint needs this process's private token, so the environment is the only way in.
        faults = Faults.from_env()
    except FaultSwitchError as exc:
        raise ConfigError(exc.key, exc.problem) from None
    path = sandbox_path or data_dir() / "sandbox.db"
    ensure_seeded(path)
    # A fresh token per process: the in-process sandbox is reachable only through this client.
    token = Secret(secrets.token_urlsafe(32))
    app = create_app(path, token, faults=faults)
    # A crash inside the sandbox reaches the client as the 500 a served sandbox would send, not as a raw exception.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return AdminClient(IN_PROCESS_URL, token, timeout=timeout, transport=transport, in_process=True)
