"""domain is pure rules: importing every module of it loads no UI, rendering, database or HTTP library (DESIGN 2)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ["textual", "rich", "sqlalchemy", "sqlmodel", "httpx", "fastapi", "lifer_desk.store", "lifer_desk.services"]
CODE = (
    "import importlib, pkgutil, sys, lifer_desk.domain as domain\n"
    "names = [m.name for m in pkgutil.walk_packages(domain.__path__, domain.__name__ + '.')]\n"
    "for name in names: importlib.import_module(name)\n"
    f"print(len(names), ','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
)


def test_domain_modules_stay_pure() -> None:
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    count, _, loaded = result.stdout.strip().partition(" ")
    assert int(count) >= 6  # the walk really found the modules
    assert loaded == ""
