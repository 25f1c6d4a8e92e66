"""The client layer stays below the UI: importing any of it loads no Textual, database library, store, services,
UI or sandbox (the import contracts in pyproject.toml say the same statically; this checks what really loads)."""

from __future__ import annotations

import subprocess
import sys


def test_admin_api_imports_nothing_above_it_and_no_database_library() -> None:
    code = (
        "import importlib, pkgutil, sys, lifer_desk.admin_api as api\n"
        "names = [m.name for m in pkgutil.walk_packages(api.__path__, api.__name__ + '.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlmodel', 'sqlalchemy', 'fastapi')\n"
        "       or m.startswith(('lifer_desk.store', 'lifer_desk.services', 'lifer_desk.ui', 'lifer_desk.sandbox'))]\n"
        "print(len(names), ','.join(sorted(bad)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, _, bad = result.stdout.strip().partition(" ")
    assert int(count) >= 4  # the walk really found the client, factory, models and errors
    assert bad == ""
