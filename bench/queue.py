"""Issue 4's queue figures at 1,000 and 1,000,000 seeded tickets (SQLite), with the table peers in the same run.

For each size a fresh Python process opens the desk (`DeskApp`, headless, 80x24) on the seeded database:

- first page: from spawning the process (interpreter start and every import of `lifer-desk` included) to the first frame
  that shows queue rows, rendered to terminal bytes; the median of a few processes;
- PageDown, End and Home: from the keypress to the first frame showing the new rows, over the All queue;
- search: three words (Chinese, English, mixed), from enter to the first frame of the results; the
  as-you-type debounce (`QueuesScreen.SEARCH_DEBOUNCE`) comes before that and is not counted;
- RSS of that process after the first page and after all the moves and searches.

The peers (bench/table_peers.py) are timed in this process: Textual's DataTable over 100k tickets and
textual-fastdatatable over 1M, from creating the app to the first painted page, warmed up and with their
rows already built in memory (their best case). The VirtualTable over the 1M database is timed in that
same harness, so one ratio compares like with like; the process-start figure is compared too.

    python -m bench.queue [--small 1000] [--large 1000000] [--seed 1] [--presses 30] [--searches 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.seeded import BENCH_AGENT, seeded_database

SIZE = (80, 24)
FIRST_PAGE_RUNS = 3
# Three words each, as an agent types them: Chinese, English and both at once.
SEARCHES = (
    "删除 账号 日记",
    "refund request premium",
    "退款 申请 会员",
    "delete my account",
    "无法 登录 账号",
    "forgot my password",
    "生日 信息 错误",
    "correct email address",
    "账号 delete 日记",
    "phone change locked",
    "请删除 照片 上传",
    "charged twice premium",
    "会员 重复 扣费",
    "child under 14",
    "未成年人 信息 删除",
    "invoice request 发票",
    "退款 refund 会员",
    "close account diary",
    "手机号 更换 验证",
    "image deletion request",
    "支付 成功 会员",
    "account locked 账号",
)

TARGET_FIRST_PAGE_S = 1.0
TARGET_FIRST_PAGE_RATIO = 1.3
TARGET_MOVE_P95_MS = 50.0
TARGET_SEARCH_P95_MS = 150.0
TARGET_RSS_RATIO = 1.2
TARGET_RSS_MB = 120.0
TARGET_PEER_SPEEDUP = 10.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


# The child: one desk process ---------------------------------------------------------------------------------


def _child(path: str, presses: int, searches: int) -> None:
    """Open the desk on `path`, say when the first page is painted, then time moves and searches."""
    asyncio.run(_run_child(path, presses, searches))


async def _run_child(path: str, presses: int, searches: int) -> None:
    import psutil
    from textual._compositor import CompositorUpdate
    from textual.screen import Screen
    from textual.widgets import Input

    import lifer_desk.cli.root  # noqa: F401 - what `lifer-desk` imports before opening the desk counts too
    from lifer_desk.config import Settings
    from lifer_desk.services.context import DeskContext
    from lifer_desk.services.database import open_database
    from lifer_desk.ui import DeskApp
    from widgets.virtual_table import VirtualTable

    settings = Settings(database_url=f"sqlite:///{path}")
    # Opened as `lifer-desk` opens it, schema check included.
    ctx = DeskContext(db=open_database(settings), settings=settings, agent=BENCH_AGENT, role="agent")
    app = DeskApp(ctx)
    # A frame counts once it is terminal bytes: the headless driver skips that step, so it is done here.
    waiting: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []
    display = app._display

    def displayed(screen: Screen[Any], renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)
            for condition, future in list(waiting):
                if not future.done() and condition():
                    future.set_result(time.perf_counter())
                    waiting.remove((condition, future))
        display(screen, renderable)

    app._display = displayed  # type: ignore[method-assign]

    async def shown(condition: Callable[[], bool]) -> float:
        """When the first frame drawn with `condition` true went out; registered at once, before any await.

        A change that leaves every line as it was (a search with the same rows) draws no frame: then it
        counts from the moment the condition held.
        """
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        waiting.append((condition, future))
        held = None
        while not future.done():
            await asyncio.sleep(0.001)
            if held is None and condition():
                held = time.perf_counter()
            # Under load the sleep can outlast the frame that resolved (and unregistered) the future.
            elif held is not None and not future.done() and time.perf_counter() - held > 0.25:
                waiting.remove((condition, future))
                return held
        return future.result()

    def table_rows() -> bool:
        tables = app.screen.query(VirtualTable) if app.screen_stack else []
        return any(table.visible_rows for table in tables)

    first_page = asyncio.ensure_future(shown(table_rows))
    async with app.run_test(size=SIZE) as pilot:
        await first_page
        print("painted", flush=True)
        process = psutil.Process()
        rss_first = process.memory_info().rss
        table = app.screen.query_one(VirtualTable)

        async def timed(condition: Callable[[], bool], *keys: str) -> float:
            started = time.perf_counter()
            frame = asyncio.ensure_future(shown(condition))
            await asyncio.sleep(0)  # let `shown` register before the keys go in
            await pilot.press(*keys)
            return (await frame - started) * 1000

        # The All queue: every ticket, a million rows at the large size.
        await timed(lambda: not table.is_loading and table.source.view.queue == "all", "tab", *["j"] * 8, "tab")  # type: ignore[attr-defined]
        first_id = table.cursor_row.id if table.cursor_row else None
        last_id = table.source.last_page(1)[-1].id

        page_down: list[float] = []
        for _ in range(presses):
            target = (table.cursor_position or 0) + table.page_height
            page_down.append(await timed(lambda t=target: table.cursor_position == t, "pagedown"))
        end: list[float] = []
        home: list[float] = []
        for _ in range(presses):
            end.append(await timed(lambda: table.cursor_row is not None and table.cursor_row.id == last_id, "end"))
            home.append(await timed(lambda: table.cursor_row is not None and table.cursor_row.id == first_id, "home"))
        search: list[float] = []
        hits: list[int] = []
        box = app.screen.query_one("#search", Input)
        for query in (SEARCHES * 2)[:searches]:
            await pilot.press("slash")
            box.value = query
            await pilot.pause()

            def found(query: str = query) -> bool:
                return table.source.view.search == query and not table.is_loading  # type: ignore[attr-defined]

            search.append(await timed(found, "enter"))
            hits.append(len(table.buffered_rows))
        rss_end = process.memory_info().rss
        print(
            json.dumps(
                {
                    "rss_first": rss_first,
                    "rss_end": rss_end,
                    "page_down": page_down,
                    "end": end,
                    "home": home,
                    "search": search,
                    "hits": hits,
                }
            ),
            flush=True,
        )
        await app.action_quit()


# The parent: spawn, time, compare --------------------------------------------------------------------------


def _spawn(path: Path, *args: str) -> tuple[float, subprocess.Popen[str]]:
    """Start a desk process; returns seconds from spawning it to its first painted page, and the process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.queue", "--child", str(path), *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    if line.strip() != "painted":
        process.kill()
        raise RuntimeError(f"the desk process said {line!r}, not 'painted'")
    return elapsed, process


