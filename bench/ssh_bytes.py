"""Issue 4's bytes on the wire: what `lifer-desk demo` writes to an 80x24 xterm-256color terminal (a pty).

The demo database is prepared first in a temporary data directory (5,000 seeded tickets), then the real
`lifer-desk demo` runs in a pseudo-terminal and every byte it writes is counted:

- first paint: from process start until the screen has been quiet for a moment (the queue rows shown);
- one cursor move (`j`) and one PageDown;
- 10 s idle, in a window at least two seconds clear of a minute boundary on either side (the desk notices a
  new minute at its next poll, up to a second late, and redraws the countdowns then);
- separately, one minute boundary: countdowns under a day show minutes, so their labels change then,
  and only the lines whose label changed are redrawn.

    python -m bench.ssh_bytes
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

from lifer_desk.config import load_settings
from lifer_desk.sandbox import demo_contacts
from lifer_desk.services.demo import prepare_demo
from lifer_desk.ui.queues.screen import POLL_EVERY

SIZE = (80, 24)
IDLE_S = 10.0
# The desk notices a new minute at its next poll (up to POLL_EVERY late) and repaints the countdowns then, so the
# idle window keeps this far from a minute boundary on both sides.
MINUTE_MARGIN_S = POLL_EVERY + 1.0
# Output stops for this long: the screen is drawn.
QUIET_S = 0.6
TARGET_MOVE_BYTES = 1536
TARGET_IDLE_BYTES = 0
ANSI = re.compile(rb"\x1b(\[[0-9;?<=>$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>NOM78c])")


class Terminal:
    """A process on a pseudo-terminal of `SIZE`; counts what it writes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.screen = b""

    def read_for(self, seconds: float) -> int:
        """Bytes written during the next `seconds`."""
        return self._read(deadline=time.monotonic() + seconds, quiet=None)

    def read_until_quiet(self, timeout: float, quiet: float = QUIET_S) -> int:
        """Bytes written until nothing more comes for `quiet` seconds."""
        return self._read(deadline=time.monotonic() + timeout, quiet=quiet)

    def _read(self, deadline: float, quiet: float | None) -> int:
        count = 0
        last = time.monotonic()
        while (now := time.monotonic()) < deadline:
            wait = deadline - now if quiet is None else min(deadline - now, last + quiet - now)
            if wait <= 0:
                break
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the process is gone
                break
            count += len(chunk)
            self.screen = (self.screen + chunk)[-200_000:]
            last = time.monotonic()
        return count

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def text(self) -> str:
        return ANSI.sub(b"", self.screen).decode("utf-8", "replace")

    def close(self) -> None:
        self.send(b"q")
        self.read_until_quiet(timeout=5)
        for _ in range(50):
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def seconds_to_next_minute() -> float:
    now = datetime.now(UTC)
    return 60 - now.second - now.microsecond / 1e6


def main() -> None:
    executable = Path(sys.executable).with_name("lifer-desk")
    with tempfile.TemporaryDirectory(prefix="lifer-bench-ssh-") as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("LIFER_", "NO_COLOR", "TEXTUAL"))}
        env.update(TERM="xterm-256color", XDG_DATA_HOME=home, COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]))
        print("preparing the demo database (5,000 tickets)…", file=sys.stderr, flush=True)
        os.environ["XDG_DATA_HOME"] = home
        prepare_demo(load_settings(), agent="agent", contacts=demo_contacts).ctx.db.dispose()
        terminal = Terminal([str(executable), "demo"], env)
        try:
            first = terminal.read_until_quiet(timeout=30, quiet=1.5)
            if "***" not in terminal.text():
                raise RuntimeError("the queue rows never showed:\n" + terminal.text()[-2000:])
            # Anything still settling (counts, the first poll) before the measured keys.
            settle = terminal.read_until_quiet(timeout=10, quiet=1.5)
            terminal.send(b"j")
            move = terminal.read_until_quiet(timeout=5)
            terminal.send(b"\x1b[6~")
            page = terminal.read_until_quiet(timeout=5)
            to_boundary = seconds_to_next_minute()
            if to_boundary < IDLE_S + MINUTE_MARGIN_S:
                time.sleep(to_boundary + MINUTE_MARGIN_S)
            elif to_boundary > 60 - MINUTE_MARGIN_S:
                time.sleep(to_boundary - (60 - MINUTE_MARGIN_S))
            idle = terminal.read_for(IDLE_S)
            print("waiting for the next minute boundary…", file=sys.stderr, flush=True)
            before = seconds_to_next_minute()
            if before > 1:
                terminal.read_for(before - 1)  # counted below from 1 s before the boundary
            tick = terminal.read_for(4.0)
        finally:
            terminal.close()
    kib = 1024
    print(f"lifer-desk demo in a pty, {SIZE[0]}x{SIZE[1]}, TERM=xterm-256color")
    print(f"{'action':<44}{'bytes':>10}  target (issue 4)")
    print(f"{'first paint':<44}{first:>10,}  (none)")
    print(f"{'settling after the first paint':<44}{settle:>10,}  (none)")
    verdict = "meets" if move <= TARGET_MOVE_BYTES else "MISSES"
    print(f"{'cursor move (j)':<44}{move:>10,}  <= {TARGET_MOVE_BYTES / kib:.1f} KiB: {verdict}")
    print(f"{'PageDown':<44}{page:>10,}  (none)")
    verdict = "meets" if idle <= TARGET_IDLE_BYTES else "MISSES"
    print(f"{f'{IDLE_S:.0f} s idle':<44}{idle:>10,}  {TARGET_IDLE_BYTES} B: {verdict}")
    print(f"{'a minute boundary (countdown labels change)':<44}{tick:>10,}  (no target; once a minute)")
    print(f"ratios: PageDown / move {page / max(move, 1):.1f}x; first paint / move {first / max(move, 1):.1f}x")


if __name__ == "__main__":
    main()
