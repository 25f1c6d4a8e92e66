"""`lifer-desk` starts without loading what only some commands need."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "import sys, lifer_desk.cli\n"
    "print(','.join(sorted({m.partition('.')[0] for m in sys.modules} & {'fastapi', 'httpx', 'textual', 'uvicorn'})))\n"
)


def test_the_command_loads_no_web_stack_and_no_textual_until_a_command_needs_them() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
