"""Issue 9's outbox: deliver 2,000 approved image deletions and 200 account erasures over the served sandbox.

The requests are raised and approved through the services on a fresh desk database, once; each run then
starts from a copy of it and of a freshly seeded sandbox, serves the sandbox with `lifer-desk sandbox serve`,
and runs deliverers as separate processes (`Deliverer.run(until_idle=True)`, as `lifer-desk outbox run
--until-idle` does) until every row is done. Four runs, compared in one go:

- clean: throughput, in mutations (DELETEs and erasure POSTs) per second from start to the last mutation the
  sandbox accepted, as its own database records them. The run itself ends later: each erasure runs 5 s in the
  sandbox (ErasureTiming) before the deliverer's next read finds it completed, and each completed request's
  confirmation goes out after it. That tail is printed too, but it is the sandbox's clock, not the deliverers'
  work: on a machine where one deliverer sends everything within about 5 s, the run's length is the last
  erasure's 5 s, however many deliverers share the work, and a ratio of run lengths would say nothing;
- `LIFER_SANDBOX_ERROR_RATE=0.1`: everything still completes;
- a 30 s outage in the middle (switched on at the sandbox's control endpoint once a quarter of the rows are
  done): everything completes, and the first row is done again within 5 s of the outage ending;
- two deliverers at once: throughput scales.
Duplicates are counted in the sandbox's own database (an object deleted twice, an account erased twice).
CPU is measured per mutation: each deliverer's while it delivers (and its whole process, start-up included),
and the sandbox server's; on a 2-core machine two deliverers can only scale while one deliverer leaves the
second core idle, so their ratio is worth reading only on an idle machine (the load average is printed).

    python -m bench.outbox [--images 2000] [--erasures 200] [--quick] [--pairs N] [--pg]

`--pg` keeps the desk on PostgreSQL (a database of its own at LIFER_TEST_PG_URL, dropped afterwards; the
leases there take `FOR UPDATE SKIP LOCKED`) instead of SQLite; the sandbox keeps its own SQLite either way.

`--quick` runs the sandbox alone, one deliverer and two deliverers (no fault runs), for a figure in a minute.
`--pairs N` adds N more pairs of runs (two deliverers, then one) and prints the median ratio: on a shared
machine one pair's ratio swings with the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

TARGET_RATE = 200.0
TARGET_RECOVERY_S = 5.0
OUTAGE_S = 30.0
ERROR_RATE = 0.1
TOKEN = "bench-outbox-token-3c1f"
AGENT, SUPERVISOR = "bench.agent", "bench.supervisor"
ROOT = Path(__file__).resolve().parent.parent


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the deliverer process ----------------------------------------------------------------------------------------


def _deliver(desk_url: str, admin_url: str) -> None:
    # The admin client logs each retry it makes; thousands of them under faults would drown the figures.
    logging.getLogger("lifer_desk").setLevel(logging.ERROR)
    from sqlalchemy import event

    from lifer_desk.admin_api import open_admin_client
    from lifer_desk.config import Secret, Settings
    from lifer_desk.services.context import DeskContext
    from lifer_desk.services.outbox_deliverer import Deliverer
    from lifer_desk.store import writer_queue
    from lifer_desk.store.db import Database, is_busy

    db = Database(desk_url, create=False)
    settings = Settings(database_url=desk_url, admin_url=admin_url, admin_token=Secret(TOKEN))
    ctx = DeskContext(db=db, settings=settings, agent=AGENT, role="agent")
    share = Share()
    # How long this deliverer holds the write lock: from its transaction's begin (SQLite's BEGIN IMMEDIATE,
    # which this listener follows) to its commit; on PostgreSQL the same span, the audit head locked within it.
    began: list[float] = []
    event.listen(db.engine, "begin", lambda _conn: began.append(time.perf_counter()))

    def ended(_conn: Any) -> None:
        if began:
            share.held_s += time.perf_counter() - began.pop()
            share.transactions += 1

    event.listen(db.engine, "commit", ended)
    event.listen(db.engine, "rollback", ended)

    def failed(context: Any) -> None:
        # A statement the other deliverer's lock refused (SQLite's BEGIN IMMEDIATE is asked again in rounds).
        share.busy += is_busy(context.original_exception)

    event.listen(db.engine, "handle_error", failed)
    if db.engine.dialect.name == "sqlite":
        # The desks' line for SQLite's write lock (store.writer_queue): how long this deliverer stood in it.
        acquire = writer_queue.acquire

        def queued(path: Path, deadline: float) -> int | None:
            started = time.perf_counter()
            try:
                return acquire(path, deadline)
            finally:
                share.queue_s += time.perf_counter() - started

        writer_queue.acquire = queued

    class Counted(Deliverer):
        async def run_once(self, owner: str | None = None) -> int:
            started = time.perf_counter()
            leased = await super().run_once(owner)
            share.rows += leased
            share.rounds += leased > 0
            share.empty_rounds += leased == 0
            share.rounds_s += time.perf_counter() - started
            return leased

        def _lease(self, owner: str, limit: int, due_only: bool) -> list[Any]:
            started = time.perf_counter()
            try:
                return super()._lease(owner, limit, due_only)
            finally:
                share.lease_s += time.perf_counter() - started

        def _record(self, owner: str, answers: list[Any], recovered: bool) -> None:
            started = time.perf_counter()
            try:
                super()._record(owner, answers, recovered)
            finally:
                share.record_s += time.perf_counter() - started

    async def sleep(seconds: float) -> None:
        share.slept_s += seconds
        await asyncio.sleep(seconds)

    async def run() -> None:
        # Opened as `lifer-desk outbox run` opens it, transport included.
        async with open_admin_client(settings) as api:
            await Counted(ctx, api, sleep=sleep).run(until_idle=True)

    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    asyncio.run(run())
    share.cpu_s = time.process_time() - cpu
    db.dispose()
    print(json.dumps(asdict(share)), flush=True)


@dataclass
class Share:
    """One deliverer's part of a run: rows it leased (and sent), its rounds, its transactions (reads
    included) and the seconds they were open."""

    rows: int = 0
    rounds: int = 0
    # Rounds that found nothing due (the other deliverer held what was left, or every row waited), then slept.
    empty_rounds: int = 0
    transactions: int = 0
    held_s: float = 0.0
    # Wall seconds: in rounds, in their lease and record transactions (lock waits included), asleep between.
    rounds_s: float = 0.0
    lease_s: float = 0.0
    record_s: float = 0.0
    slept_s: float = 0.0
    # CPU seconds of the whole process over its run; statements refused as busy; seconds in the writers' line.
    cpu_s: float = 0.0
    busy: int = 0
    queue_s: float = 0.0


# --- preparing the databases --------------------------------------------------------------------------------------


def _targets(sandbox: Path, images: int, erasures: int) -> tuple[dict[str, list[str]], list[str]]:
    """Accounts and the images to delete on each (`images` in all), and `erasures` other accounts to erase."""
    conn = sqlite3.connect(sandbox)
    try:
        rows = conn.execute("SELECT user_id, id FROM image ORDER BY user_id, id LIMIT ?", (images,)).fetchall()
        if len(rows) < images:
            raise SystemExit(f"the sandbox holds only {len(rows):,} images")
        by_account: dict[str, list[str]] = {}
        for user, image in rows:
            by_account.setdefault(user, []).append(image)
        others = conn.execute(
            "SELECT id FROM user WHERE id NOT IN (SELECT user_id FROM image) ORDER BY id LIMIT ?", (erasures,)
        ).fetchall()
        return by_account, [user for (user,) in others]
    finally:
        conn.close()


class Desks:
    """The desk database the requests are prepared in, and a fresh copy of it for each run: a copied file on
    SQLite; on PostgreSQL (`--pg`, from LIFER_TEST_PG_URL) databases of their own, the copies made from the
    prepared one as a template, all dropped at the end."""

    def __init__(self, workdir: Path, pg_url: str | None) -> None:
        self._workdir, self._pg_url, self._made = workdir, pg_url, list[str]()
        self.kind = "PostgreSQL" if pg_url else "SQLite"
        self.prepared = self._new("prepared")

    def _admin(self) -> Any:
        import psycopg
        from sqlalchemy.engine import make_url

        assert self._pg_url is not None
        dsn = make_url(self._pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True)

    def _new(self, name: str, template: str | None = None) -> str:
        if self._pg_url is None:
            path = self._workdir / f"{name}-desk.db"
            if template is not None:
                shutil.copyfile(template.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        from sqlalchemy.engine import make_url

        database = f"lifer_bench_outbox_{name}_{os.getpid()}"
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            source = f' TEMPLATE "{make_url(template).database}"' if template else ""
            admin.execute(f'CREATE DATABASE "{database}"{source}')
        self._made.append(database)
        url = make_url(self._pg_url).set(drivername="postgresql+psycopg", database=database)
        return url.render_as_string(hide_password=False)

    def copy(self, name: str) -> str:
        return self._new(name, self.prepared)

    def drop(self) -> None:
        if self._pg_url is None:
            return
        with self._admin() as admin:
            for database in self._made:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _desk_count(url: str, sql: str) -> int:
    return int(_desk_value(url, sql))


def _desk_value(url: str, sql: str) -> Any:
    """The one value `sql` selects from the desk database."""
    if url.startswith("sqlite:///"):
        return _value(Path(url.removeprefix("sqlite:///")), sql)
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


def _last_done(url: str) -> datetime:
    """When the run's last row was done (UTC), as the deliverer that did it recorded it."""
    value = _desk_value(url, "SELECT max(done_at) FROM outbox")
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _last_mutation(sandbox: Path) -> datetime:
    """When the sandbox accepted the run's last mutation (UTC): a DELETE of an image (a deletion of no erasure's)
    or the POST of an erasure (when it was requested, not when it completed)."""
    value = _value(
        sandbox,
        "SELECT max(at) FROM (SELECT max(deleted_at) AS at FROM deletion WHERE erasure_id IS NULL"
        " UNION ALL SELECT max(requested_at) FROM erasure)",
    )
    return datetime.fromisoformat(value)


