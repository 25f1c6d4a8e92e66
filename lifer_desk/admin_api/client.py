"""The async httpx client the desk uses to act on lifer through the admin API."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Generator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from lifer_desk.admin_api.errors import AdminApiError, Unavailable, error_for, parse_retry_after
from lifer_desk.admin_api.models import (
    Erasure,
    ErasureRequest,
    ErasureScope,
    FeedbackPage,
    Health,
    Image,
    ImageDeletion,
    ImageList,
    Notification,
    NotifyRequest,
    NotifyTemplate,
    UserChanges,
    UserProfile,
    UserSummary,
    VerifyClaims,
    VerifyResult,
)
from lifer_desk.admin_api.retry import RETRYABLE_ERRORS, RetryPolicy, may_retry, worth_repeating
from lifer_desk.config import Secret

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
M = TypeVar("M", bound=BaseModel)


class BearerAuth(httpx.Auth):
    """Adds the token per request, so it lives in no client-wide header map and no repr shows it."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


def _segment(value: str) -> str:
    return quote(value, safe="")


def _require_key(idempotency_key: str) -> str:
    if not idempotency_key.strip():
        raise ValueError("an Idempotency-Key is required for every mutation")
    return idempotency_key


# Connections to the admin API at most; the outbox deliverer's lanes times its batch fit within.
MAX_CONNECTIONS = 128


class AdminClient:
    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        timeout: httpx.Timeout | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        in_process: bool = False,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.in_process = in_process
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_close = on_close
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=BearerAuth(token),
            timeout=timeout or httpx.Timeout(10.0, connect=3.0),
            transport=transport,
            headers={"Accept": "application/json, application/problem+json"},
            # As many kept-alive connections as are ever open: the outbox deliverer sends a whole batch at once,
            # and httpx's default (20 kept of 100) closed and reopened most of them on every round.
            limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS),
        )

    def __repr__(self) -> str:
        return f"AdminClient(base_url={str(self._http.base_url)!r}, in_process={self.in_process})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._on_close is not None:
            self._on_close()

    # -- calls -------------------------------------------------------------------------------------------

    async def health(self) -> Health:
        return await self._call(Health, "GET", "/v1/health")

    async def lookup_user(
        self, *, email: str | None = None, username: str | None = None, id: str | None = None
    ) -> UserSummary:
        given = {k: v for k, v in {"email": email, "username": username, "id": id}.items() if v is not None}
        if len(given) != 1:
            raise ValueError("look a user up by exactly one of email, username or id")
        return await self._call(UserSummary, "GET", "/v1/users", params=given)

    async def get_user(self, user_id: str) -> UserProfile:
        return await self._call(UserProfile, "GET", f"/v1/users/{_segment(user_id)}")

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult:
        body = claims.model_dump(exclude_none=True)
        return await self._call(VerifyResult, "POST", f"/v1/users/{_segment(user_id)}/verify", json=body)

    async def update_user(self, user_id: str, changes: UserChanges, *, etag: str, idempotency_key: str) -> UserProfile:
        return await self._call(
            UserProfile,
            "PATCH",
            f"/v1/users/{_segment(user_id)}",
            json=changes.model_dump(mode="json", exclude_none=True),
            headers={"If-Match": etag, "Idempotency-Key": _require_key(idempotency_key)},
        )

    async def list_images(self, user_id: str) -> list[Image]:
        page = await self._call(ImageList, "GET", f"/v1/users/{_segment(user_id)}/images")
        return page.items

    async def delete_image(self, user_id: str, image_id: str, *, idempotency_key: str) -> ImageDeletion:
        return await self._call(
            ImageDeletion,
            "DELETE",
            f"/v1/users/{_segment(user_id)}/images/{_segment(image_id)}",
            headers={"Idempotency-Key": _require_key(idempotency_key)},
        )

    async def start_erasure(
        self,
        user_id: str,
        scope: list[ErasureScope],
        reason: str,
        *,
        idempotency_key: str,
        notify: NotifyRequest | None = None,
    ) -> Erasure:
        body = ErasureRequest(scope=scope, reason=reason, notify=notify).model_dump(mode="json", exclude_none=True)
        return await self._call(
            Erasure,
            "POST",
            f"/v1/users/{_segment(user_id)}/erasure",
            json=body,
            headers={"Idempotency-Key": _require_key(idempotency_key)},
        )

    async def get_erasure(self, erasure_id: str) -> Erasure:
        return await self._call(Erasure, "GET", f"/v1/erasures/{_segment(erasure_id)}")

    async def notify(
        self, user_id: str, template: NotifyTemplate, params: dict[str, str], *, idempotency_key: str
    ) -> Notification:
        body = NotifyRequest(template=template, params=params).model_dump(mode="json")
        return await self._call(
            Notification,
            "POST",
            f"/v1/users/{_segment(user_id)}/notify",
            json=body,
            headers={"Idempotency-Key": _require_key(idempotency_key)},
        )

    async def list_feedback(self, after: str | None = None, limit: int = 100) -> FeedbackPage:
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        return await self._call(FeedbackPage, "GET", "/v1/feedback", params=params)

    # -- transport ---------------------------------------------------------------------------------------

    async def _call(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> M:
        request = self._http.build_request(method, path, params=params, json=json, headers=headers)
        response = await self._send(request)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise AdminApiError(
                response.status_code,
                "Malformed response",
                f"{method} {path}: {exc.error_count()} field(s) do not match {model.__name__}",
            ) from None

    async def _send(self, request: httpx.Request) -> httpx.Response:
        retryable = may_retry(request)
        what = f"{request.method} {request.url.path}"
        waited = 0.0
        for attempt in range(1, self._retry.max_attempts + 1):
            last = attempt == self._retry.max_attempts or not retryable
            try:
                response = await self._http.send(request)
            except httpx.HTTPError as exc:
                delay = None
                if not last and isinstance(exc, RETRYABLE_ERRORS):
                    delay = self._retry.backoff(attempt - 1, self._rng)
                if delay is None or waited + delay > self._retry.max_total_wait:
                    # Any httpx failure (a proxy refusing, an undecodable body) is a typed error, never a raw one.
                    title = "Admin API unreachable" if isinstance(exc, httpx.TransportError) else "Unreadable response"
                    raise Unavailable(503, title, f"{what}: {type(exc).__name__}") from exc
                log.warning("admin API %s failed (%s); retry %d in %.2fs", what, type(exc).__name__, attempt, delay)
            else:
                if response.is_success:
                    return response
                error = error_for(response)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = None
                if not last and worth_repeating(error):
                    delay = retry_after if retry_after is not None else self._retry.backoff(attempt - 1, self._rng)
                if delay is None or waited + delay > self._retry.max_total_wait:
                    raise error
                log.warning(
                    "admin API %s answered %d (%s); retry %d in %.2fs",
                    what,
                    response.status_code,
                    type(error).__name__,
                    attempt,
                    delay,
                )
            await self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable: the last attempt always returns or raises")
