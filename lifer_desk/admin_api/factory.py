"""Choose the admin API the desk talks to: the real service, or one served inside this process.

Which app serves in-process (the sandbox) is decided where the app is put together, `lifer_desk.cli`, and
handed in here: admin_api must not import the sandbox, which itself builds on `admin_api.models`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from lifer_desk.admin_api.client import MAX_CONNECTIONS, AdminClient
from lifer_desk.config import ConfigError, Secret, Settings

IN_PROCESS_URL = "http://sandbox.in-process"


@dataclass(frozen=True)
class InProcessApi:
    """An admin API app in this process: the transport that reaches it and the token it expects."""

    transport: httpx.AsyncBaseTransport
    token: Secret


def network_transport() -> httpx.AsyncBaseTransport:
    """What carries the desk's calls to a real admin API: aiohttp's connection pool and C parser under httpx's
    interface. httpx's own (httpcore) cost the outbox deliverer twice the CPU per call (2.5 against 1.1 ms,
    8 at a time on a loaded 2-core machine), most of it in its pool checking every idle connection's socket on
    each request it hands out, at a thousand calls a second the deliverer's largest cost (issue 9's bench).
    Imported here, when a networked client is opened, not at start-up."""
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(limits=httpx.Limits(max_connections=MAX_CONNECTIONS))


def open_admin_client(settings: Settings, in_process: Callable[[], InProcessApi] | None = None) -> AdminClient:
    """A client for `settings.admin_url`, or, when no URL is set, for the app that `in_process` starts."""
    timeout = httpx.Timeout(settings.admin_read_timeout, connect=settings.admin_connect_timeout)
    if settings.admin_url is not None:
        if settings.admin_token is None:
            raise ConfigError("LIFER_ADMIN_TOKEN", "is required when LIFER_ADMIN_URL is set")
        return AdminClient(settings.admin_url, settings.admin_token, timeout=timeout, transport=network_transport())
    if in_process is None:
        raise ConfigError("LIFER_ADMIN_URL", "is required: this command has no in-process admin API")
    api = in_process()
    return AdminClient(IN_PROCESS_URL, api.token, timeout=timeout, transport=api.transport, in_process=True)