def _prepare(workdir: Path, desks: Desks, images: int, erasures: int) -> tuple[Path, str, int]:
    """A seeded sandbox, and the desk database holding the approved requests; returns both and the mutations."""
    from lifer_desk.config import Settings
    from lifer_desk.domain.identity import Outcome
    from lifer_desk.domain.requests import DeletionScope
    from lifer_desk.domain.tickets import Category, Channel, Priority
    from lifer_desk.sandbox.seed import ensure_seeded
    from lifer_desk.services import requests, tickets
    from lifer_desk.services.agents import Actor, add_agent
    from lifer_desk.services.context import DeskContext
    from lifer_desk.store import verifications
    from lifer_desk.store.db import Database
    from lifer_desk.store.migrate import upgrade

    sandbox = workdir / "sandbox.db"
    ensure_seeded(sandbox)
    by_account, erased = _targets(sandbox, images, erasures)
    url = desks.prepared
    db = Database(url, create=True)
    upgrade(db)
    operator = Actor("bench", operator=True)
    add_agent(db, actor=operator, name=AGENT, role="agent", display_name=AGENT)
    add_agent(db, actor=operator, name=SUPERVISOR, role="supervisor", display_name=SUPERVISOR)
    ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=AGENT, role="agent")
    boss = replace(ctx, agent=SUPERVISOR, role="supervisor")
    jobs = [(account, DeletionScope.IMAGES, tuple(ids)) for account, ids in by_account.items()]
    jobs += [(account, DeletionScope.ACCOUNT, ()) for account in erased]
    started = time.perf_counter()
    for n, (account, scope, ids) in enumerate(jobs, 1):
        draft = tickets.TicketDraft(
            Channel.PHONE, "deletion", "please delete", "+86 138 0000 0000", "caller", Category.DELETION,
            Priority.NORMAL, account_id=account,
        )  # fmt: skip
        ticket_id = tickets.open_ticket(ctx, draft).id
        now = ctx.clock()
        with db.write() as session:
            verifications.add_attempt(
                session, ticket_id=ticket_id, account_id=account, agent=AGENT, fields_stated=["email", "username"],
                results={"email": "match", "username": "match"}, outcome=Outcome.VERIFIED, attempt=1, at=now,
                expires_at=now + timedelta(hours=24),
            )  # fmt: skip
        raised = requests.raise_deletion(ctx, ticket_id, scope, etag=None, image_ids=ids)
        requests.approve(boss, raised.id)
        if n % 200 == 0 or n == len(jobs):
            _say(f"  raised and approved {n:,} / {len(jobs):,} requests ({time.perf_counter() - started:.0f} s)")
    db.dispose()
    return sandbox, url, images + len(erased)


