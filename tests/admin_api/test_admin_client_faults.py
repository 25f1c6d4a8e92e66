"""Retries, backoff and error mapping under injected faults (respx, or a transport wrapping the sandbox)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import httpx
import pytest
import respx
import time_machine
from fastapi import FastAPI

from lifer_desk.admin_api import (
    AdminApiError,
    AdminClient,
    Conflict,
    InFlight,
    Invalid,
    KeyReused,
    PreconditionFailed,
    ProblemType,
    RateLimited,
    Unavailable,
    UserChanges,
)
from tests.admin_api.admin_test_support import TOKEN, Sleeps, user_with_images

URL = "https://admin.lifer.test"
HEALTHY = httpx.Response(200, json={"status": "ok"})
PROFILE = {
    "id": "usr_1", "email_masked": "a***@b.c", "username_masked": "a***", "registered_at": "2024-01-01T00:00:00Z",
    "status": "active", "minor": False, "under_14": False, "guardian_consent": None, "etag": '"usr_1.v2"',
    "language": "en", "image_count": 0, "diary_entry_count": 0, "payment_link_count": 0,
}  # fmt: skip


def remote(sleeps: Sleeps) -> AdminClient:
    return AdminClient(URL, TOKEN, sleep=sleeps)


class LoseFirstResponse(httpx.AsyncBaseTransport):
    """Delivers the first matching request to the sandbox, then acts as if the reply timed out."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str) -> None:
        self._inner = inner
        self._method = method
        self.keys: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method == self._method:
            self.keys.append(request.headers.get("Idempotency-Key"))
            if len(self.keys) == 1:
                raise httpx.ReadTimeout("timed out reading the response", request=request)
        return response


async def test_read_timeout_on_delete_retries_with_the_same_key_and_deletes_once(
    app: FastAPI, db: sqlite3.Connection, sleeps: Sleeps
) -> None:
    row = user_with_images(db)
    image_id = db.execute("SELECT id FROM image WHERE user_id = ?", (row["id"],)).fetchone()[0]
    transport = LoseFirstResponse(httpx.ASGITransport(app=app), "DELETE")
    async with AdminClient("http://sandbox.test", TOKEN, transport=transport, sleep=sleeps) as admin:
        deleted = await admin.delete_image(row["id"], image_id, idempotency_key="outbox-17")
    assert deleted.image_id == image_id
    assert transport.keys == ["outbox-17", "outbox-17"]
    assert len(sleeps.calls) == 1
    deletions = db.execute("SELECT count(*) FROM deletion WHERE object_id = ?", (image_id,)).fetchone()[0]
    assert deletions == 1
    assert db.execute("SELECT count(*) FROM image WHERE id = ?", (image_id,)).fetchone()[0] == 0


@respx.mock(base_url=URL, assert_all_called=True)
async def test_503_three_times_then_200(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.get("/v1/health").mock(side_effect=[httpx.Response(503)] * 3 + [HEALTHY])
    async with remote(sleeps) as admin:
        assert (await admin.health()).status == "ok"
    assert route.call_count == 4
    assert len(sleeps.calls) == 3
    # Full jitter: each wait is within its exponential ceiling.
    assert all(0 <= wait <= 0.25 * 2**n for n, wait in enumerate(sleeps.calls))


@respx.mock(base_url=URL)
async def test_503_on_every_attempt_becomes_unavailable(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.get("/v1/health").mock(return_value=httpx.Response(503))
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable) as caught:
            await admin.health()
    assert caught.value.status == 503
    assert route.call_count == 4


@respx.mock(base_url=URL)
async def test_429_honours_retry_after(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "1"}, json={"title": "Too Many Requests", "status": 429})
    respx_mock.get("/v1/feedback").mock(side_effect=[limited, httpx.Response(200, json={
        "items": [], "next_cursor": None, "has_more": False})])  # fmt: skip
    async with remote(sleeps) as admin:
        page = await admin.list_feedback()
    assert page.items == []
    assert sleeps.calls == [1.0]


@respx.mock(base_url=URL)
async def test_retries_stop_once_waiting_would_pass_the_budget(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    # An agent is waiting on the other end: three 5 s Retry-Afters would keep the screen on "Looking up…" for 15 s.
    route = respx_mock.get("/v1/health").mock(return_value=httpx.Response(503, headers={"Retry-After": "5"}))
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable):
            await admin.health()
    assert sleeps.calls == [5.0]
    assert route.call_count == 2


