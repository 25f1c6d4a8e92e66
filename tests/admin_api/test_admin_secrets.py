"""The token never shows in reprs, exceptions or logs; an unknown token gets a 401 problem detail."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import httpx
import pytest
import respx
from fastapi import FastAPI

from lifer_desk.admin_api import AdminClient, RetryPolicy, Unauthorized, Unavailable, VerifyClaims, open_admin_client
from lifer_desk.config import Secret, Settings
from tests.admin_api.admin_test_support import BASE_URL, TOKEN, Sleeps, pick_user


async def test_an_unknown_token_gets_401_as_a_problem_detail(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        response = await http.get("/v1/feedback", headers={"Authorization": "Bearer not-the-token"})
        missing = await http.get("/v1/users/usr_x")
    assert response.status_code == 401 == missing.status_code
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401 and response.json()["title"] == "Unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_the_client_maps_401_to_unauthorized(app: FastAPI, sleeps: Sleeps) -> None:
    transport = httpx.ASGITransport(app=app)
    async with AdminClient(BASE_URL, Secret("wrong"), transport=transport, sleep=sleeps) as admin:
        with pytest.raises(Unauthorized) as caught:
            await admin.list_feedback()
    assert caught.value.status == 401


async def test_token_absent_from_reprs_errors_and_debug_logs(
    client: AdminClient, db: sqlite3.Connection, caplog: pytest.LogCaptureFixture, sleeps: Sleeps
) -> None:
    secret = TOKEN.reveal()
    caplog.set_level(logging.DEBUG)
    user_id = pick_user(db)["id"]
    await client.verify(user_id, VerifyClaims(gender="male"))
    with respx.mock(base_url="https://admin.lifer.test") as mock:
        mock.get("/v1/health").mock(side_effect=httpx.ConnectError("refused"))
        async with AdminClient("https://admin.lifer.test", TOKEN, sleep=sleeps) as remote:
            with pytest.raises(Unavailable) as caught:
                await remote.health()
            texts = [repr(remote), repr(remote._http), repr(remote._http.auth), str(caught.value), repr(caught.value)]
    texts += [repr(client), caplog.text, repr(TOKEN), str(TOKEN)]
    assert caplog.records, "debug logging should have captured something to check"
    for text in texts:
        assert secret not in text
    assert "retry" in caplog.text


def test_a_url_without_a_token_is_a_config_error() -> None:
    from lifer_desk.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        open_admin_client(Settings(admin_url="https://admin.lifer.test"))
    assert caught.value.key == "LIFER_ADMIN_TOKEN"


class Loopback:
    """A bare HTTP/1.1 server on 127.0.0.1: answers every request with `body` (or never, when None), and keeps
    the head of each request it read. The desk reaches a configured admin API over a real socket, so this is
    what the transport under httpx talks to."""

    def __init__(self, body: bytes | None) -> None:
        self._body = body
        self.heads: list[str] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Loopback:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := (await reader.readuntil(b"\r\n\r\n")).decode():
            self.heads.append(head)
            if self._body is None:
                await reader.read()  # the client gives up first
                break
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(self._body)}\r\n\r\n".encode()
                + self._body
            )
            await writer.drain()
        writer.close()


async def test_a_configured_url_is_reached_over_the_network_with_the_bearer_token() -> None:
    async with Loopback(b'{"status": "ok"}') as server:
        settings = Settings(admin_url=server.url, admin_token=TOKEN)
        async with open_admin_client(settings) as admin:
            assert not admin.in_process
            assert (await admin.health()).status == "ok"
            await admin.health()
    assert len(server.heads) == 2
    assert all(f"authorization: bearer {TOKEN.reveal()}" in head.lower() for head in server.heads)


async def test_a_configured_read_timeout_gives_up_on_a_silent_admin_api() -> None:
    async with Loopback(None) as server:
        settings = Settings(admin_url=server.url, admin_token=TOKEN, admin_read_timeout=0.1)
        async with open_admin_client(settings) as admin:
            with pytest.raises(Unavailable) as caught:
                await admin.health()
    assert "unreachable" in str(caught.value)
    # A GET is safe to repeat: every attempt the retry policy allows reached the server, and each timed out.
    assert len(server.heads) == RetryPolicy().max_attempts
