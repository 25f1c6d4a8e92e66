"""Typed exceptions for the admin API's RFC 9457 problem details, and how a response becomes one."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from lifer_desk.admin_api.models import Problem

if TYPE_CHECKING:
    # Only a type here: the exceptions must import without httpx (see the package's lazy names).
    import httpx


class AdminApiError(Exception):
    """A failed admin-API call; carries the server's problem detail, never request headers."""

    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else ""))
        self.status = status
        self.title = title
        self.detail = detail


class NotFound(AdminApiError):
    pass


class Conflict(AdminApiError):
    pass


class PreconditionFailed(AdminApiError):
    """412 (stale If-Match) or 428 (If-Match missing)."""


class RateLimited(AdminApiError):
    def __init__(self, status: int, title: str, detail: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(status, title, detail)
        self.retry_after = retry_after


class Invalid(AdminApiError):
    pass


class Unauthorized(AdminApiError):
    pass


class Unavailable(AdminApiError):
    """The service is down, overloaded or unreachable (5xx or a transport failure)."""


_BY_STATUS: dict[int, type[AdminApiError]] = {
    400: Invalid,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    410: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    428: PreconditionFailed,
    422: Invalid,
}

_MAX_DETAIL = 500


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, from either form RFC 9110 allows: delta-seconds or an HTTP date."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if seconds >= 0 and math.isfinite(seconds) else None


def _problem(response: httpx.Response) -> Problem:
    """The response's problem detail, or one made up from the status when the body is not one."""
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        # A proxy's HTML page or a truncated body: keep a short, single-line excerpt as the detail.
        excerpt = " ".join(response.text.split())[:_MAX_DETAIL] or None
        return Problem(title=response.reason_phrase or "Error", status=response.status_code, detail=excerpt)


def error_for(response: httpx.Response) -> AdminApiError:
    problem = _problem(response)
    status = response.status_code
    if status == 429:
        return RateLimited(
            status, problem.title, problem.detail, parse_retry_after(response.headers.get("Retry-After"))
        )
    if status >= 500:
        return Unavailable(status, problem.title, problem.detail)
    return _BY_STATUS.get(status, AdminApiError)(status, problem.title, problem.detail)
