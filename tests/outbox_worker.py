"""One deliverer process for the concurrency test: `python -m tests.outbox_worker DB_URL SANDBOX LOG AGENT`.

It opens the desk database and the sandbox (its own in-process app over the shared sandbox file), says `ready`,
waits for a line on stdin (so that every process starts delivering at once), delivers until nothing is pending
or in flight, and writes one line per mutation it sent (method and Idempotency-Key) to LOG.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import httpx

from lifer_desk.admin_api import AdminClient
from lifer_desk.config import Settings
from lifer_desk.sandbox.app import create_app
from lifer_desk.sandbox.erasure_work import ErasureTiming
from lifer_desk.services.context import DeskContext
from lifer_desk.services.outbox_deliverer import Deliverer
from lifer_desk.store.db import Database
from tests.admin_api.admin_test_support import BASE_URL, TOKEN


class SendLog(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, path: Path) -> None:
        self._inner = inner
        self._file = path.open("a", encoding="utf-8")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            self._file.write(f"{request.method} {request.headers['Idempotency-Key']}\n")
            self._file.flush()
        return await self._inner.handle_async_request(request)


async def deliver(ctx: DeskContext, sandbox: Path, log: Path) -> None:
    instant = ErasureTiming(pending=timedelta(0), running=timedelta(0))
    transport = SendLog(httpx.ASGITransport(app=create_app(sandbox, TOKEN, erasure_timing=instant)), log)
    async with AdminClient(BASE_URL, TOKEN, transport=transport, in_process=True) as api:
        # Small batches, so that the two processes take turns over the rows rather than one taking them all.
        await Deliverer(ctx, api, batch=4, poll_every=timedelta(milliseconds=50)).run(until_idle=True)


def main() -> None:
    db_url, sandbox, log, agent = sys.argv[1:5]
    db = Database(db_url, create=False)
    ctx = DeskContext(db, Settings(database_url=db_url), agent, "agent")
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(deliver(ctx, Path(sandbox), Path(log)))
    db.dispose()


if __name__ == "__main__":
    main()