@respx.mock(base_url=URL)
async def test_a_long_retry_after_is_reported_not_slept(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    respx_mock.get("/v1/health").mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    async with remote(sleeps) as admin:
        with pytest.raises(RateLimited) as caught:
            await admin.health()
    assert caught.value.retry_after == 3600
    assert sleeps.calls == []


@pytest.mark.parametrize(("status", "error"), [(412, PreconditionFailed), (422, Invalid)])
@respx.mock(base_url=URL)
async def test_412_and_422_are_not_retried(
    respx_mock: respx.MockRouter, sleeps: Sleeps, status: int, error: type[AdminApiError]
) -> None:
    problem = {"type": "about:blank", "title": "Nope", "status": status, "detail": "server says why"}
    route = respx_mock.patch("/v1/users/usr_1").mock(return_value=httpx.Response(status, json=problem))
    async with remote(sleeps) as admin:
        with pytest.raises(error) as caught:
            await admin.update_user("usr_1", UserChanges(gender="male"), etag='"x"', idempotency_key="k")
    assert (caught.value.status, caught.value.title, caught.value.detail) == (status, "Nope", "server says why")
    assert route.call_count == 1
    assert sleeps.calls == []


@respx.mock(base_url=URL)
async def test_a_connection_reset_is_retried(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    reset = httpx.ReadError("[Errno 104] Connection reset by peer")
    route = respx_mock.patch("/v1/users/usr_1").mock(side_effect=[reset, httpx.Response(200, json=PROFILE)])
    async with remote(sleeps) as admin:
        profile = await admin.update_user("usr_1", UserChanges(gender="male"), etag='"x"', idempotency_key="k")
    assert profile.etag == '"usr_1.v2"'
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == ["k", "k"]


@respx.mock(base_url=URL)
async def test_an_unkeyed_post_is_not_retried(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    from lifer_desk.admin_api import VerifyClaims

    route = respx_mock.post("/v1/users/usr_1/verify").mock(side_effect=httpx.ConnectError("refused"))
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable):
            await admin.verify("usr_1", VerifyClaims(gender="male"))
    assert route.call_count == 1


@respx.mock(base_url=URL)
async def test_an_html_502_becomes_unavailable(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>"
    respx_mock.get("/v1/health").mock(return_value=httpx.Response(502, html=page))
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable) as caught:
            await admin.health()
    assert caught.value.status == 502
    assert caught.value.title == "Bad Gateway"
    assert "502 Bad Gateway" in (caught.value.detail or "") and "\n" not in (caught.value.detail or "")


@respx.mock(base_url=URL)
async def test_malformed_bodies_become_typed_errors(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    respx_mock.get("/v1/users/usr_1").mock(return_value=httpx.Response(404, content=b'{"title": '))
    respx_mock.get("/v1/health").mock(return_value=httpx.Response(200, json={"unexpected": True}))
    async with remote(sleeps) as admin:
        with pytest.raises(AdminApiError) as not_found:
            await admin.get_user("usr_1")
        with pytest.raises(AdminApiError) as malformed:
            await admin.health()
    assert not_found.value.status == 404 and type(not_found.value).__name__ == "NotFound"
    assert malformed.value.title == "Malformed response"


@respx.mock(base_url=URL)
async def test_retry_after_as_an_http_date_is_honoured(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    busy = httpx.Response(503, headers={"Retry-After": "Sun, 01 Jun 2025 09:00:04 GMT"})
    respx_mock.get("/v1/health").mock(side_effect=[busy, HEALTHY])
    with time_machine.travel(datetime(2025, 6, 1, 9, 0, 0, tzinfo=UTC), tick=False):
        async with remote(sleeps) as admin:
            assert (await admin.health()).status == "ok"
    assert sleeps.calls == [4.0]


@pytest.mark.parametrize(
    "failure",
    [httpx.ProxyError("proxy said no"), httpx.UnsupportedProtocol("gopher://")],
)
@respx.mock(base_url=URL)
async def test_other_httpx_failures_are_typed_and_not_retried(
    respx_mock: respx.MockRouter, sleeps: Sleeps, failure: httpx.HTTPError
) -> None:
    route = respx_mock.get("/v1/health").mock(side_effect=failure)
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable) as caught:
            await admin.health()
    assert type(failure).__name__ in (caught.value.detail or "")
    assert route.call_count == 1 and sleeps.calls == []


@respx.mock(base_url=URL)
async def test_a_corrupt_compressed_body_is_a_typed_error(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    garbled = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip at all"))
    respx_mock.get("/v1/health").mock(return_value=garbled)
    async with remote(sleeps) as admin:
        with pytest.raises(Unavailable) as caught:
            await admin.health()
    assert caught.value.title == "Unreadable response"


@respx.mock(base_url=URL)
async def test_428_is_precondition_failed(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    problem = {"title": "Precondition Required", "status": 428, "detail": "If-Match is required"}
    respx_mock.patch("/v1/users/usr_1").mock(return_value=httpx.Response(428, json=problem))
    async with remote(sleeps) as admin:
        with pytest.raises(PreconditionFailed) as caught:
            await admin.update_user("usr_1", UserChanges(gender="male"), etag='"x"', idempotency_key="k")
    assert (caught.value.status, caught.value.detail) == (428, "If-Match is required")


def in_flight(retry_after: str) -> httpx.Response:
    problem = {"type": ProblemType.IN_FLIGHT, "title": "Request in flight", "status": 409,
               "detail": "a request with this Idempotency-Key is still being processed"}  # fmt: skip
    return httpx.Response(409, headers={"Retry-After": retry_after}, json=problem)


IMAGE_PATH = "/v1/users/usr_1/images/img_1"
DELETED = httpx.Response(200, json={"image_id": "img_1", "deleted_at": "2025-06-01T09:00:00Z"})


@respx.mock(base_url=URL)
async def test_in_flight_is_waited_out_and_retried(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.delete(IMAGE_PATH).mock(side_effect=[in_flight("1"), DELETED])
    async with remote(sleeps) as admin:
        deleted = await admin.delete_image("usr_1", "img_1", idempotency_key="outbox-3")
    assert deleted.image_id == "img_1"
    assert sleeps.calls == [1.0]
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == ["outbox-3", "outbox-3"]


@respx.mock(base_url=URL)
async def test_still_in_flight_past_the_budget_raises_in_flight(respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.delete(IMAGE_PATH).mock(return_value=in_flight("3"))
    async with remote(sleeps) as admin:
        with pytest.raises(InFlight) as caught:
            await admin.delete_image("usr_1", "img_1", idempotency_key="outbox-3")
    # 3 + 3 fit the 8 s budget, a third wait would not: the caller (the outbox) gets when to try again.
    assert sleeps.calls == [3.0, 3.0] and route.call_count == 3
    assert caught.value.retry_after == 3.0
    assert not isinstance(caught.value, Conflict)


@pytest.mark.parametrize("type_", [ProblemType.CONFLICT, "about:blank"])
@respx.mock(base_url=URL)
async def test_a_conflict_is_not_retried(respx_mock: respx.MockRouter, sleeps: Sleeps, type_: str) -> None:
    problem = {"type": type_, "title": "Conflict", "status": 409, "detail": "username is already taken"}
    route = respx_mock.patch("/v1/users/usr_1").mock(return_value=httpx.Response(409, json=problem))
    async with remote(sleeps) as admin:
        with pytest.raises(Conflict) as caught:
            await admin.update_user("usr_1", UserChanges(username="taken"), etag='"x"', idempotency_key="k")
    assert not isinstance(caught.value, InFlight)
    assert route.call_count == 1 and sleeps.calls == []


@pytest.mark.parametrize(
    ("type_", "error"), [(ProblemType.KEY_REUSED, KeyReused), (ProblemType.INVALID, Invalid), ("about:blank", Invalid)]
)
@respx.mock(base_url=URL)
async def test_a_422_is_mapped_by_its_type(
    respx_mock: respx.MockRouter, sleeps: Sleeps, type_: str, error: type[AdminApiError]
) -> None:
    problem = {"type": type_, "title": "Refused", "status": 422}
    respx_mock.patch("/v1/users/usr_1").mock(return_value=httpx.Response(422, json=problem))
    async with remote(sleeps) as admin:
        with pytest.raises(AdminApiError) as caught:
            await admin.update_user("usr_1", UserChanges(gender="male"), etag='"x"', idempotency_key="k")
    assert type(caught.value) is error
