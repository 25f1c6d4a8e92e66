"""RFC 9457 problem details: the one shape every sandbox error takes, and its OpenAPI description."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lifer_desk.admin_api.models import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"

log = logging.getLogger(__name__)


class ProblemError(Exception):
    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return problem_response(self.status, self.detail, self.headers)


def problem_response(status: int, detail: str | None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
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


def problem_docs(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these statuses, plus the ones any call can get (400, 401, 422, 503)."""
    every = sorted({400, 401, 422, 503, *statuses})
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in every
    }
