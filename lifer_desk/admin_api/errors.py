"""Typed exceptions for the admin API's RFC 9457 problem details, and how a response becomes one."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import ValidationError

from lifer_desk.admin_api.models import Problem

if TYPE_CHECKING:
    # Only a type here: the exceptions must import without httpx (see the package's lazy names).
    import httpx


class ProblemType(StrEnum):
    """The `type` of the problem details a client must tell apart (DESIGN 5); other problems are "about:blank".

    Identifiers, not links: RFC 9457 lets a type URI be one that is never dereferenced, and clients compare them
    as strings. The OpenAPI contract (docs/admin-api.openapi.json) says what each means.
    """

    IN_FLIGHT = "urn:lifer:problem:in-flight"
    CONFLICT = "urn:lifer:problem:conflict"
    KEY_REUSED = "urn:lifer:problem:idempotency-key-reused"
    INVALID = "urn:lifer:problem:invalid-value"


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
    """409: the change conflicts with the account's state (a username taken); repeating it will not help."""


class PreconditionFailed(AdminApiError):
    """412 (stale If-Match) or 428 (If-Match missing)."""


class TryLater(AdminApiError):
    """A refusal that passes: `retry_after` is the server's Retry-After in seconds, when it gave one."""

    def __init__(self, status: int, title: str, detail: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(status, title, detail)
        self.retry_after = retry_after


class RateLimited(TryLater):
    """429."""


class InFlight(TryLater):
    """409: a request with this Idempotency-Key is still running; the same call with the same key may follow.

    Not a Conflict: nothing is wrong with the call, so a caller that gives up on a Conflict must not give up here.
    """


class Invalid(AdminApiError):
    """400 or 422: a value was refused; the call may be repeated, with the same key, once the value is corrected."""


class KeyReused(AdminApiError):
    """422: this Idempotency-Key already names another request (a different payload): the caller's bug.

    Not an Invalid: correcting the value cannot help, since the key stays bound to the first payload for 24 h.
    """


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
    429: RateLimited,
}

# A type says more than a status: two 409s (in flight, conflict) and two 422s (key reused, invalid) need
# different handling. A problem of another type (or "about:blank", from a server that sends none) falls back
# to its status.
_BY_TYPE: dict[str, type[AdminApiError]] = {
    ProblemType.IN_FLIGHT: InFlight,
    ProblemType.CONFLICT: Conflict,
    ProblemType.KEY_REUSED: KeyReused,
    ProblemType.INVALID: Invalid,
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
    kind = _BY_TYPE.get(problem.type)
    if kind is None:
        kind = Unavailable if status >= 500 else _BY_STATUS.get(status, AdminApiError)
    if issubclass(kind, TryLater):
        return kind(status, problem.title, problem.detail, parse_retry_after(response.headers.get("Retry-After")))
    return kind(status, problem.title, problem.detail)
