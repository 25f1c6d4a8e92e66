"""The client layer stays below the UI: importing it loads no Textual, store, services, UI or sandbox."""

from __future__ import annotations

import subprocess
import sys


def test_admin_api_imports_nothing_above_it() -> None:
    code = (
        "import sys, lifer_desk.admin_api\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlmodel', 'fastapi')\n"
        "       or m.startswith(('lifer_desk.store', 'lifer_desk.services', 'lifer_desk.ui', 'lifer_desk.sandbox'))]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