def measure_desk(path: Path, presses: int, searches: int) -> dict[str, Any]:
    """First page over several processes, then one process's moves, searches and RSS."""
    firsts = []
    for _ in range(FIRST_PAGE_RUNS - 1):
        elapsed, process = _spawn(path, "--presses", "0", "--searches", "0")
        process.communicate(timeout=60)
        firsts.append(elapsed)
    elapsed, process = _spawn(path, "--presses", str(presses), "--searches", str(searches))
    firsts.append(elapsed)
    out, _ = process.communicate(timeout=600)
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["first_page"] = statistics.median(firsts)
    return figures


def time_virtual_table_on_database(path: Path) -> float:
    """The VirtualTable over the database's All queue, timed in the peers' harness (in process, warmed)."""
    from bench import table_peers
    from lifer_desk.config import Settings
    from lifer_desk.domain.queues import QueueName
    from lifer_desk.services.context import DeskContext
    from lifer_desk.store.db import Database
    from lifer_desk.ui.queues.source import QueueSource, QueueView, narrow_queue_columns
    from widgets.virtual_table import VirtualTable

    url = f"sqlite:///{path}"
    db = Database(url)
    try:
        ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=BENCH_AGENT, role="agent")

        def make() -> VirtualTable:
            return VirtualTable(QueueSource(ctx, QueueView(QueueName.ALL)), narrow_queue_columns())

        return table_peers._time_to_first_page(
            make, lambda table: isinstance(table, VirtualTable) and bool(table.visible_rows)
        )
    finally:
        db.dispose()


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(
    small: int,
    large: int,
    figures: dict[int, dict[str, Any]],
    peers: dict[str, float],
    stock_n: int,
    fast_n: int,
) -> None:
    s, big = figures[small], figures[large]
    mb = 1024 * 1024
    rows: list[tuple[str, str, str, str]] = []
    first_ratio = big["first_page"] / s["first_page"]
    rows.append(
        (
            "first page, process start (s)",
            f"{s['first_page']:.3f}",
            f"{big['first_page']:.3f}",
            f"<= {TARGET_FIRST_PAGE_S:.1f} s and <= {TARGET_FIRST_PAGE_RATIO}x of 1k ({first_ratio:.2f}x): "
            + _verdict(big["first_page"] <= TARGET_FIRST_PAGE_S and first_ratio <= TARGET_FIRST_PAGE_RATIO),
        )
    )
    for name, key in (("PageDown", "page_down"), ("End", "end"), ("Home", "home")):
        rows.append(
            (
                f"{name} p50 / p95 (ms)",
                f"{statistics.median(s[key]):.1f} / {p95(s[key]):.1f}",
                f"{statistics.median(big[key]):.1f} / {p95(big[key]):.1f}",
                f"p95 <= {TARGET_MOVE_P95_MS:.0f} ms: "
                + _verdict(max(p95(s[key]), p95(big[key])) <= TARGET_MOVE_P95_MS)
                if key != "home"
                else "(no target; End's way back)",
            )
        )
    rows.append(
        (
            "3-word search p50 / p95 (ms)",
            f"{statistics.median(s['search']):.1f} / {p95(s['search']):.1f}",
            f"{statistics.median(big['search']):.1f} / {p95(big['search']):.1f}",
            f"p95 <= {TARGET_SEARCH_P95_MS:.0f} ms at 1M: " + _verdict(p95(big["search"]) <= TARGET_SEARCH_P95_MS),
        )
    )
    rss_small = max(s["rss_first"], s["rss_end"]) / mb
    rss_big = max(big["rss_first"], big["rss_end"]) / mb
    rows.append(
        (
            "RSS after first page (MB)",
            f"{s['rss_first'] / mb:.1f}",
            f"{big['rss_first'] / mb:.1f}",
            "",
        )
    )
    rows.append(
        (
            "RSS after moves and searches (MB)",
            f"{s['rss_end'] / mb:.1f}",
            f"{big['rss_end'] / mb:.1f}",
            f"<= {TARGET_RSS_MB:.0f} MB and <= {TARGET_RSS_RATIO}x of 1k ({rss_big / rss_small:.2f}x): "
            + _verdict(rss_big <= TARGET_RSS_MB and rss_big / rss_small <= TARGET_RSS_RATIO),
        )
    )
    print()
    print(f"desk on SQLite, {SIZE[0]}x{SIZE[1]}, own process per size")
    print(f"{'figure':<36}{f'{small:,} tickets':>16}{f'{large:,} tickets':>20}  target (issue 4)")
    for name, a, b, target in rows:
        print(f"{name:<36}{a:>16}{b:>20}  {target}")
    print(f"search hits shown per query at {large:,}: {big['hits']}")
    print()
    print("first painted page, peers side by side (in-process harness of bench/table_peers.py, warmed up)")
    virtual = peers["virtual"]
    print(f"{'table':<44}{'rows':>12}{'first page':>13}{'x desk':>10}")
    listing = (
        ("textual DataTable (rows prebuilt in memory)", stock_n, peers["stock"]),
        ("textual-fastdatatable (Arrow prebuilt)", fast_n, peers["fast"]),
        ("VirtualTable over the SQLite All queue", large, virtual),
        ("desk process: spawn, imports, first page", large, big["first_page"]),
    )
    for name, count, seconds in listing:
        print(f"{name:<44}{count:>12,}{seconds:>12.3f}s{seconds / virtual:>9.1f}x")
    speedup = peers["fast"] / virtual
    speedup_process = peers["fast"] / big["first_page"]
    print(
        f"fastdatatable / VirtualTable at 1M: {speedup:.1f}x (target >= {TARGET_PEER_SPEEDUP:.0f}x: "
        f"{_verdict(speedup >= TARGET_PEER_SPEEDUP)}); fastdatatable / whole desk process: {speedup_process:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--stock", type=int, default=100_000, help="rows for Textual's DataTable")
    parser.add_argument("--fast", type=int, default=1_000_000, help="rows for textual-fastdatatable")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.presses, args.searches)
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        paths = {
            args.small: seeded_database(args.small, args.seed, Path(tmp)),
            args.large: seeded_database(args.large, args.seed, Path(tmp)),
        }
        figures = {}
        for count, path in paths.items():
            print(f"timing the desk at {count:,} tickets…", file=sys.stderr, flush=True)
            figures[count] = measure_desk(path, args.presses, args.searches)
        from bench.table_peers import time_fastdatatable, time_stock_datatable

        print("timing the peers…", file=sys.stderr, flush=True)
        peers = {
            "virtual": time_virtual_table_on_database(paths[args.large]),
            "stock": time_stock_datatable(args.stock),
            "fast": time_fastdatatable(args.fast),
        }
    report(args.small, args.large, figures, peers, args.stock, args.fast)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
