"""The token never shows in reprs, exceptions or logs; an unknown token gets a 401 problem detail."""

from __future__ import annotations

import logging
import sqlite3

import httpx
import pytest
import respx
from fastapi import FastAPI

from lifer_desk.admin_api import AdminClient, Unauthorized, Unavailable, VerifyClaims, open_admin_client
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


async def test_a_configured_url_uses_the_bearer_token_over_http(sleeps: Sleeps) -> None:
    settings = Settings(admin_url="https://admin.lifer.test", admin_token=TOKEN, admin_read_timeout=7.0)
    with respx.mock(base_url="https://admin.lifer.test") as mock:
        route = mock.get("/v1/health").mock(return_value=httpx.Response(200, json={"status": "ok"}))
        async with open_admin_client(settings) as admin:
            assert not admin.in_process
            await admin.health()
    sent = route.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN.reveal()}"
    assert sent.extensions["timeout"] == {"connect": 3.0, "read": 7.0, "write": 7.0, "pool": 7.0}
