"""Bearer-token check for the sandbox's routes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lifer_desk.sandbox.problems import ProblemError
from lifer_desk.sandbox.runtime import runtime

_bearer = HTTPBearer(auto_error=False, description="The admin-API token.")


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    # async, though it never waits: FastAPI runs a plain function dependency in a worker thread, and that hop
    # cost more than the check itself on every call.
    expected = runtime(request).token.reveal().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not hmac.compare_digest(given, expected):
        raise ProblemError(401, "missing or unknown bearer token", headers={"WWW-Authenticate": "Bearer"})
