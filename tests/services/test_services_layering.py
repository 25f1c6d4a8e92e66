"""Everything below the UI, the top-level modules included, imports without Textual or the widgets (DESIGN 2)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib, pkgutil, sys
import lifer_desk.admin_api, lifer_desk.domain, lifer_desk.services, lifer_desk.store
import lifer_desk.config, lifer_desk.desk_log, lifer_desk.i18n
imported = []
for package in (lifer_desk.domain, lifer_desk.store, lifer_desk.admin_api, lifer_desk.services):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
print(len(imported))
print(",".join(sorted(m for m in sys.modules if m.partition(".")[0] in ("textual", "widgets"))))
"""


def test_lower_layers_never_import_textual() -> None:
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    count, textual_modules = result.stdout.splitlines()
    assert int(count) >= 10  # the walk really found the modules
    assert textual_modules == ""
