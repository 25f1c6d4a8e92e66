"""The `lifer-desk` command. Each subcommand is a thin call into `services` (`lifer_desk.cli.root`).

This module imports nothing else: the service account's forced command (`lifer-desk --agent NAME`) hands its
session to the pre-forked launcher (`lifer_desk.launcher`) before any of the desk's libraries load, which would
cost it most of its start-up (issue 16).
"""

from __future__ import annotations

import sys


def main() -> None:
    if "--agent" in sys.argv[1:] or any(word.startswith("--agent=") for word in sys.argv[1:]):
        from lifer_desk.launcher.client import desk_through_launcher

        code = desk_through_launcher(sys.argv)
        if code is not None:
            raise SystemExit(code)
    from lifer_desk.cli.root import main as run_command

    run_command()
