"""The sandbox FastAPI app: the admin API v1 contract over the sandbox's own SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from lifer_desk.admin_api.models import Health
from lifer_desk.config import Secret
from lifer_desk.sandbox import erasures, feedback, notify, users
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.erasure_work import ErasureTiming, settle_erasures
from lifer_desk.sandbox.faults import Faults
from lifer_desk.sandbox.problems import TITLES, TYPE_NOTES, install_problem_handlers, problem_docs, problem_response
from lifer_desk.sandbox.runtime import Runtime, runtime, runtime_of

API_VERSION = "1.0.0"
CONTROL_PREFIX = "/_sandbox/"
DESCRIPTION = (
    "Admin API v1 of the lifer diary service, as served by the lifer-desk sandbox.\n\n"
    "Errors are RFC 9457 problem details. These `type`s tell apart the cases a client must handle differently "
    "(any other problem is `about:blank`, told apart by its status):\n\n"
    + "\n".join(f"- `{uri}` ({TITLES[uri]}): {note}." for uri, note in TYPE_NOTES.items())
)

log = logging.getLogger(__name__)


def create_app(
    db_path: Path,
    token: Secret,
    *,
    faults: Faults | None = None,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    erasure_timing: ErasureTiming | None = None,
) -> FastAPI:
    """An app over an already seeded `db_path` (see `seed.ensure_seeded`)."""
    app = FastAPI(
        title="lifer admin API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=_erasure_worker,
    )
    app.state.runtime = Runtime(
        db_path=db_path,
        token=token,
        faults=faults or Faults(),
        clock=clock or (lambda: datetime.now(UTC)),
        sleep=sleep,
        rng=rng or random.Random(),
        erasure_timing=erasure_timing or ErasureTiming(),
    )
    install_problem_handlers(app)
    app.add_middleware(_FaultInjection)
    app.include_router(users.router)
    app.include_router(erasures.router)
    app.include_router(feedback.router)
    app.include_router(notify.router)
    app.add_api_route("/v1/health", health, methods=["GET"], response_model=Health, responses=problem_docs())
    app.add_api_route(
        CONTROL_PREFIX + "faults", get_faults, methods=["GET"], include_in_schema=False,
        dependencies=[Depends(require_token)],
    )  # fmt: skip
    app.add_api_route(
        CONTROL_PREFIX + "faults", set_faults, methods=["PUT"], include_in_schema=False,
        dependencies=[Depends(require_token)],
    )  # fmt: skip
    return app


@contextlib.asynccontextmanager
async def _erasure_worker(app: FastAPI) -> AsyncIterator[None]:
    """When served (uvicorn runs the lifespan; ASGITransport does not), erasures also progress unobserved."""
    task = asyncio.create_task(_settle_every_tick(runtime_of(app)))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _settle_every_tick(state: Runtime) -> None:
    while True:
        await asyncio.sleep(state.erasure_timing.tick)
        try:
            settle_erasures(state.connection(), state.erasure_timing, state.clock())
        except sqlite3.Error:
            # A busy or briefly unavailable database: the next tick, or the next request, settles it.
            log.warning("sandbox erasure worker could not settle erasures", exc_info=True)


class _FaultInjection:
    """Latency, the error rate and the outage, before any route runs. A plain ASGI middleware: Starlette's
    `BaseHTTPMiddleware` (`app.middleware("http")`) cost more per call than the route itself (bench/outbox.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        state = runtime_of(scope["app"])
        faults = state.faults
        if faults.latency_ms:
            await state.sleep(faults.latency_ms / 1000)
        if faults.outage:
            await problem_response(503, "the sandbox is in a simulated outage", {"Retry-After": "5"})(
                scope, receive, send
            )
        elif faults.error_rate and state.rng.random() < faults.error_rate:
            await problem_response(503, "injected fault (error rate)")(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def health() -> Health:
    """Liveness; needs no token."""
    return Health(status="ok")


async def get_faults(request: Request) -> Faults:
    return runtime(request).faults


async def set_faults(request: Request, faults: Faults) -> Faults:
    runtime(request).faults = faults
    return faults