# --- one run ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    # From the start to the last row done (the erasures' 5 s and the confirmations included), and to the last
    # mutation the sandbox accepted, which `rate` counts over.
    seconds: float
    sent_s: float
    exited_s: float
    mutations: int
    rate: float
    duplicates: int
    unfinished: int
    recovery_s: float | None
    # CPU seconds per mutation: of the deliverer processes (all of them, start-up and imports included), and of
    # the sandbox server beside them.
    deliverer_cpu: float
    server_cpu: float | None
    shares: list[Share] = field(default_factory=list)

    @property
    def delivering_cpu(self) -> float:
        """The deliverers' CPU seconds per mutation from the start of the run to their exit: without the start-up
        each process pays once (about 0.8 s of imports here), which counted twice with two of them."""
        return sum(share.cpu_s for share in self.shares) / self.mutations


def _cpu_of(pid: int) -> float | None:
    """A running process's CPU time so far (user and system), from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(sandbox: Path, port: int, error_rate: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LIFER_ADMIN_TOKEN": TOKEN, "LIFER_SANDBOX_ERROR_RATE": str(error_rate)}
    server = subprocess.Popen(
        [sys.executable, "-m", "lifer_desk", "sandbox", "serve", "--port", str(port), "--db", str(sandbox)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the sandbox did not start")


def _fresh_copy(source: Path, target: Path) -> Path:
    """`source` copied to `target`, without the WAL a server stopped before it checkpointed left beside the copy
    of an earlier run: SQLite would replay that run's writes onto this one's fresh file."""
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def _count(path: Path, sql: str) -> int:
    return int(_value(path, sql))


def _value(path: Path, sql: str) -> Any:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _outage(desk: str, admin_url: str, rows: int, result: dict[str, float]) -> None:
    """Once a quarter of the rows are done, switch the sandbox off for OUTAGE_S, then time the recovery."""
    done = "SELECT count(*) FROM outbox WHERE state = 'done'"
    while _desk_count(desk, done) < rows // 4:
        time.sleep(0.02)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    httpx.put(f"{admin_url}/_sandbox/faults", json={"outage": True}, headers=headers).raise_for_status()
    _say(f"  outage on for {OUTAGE_S:.0f} s")
    time.sleep(OUTAGE_S)
    before = _desk_count(desk, done)
    httpx.put(f"{admin_url}/_sandbox/faults", json={"outage": False}, headers=headers).raise_for_status()
    ended = time.perf_counter()
    while _desk_count(desk, done) == before:
        time.sleep(0.02)
    result["recovery_s"] = time.perf_counter() - ended


def _run(prepared: tuple[Path, str, int], workdir: Path, desks: Desks, *, deliverers: int = 1,
         error_rate: float = 0.0, outage: bool = False) -> Outcome:  # fmt: skip
    source_sandbox, _source_desk, mutations = prepared
    sandbox = _fresh_copy(source_sandbox, workdir / "run-sandbox.db")
    desk = desks.copy(f"run{time.monotonic_ns()}")
    port = _free_port()
    admin_url = f"http://127.0.0.1:{port}"
    server = _serve(sandbox, port, error_rate)
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.outbox", "--deliver", desk, admin_url],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(deliverers)
        ]
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        rows = _desk_count(desk, "SELECT count(*) FROM outbox")
        recovery: dict[str, float] = {}
        watcher = threading.Thread(target=_outage, args=(desk, admin_url, rows, recovery)) if outage else None
        server_before = _cpu_of(server.pid)
        children_before = os.times()
        started, started_at = time.perf_counter(), datetime.now(UTC)
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.close()
        if watcher is not None:
            watcher.start()
        shares = []
        for proc in procs:
            if proc.wait(timeout=900) != 0:
                raise SystemExit(f"a deliverer failed (exit {proc.returncode})")
        exited = time.perf_counter() - started
        for proc in procs:
            assert proc.stdout is not None
            shares.append(Share(**json.loads(proc.stdout.read().strip().splitlines()[-1])))
        # The deliverers are this process's only children reaped so far (the server is reaped below).
        children = os.times()
        deliverer_cpu = (children.children_user + children.children_system) - (
            children_before.children_user + children_before.children_system
        )
        server_after = _cpu_of(server.pid)
        server_cpu = None if server_before is None or server_after is None else server_after - server_before
        if watcher is not None:
            watcher.join()
    finally:
        server.terminate()
        server.wait()
    duplicates = _count(sandbox, "SELECT count(*) - count(DISTINCT kind || ':' || object_id) FROM deletion")
    duplicates += _count(sandbox, "SELECT count(*) - count(DISTINCT user_id) FROM erasure")
    unfinished = _desk_count(desk, "SELECT count(*) FROM data_request WHERE state != 'completed'")
    # To the last row done: a deliverer that found the other holding the last rows sleeps out its idle wait
    # (2 s) before it exits, after the work is over.
    seconds = (_last_done(desk) - started_at).total_seconds()
    sent_s = (_last_mutation(sandbox) - started_at).total_seconds()
    return Outcome(
        seconds, sent_s, exited, mutations, mutations / sent_s, duplicates, unfinished, recovery.get("recovery_s"),
        deliverer_cpu / mutations, None if server_cpu is None else server_cpu / mutations, shares,
    )  # fmt: skip


def _ceiling(prepared: tuple[Path, str, int], workdir: Path, in_flight: int) -> float:
    """The served sandbox's own rate: the same image DELETEs sent raw, `in_flight` at a time, no desk at all,
    through the transport the deliverer's client uses (its CPU shares the machine with the server's)."""
    from lifer_desk.admin_api.factory import network_transport

    source_sandbox, _desk, _mutations = prepared
    sandbox = _fresh_copy(source_sandbox, workdir / "ceiling-sandbox.db")
    conn = sqlite3.connect(sandbox)
    try:
        images = conn.execute("SELECT user_id, id FROM image ORDER BY user_id, id LIMIT 1000").fetchall()
    finally:
        conn.close()
    port = _free_port()
    server = _serve(sandbox, port, 0.0)

    async def send() -> float:
        gate = asyncio.Semaphore(in_flight)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60, transport=network_transport()
        ) as http:

            async def one(user: str, image: str, n: int) -> None:
                async with gate:
                    key = {"Idempotency-Key": f"ceiling-{n}"}
                    (await http.delete(f"/v1/users/{user}/images/{image}", headers=key)).raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(one(user, image, n) for n, (user, image) in enumerate(images)))
            return len(images) / (time.perf_counter() - started)

    try:
        return asyncio.run(send())
    finally:
        server.terminate()
        server.wait()


def _line(name: str, outcome: Outcome, extra: str = "") -> None:
    done = "all completed" if outcome.unfinished == 0 else f"{outcome.unfinished} NOT completed"
    dup = "meets" if outcome.duplicates == 0 else "MISSES"
    server = "" if outcome.server_cpu is None else f", the sandbox server {outcome.server_cpu * 1000:.1f} ms"
    print(
        f"  {name:<24} {outcome.sent_s:6.1f} s  {outcome.rate:6.0f} mutations/s  {done}  "
        f"duplicates {outcome.duplicates} (target 0: {dup}){extra}\n"
        f"  {'':<24} the last mutation accepted after {outcome.sent_s:.1f} s; the last row done after "
        f"{outcome.seconds:.1f} s (the erasures' 5 s and the confirmations after them)\n"
        f"  {'':<24} CPU per mutation: the deliverer {outcome.delivering_cpu * 1000:.1f} ms while delivering "
        f"({outcome.deliverer_cpu * 1000:.1f} ms with its start-up){server}; "
        f"every deliverer exited after {outcome.exited_s:.1f} s"
    )
    rows = sum(share.rows for share in outcome.shares) or 1
    for n, share in enumerate(outcome.shares, 1):
        print(
            f"  {'':<24} deliverer {n}: {share.rows:,} rows ({share.rows / rows:.0%}) in {share.rounds} rounds; "
            f"{share.transactions:,} transactions open {share.held_s:.1f} s "
            f"({share.held_s / outcome.seconds:.0%} of the run)"
        )
        print(
            f"  {'':<24}   rounds {share.rounds_s:.1f} s: leasing {share.lease_s:.1f} s, recording "
            f"{share.record_s:.1f} s (lock waits included), sending the rest; asleep between {share.slept_s:.1f} s "
            f"after {share.empty_rounds} empty rounds"
        )
        print(
            f"  {'':<24}   CPU {share.cpu_s / (outcome.mutations * max(share.rows, 1) / rows) * 1000:.1f} ms per "
            f"mutation of its share ({share.cpu_s:.1f} s); {share.busy} statements refused as busy, "
            f"{share.queue_s:.1f} s in the writers' line"
        )


def _measure(
    args: argparse.Namespace, workdir: Path, desks: Desks, in_flight: int
) -> tuple[dict[str, Outcome], float, tuple[Path, str, int]]:
    _say(f"preparing {args.images:,} image deletions and {args.erasures:,} account erasures on {desks.kind}")
    prepared = _prepare(workdir, desks, args.images, args.erasures)
    _say("run: the sandbox alone")
    ceiling = _ceiling(prepared, workdir, in_flight)
    runs: dict[str, Outcome] = {}
    plan: list[tuple[str, dict[str, Any]]] = [("one deliverer", {})]
    if not args.quick:
        plan += [
            (f"error rate {ERROR_RATE}", {"error_rate": ERROR_RATE}),
            (f"{OUTAGE_S:.0f} s outage", {"outage": True}),
        ]
    plan.append(("two deliverers", {"deliverers": 2}))
    # Further pairs in turn, two deliverers first, so that a load that rises or falls during the bench (other
    # programs share the machine) weighs on both figures of the ratio alike.
    for n in range(1, args.pairs + 1):
        plan += [(f"pair {n}: two deliverers", {"deliverers": 2}), (f"pair {n}: one deliverer", {})]
    for name, options in plan:
        _say(f"run: {name}")
        runs[name] = _run(prepared, workdir, desks, **options)
    return runs, ceiling, prepared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2_000)
    parser.add_argument("--erasures", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="skip the error-rate and outage runs")
    parser.add_argument(
        "--pairs", type=int, default=0, help="this many more two- and one-deliverer runs in turn, for the ratio"
    )
    parser.add_argument("--pg", action="store_true", help="the desk on PostgreSQL (LIFER_TEST_PG_URL), not SQLite")
    parser.add_argument("--deliver", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # As many in flight as one deliverer sends at once, so that the sandbox alone is measured alike.
    from lifer_desk.services.outbox_deliverer import IN_FLIGHT

    if args.deliver:
        _deliver(*args.deliver)
        return
    pg_url = os.environ.get("LIFER_TEST_PG_URL") if args.pg else None
    if args.pg and not pg_url:
        raise SystemExit("--pg needs LIFER_TEST_PG_URL (postgresql://user:password@host:port/database)")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        workdir = Path(tmp)
        desks = Desks(workdir, pg_url)
        try:
            runs, ceiling, prepared = _measure(args, workdir, desks, IN_FLIGHT)
        finally:
            desks.drop()
    print(
        f"outbox delivery over the served sandbox, the desk on {desks.kind}: {args.images:,} image deletions + "
        f"{args.erasures:,} account erasures ({prepared[2]:,} mutations; each erasure runs 5 s in the sandbox); "
        "load average at the start " + " ".join(f"{figure:.2f}" for figure in load)
    )
    one = runs["one deliverer"]
    verdict = "meets" if one.rate >= TARGET_RATE else "MISSES"
    print(
        f"  {'the sandbox alone':<24} {ceiling:6.0f} DELETEs/s sent raw, {IN_FLIGHT} at a time "
        "(the ceiling on this machine)"
    )
    _line(
        "one deliverer", one, f"  (target >= {TARGET_RATE:.0f}/s: {verdict}; {one.rate / ceiling:.0%} of the ceiling)"
    )
    # What the rate asks of the CPU: the deliverer and the server it waits on share this machine's cores.
    cores = len(os.sched_getaffinity(0))
    if one.server_cpu is not None:
        bound = cores / (one.delivering_cpu + one.server_cpu)
        print(
            f"  {'':<24} {cores} cores over {(one.delivering_cpu + one.server_cpu) * 1000:.1f} ms of CPU a mutation: "
            f"at most {bound:.0f} mutations/s here, were both busy all the time; the deliverer alone, one core: "
            f"at most {1 / one.delivering_cpu:.0f}/s"
        )
    if not args.quick:
        _line(f"error rate {ERROR_RATE}", runs[f"error rate {ERROR_RATE}"])
        outage = runs[f"{OUTAGE_S:.0f} s outage"]
        recovered = outage.recovery_s if outage.recovery_s is not None else float("inf")
        verdict = "meets" if recovered <= TARGET_RECOVERY_S else "MISSES"
        _line(
            f"{OUTAGE_S:.0f} s outage",
            outage,
            f"  recovery {recovered:.1f} s (target <= {TARGET_RECOVERY_S:.0f} s: {verdict})",
        )
    two = runs["two deliverers"]
    ratio = two.rate / one.rate
    _line(
        "two deliverers",
        two,
        f"  {ratio:.2f}x one deliverer (target: scales, > 1x: {'meets' if ratio > 1 else 'MISSES'})",
    )
    ratios = [ratio]
    for n in range(1, args.pairs + 1):
        pair_one, pair_two = runs[f"pair {n}: one deliverer"], runs[f"pair {n}: two deliverers"]
        ratios.append(pair_two.rate / pair_one.rate)
        print(
            f"  pair {n}: two deliverers {pair_two.rate:.0f}/s (duplicates {pair_two.duplicates}), then one "
            f"{pair_one.rate:.0f}/s: {ratios[-1]:.2f}x"
        )
    if args.pairs:
        median = statistics.median(ratios)
        print(
            f"  two deliverers over one, median of {len(ratios)} pairs: {median:.2f}x "
            f"(target: scales, > 1x: {'meets' if median > 1 else 'MISSES'})"
        )


if __name__ == "__main__":
    main()
