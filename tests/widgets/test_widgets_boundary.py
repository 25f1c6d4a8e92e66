"""`widgets` is generic: importing every module of it loads nothing of lifer_desk (DESIGN section 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import widgets


def test_widgets_import_no_lifer_desk() -> None:
    modules = sorted(f"widgets.{path.stem}" for path in Path(widgets.__file__).parent.glob("*.py"))
    assert "widgets.virtual_table" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'lifer_desk'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
