"""What the desk loads before its first queue page: no HTTP stack until the admin API is first used."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "import sys, lifer_desk.ui\n"
    "print(','.join(sorted(m for m in sys.modules if m.partition('.')[0] in ('httpx', 'fastapi', 'uvicorn'))))\n"
    "from lifer_desk.admin_api import AdminClient\n"
    "print(AdminClient.__name__, 'httpx' in sys.modules)\n"
)


def test_the_desk_loads_httpx_only_when_the_admin_client_is_asked_for() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    before, after = result.stdout.splitlines()
    assert before == ""
    assert after == "AdminClient True"
