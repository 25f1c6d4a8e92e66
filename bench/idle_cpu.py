"""Issue 16 item 5, idle CPU alone: one desk on a local pty, left alone, beside a bare Textual app in the same run.

`bench/ssh_sessions.py` measures every figure of item 5 through the real sshd; this one measures only the idle CPU,
quickly and with more detail, to find what still wakes an idle desk:

- idle CPU (% of a core) of the desk process over the window, all its threads, from /proc/PID/task/*/schedstat
  (CPU time to the nanosecond, and how many times each thread ran: its wake-ups);
- the same for a bare Textual app (the peer), idle over the same window at the same time;
- bytes each wrote while idle (target 0);
- wake-ups per second of each thread of both, busiest first.

The desk opens as `bench/ssh_sessions.py --local` opens it: on a seeded SQLite database of its own, as the OS user,
with tickets claimed so that its first page has rows.

    python -m bench.idle_cpu [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.ssh_sessions import BARE_TEXTUAL, TARGETS, TICKETS, Terminal, _env, local_launcher, rows_shown


@dataclass(frozen=True)
class Threads:
    """What each thread of a process has used so far: CPU time (ns) and times run, by thread id."""

    cpu_ns: dict[int, int]
    runs: dict[int, int]

    @classmethod
    def of(cls, pid: int) -> Threads:
        cpu_ns, runs = {}, {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                used, _waited, ran = Path(task, "schedstat").read_text().split()
            except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
                continue
            cpu_ns[int(task.name)], runs[int(task.name)] = int(used), int(ran)
        return cls(cpu_ns, runs)


@dataclass(frozen=True)
class Idle:
    cpu_percent: float
    written: int
    # (thread id, wake-ups per second, CPU %), busiest first.
    threads: list[tuple[int, float, float]]


def watch(terminals: list[Terminal], seconds: float) -> list[Idle]:
    """Read every terminal for `seconds` at once; each one's idle figures over that window."""
    before = [Threads.of(terminal.pid) for terminal in terminals]
    written = [terminal.bytes_since(0) for terminal in terminals]
    started = time.monotonic()
    while (left := started + seconds - time.monotonic()) > 0:
        for terminal in terminals:
            terminal.read_once(min(left, 0.2) / len(terminals))
    elapsed = time.monotonic() - started
    figures = []
    for terminal, then, wrote in zip(terminals, before, written, strict=True):
        now = Threads.of(terminal.pid)
        threads = [
            (
                tid,
                (now.runs[tid] - then.runs.get(tid, 0)) / elapsed,
                100 * (now.cpu_ns[tid] - then.cpu_ns.get(tid, 0)) / 1e9 / elapsed,
            )
            for tid in now.cpu_ns
        ]
        threads.sort(key=lambda row: -row[1])
        total = sum(cpu for _tid, _wakes, cpu in threads)
        figures.append(Idle(total, terminal.bytes_since(0) - wrote, threads))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long both stay idle")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="lifer-bench-idle-") as home:
        launcher = local_launcher(Path(home))
        (agent,) = launcher.agents(1)
        desk = Terminal(launcher.argv(agent), launcher.env)
        bare = Terminal([sys.executable, "-c", BARE_TEXTUAL], _env())
        try:
            for terminal in (desk, bare):
                terminal.read_until(rows_shown, timeout=60)
            for terminal in (desk, bare):
                terminal.read_until_quiet(timeout=10, quiet=1.5)
            print(f"both idle for {args.seconds:.0f} s…", file=sys.stderr, flush=True)
            desk_idle, bare_idle = watch([desk, bare], args.seconds)
        finally:
            desk.close()
            bare.close()
    print(f"idle desk on a local pty, SQLite, {TICKETS:,} tickets, 80x24, {args.seconds:.0f} s")
    print("peer: a bare Textual app, idle over the same window")
    print(f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores shared)")
    target = TARGETS["cpu"]
    verdict = "meets" if desk_idle.cpu_percent <= target else "MISSES"
    print(f"  {'idle CPU, the desk':<28}{desk_idle.cpu_percent:>8.3f} %  target <= {target} % of a core: {verdict}")
    print(f"  {'idle CPU, bare Textual':<28}{bare_idle.cpu_percent:>8.3f} %  (peer)")
    print(f"  {'idle bytes, the desk':<28}{desk_idle.written:>8,}    target 0 B; bare Textual {bare_idle.written:,} B")
    for name, idle in (("desk", desk_idle), ("bare Textual", bare_idle)):
        rows = ", ".join(f"{wakes:.1f}/s {cpu:.3f} %" for _tid, wakes, cpu in idle.threads)
        print(f"  threads of the {name} (wake-ups, CPU): {rows}")


if __name__ == "__main__":
    main()
