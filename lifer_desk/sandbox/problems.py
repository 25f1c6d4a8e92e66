"""RFC 9457 problem details: the one shape every sandbox error takes, and its OpenAPI description."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lifer_desk.admin_api.errors import ProblemType
from lifer_desk.admin_api.models import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
BLANK = "about:blank"

log = logging.getLogger(__name__)

# RFC 9457: a type's title is the same on every occurrence; the detail says what happened this time.
TITLES: dict[str, str] = {
    ProblemType.IN_FLIGHT: "Request in flight",
    ProblemType.CONFLICT: "Conflict with the account's state",
    ProblemType.KEY_REUSED: "Idempotency-Key reused",
    ProblemType.INVALID: "Invalid value",
}
TYPE_NOTES: dict[str, str] = {
    ProblemType.IN_FLIGHT: "a request with this Idempotency-Key is still running; repeat it after Retry-After",
    ProblemType.CONFLICT: "the change conflicts with the account's state (a username taken); do not repeat it",
    ProblemType.KEY_REUSED: "this Idempotency-Key was used with another payload; the caller must use a new key",
    ProblemType.INVALID: "a value was refused; correct it and repeat, with the same key if the call has one",
}
# Refusals before a call begins executing (validation, authentication, preconditions): never stored under an
# Idempotency-Key, so a retry with the same key and a corrected request runs (as Stripe does).
REFUSED_BEFORE_EXECUTING = frozenset({400, 401, 403, 412, 422, 428})
# What a 409 or a 422 is unless a route says otherwise; the other statuses tell their cases apart themselves.
_DEFAULT_TYPES: dict[int, str] = {409: ProblemType.CONFLICT, 422: ProblemType.INVALID}


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem_type: ProblemType | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem_type = problem_type
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return problem_response(self.status, self.detail, self.headers, problem_type=self.problem_type)


def problem_response(
    status: int, detail: str | None, headers: dict[str, str] | None = None, *, problem_type: ProblemType | None = None
) -> JSONResponse:
    uri = problem_type or _DEFAULT_TYPES.get(status, BLANK)
    body = Problem(type=uri, title=TITLES.get(uri) or HTTPStatus(status).phrase, status=status, detail=detail)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _validation_detail(exc: RequestValidationError) -> str:
    # Locations and messages only: echoing the rejected input could echo personal data.
    parts = [f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}" for err in exc.errors()]
    return "; ".join(parts)[:1000] or "invalid request"


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return exc.response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(422, _validation_detail(exc))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(exc.status_code, exc.detail, dict(exc.headers or {}))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The exception's text may hold SQL or personal data, so the caller gets none of it; the traceback goes
        # to the log here, since in-process (ASGITransport) no server logs it.
        log.error("sandbox %s %s failed", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "the sandbox failed unexpectedly")

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


def problem_docs(*statuses: int, keyed: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these statuses, plus the ones any call can get (400, 401, 422, 503).

    A `keyed` call takes an Idempotency-Key, so it can also get 409 in flight and 422 key reused, and its
    refusals before executing are not stored under the key.
    """
    types: dict[int, list[ProblemType]] = {409: [ProblemType.CONFLICT] if 409 in statuses else [], 422: []}
    if keyed:
        types[409].append(ProblemType.IN_FLIGHT)
        types[422].append(ProblemType.KEY_REUSED)
    types[422].append(ProblemType.INVALID)
    every = sorted({400, 401, 422, 503, *statuses, *([409] if keyed else [])})
    return {status: _response_doc(status, types.get(status, []), keyed) for status in every}


def _response_doc(status: int, kinds: list[ProblemType], keyed: bool) -> dict[str, Any]:
    description = HTTPStatus(status).phrase
    if kinds:
        description += ": " + " or ".join(f"`{kind}` ({TITLES[kind]})" for kind in kinds)
    if keyed and status in REFUSED_BEFORE_EXECUTING:
        description += ". Not stored under the Idempotency-Key: a retry with the same key and a corrected request runs."
    doc: dict[str, Any] = {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if ProblemType.IN_FLIGHT in kinds:
        lapse = "In flight only: seconds until the running claim lapses and a repeat takes it over."
        doc["headers"] = {"Retry-After": {"description": lapse, "schema": {"type": "integer", "minimum": 1}}}
    return doc
