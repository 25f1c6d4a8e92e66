"""The import contracts in pyproject.toml hold for the tree, and really catch an import that runs the wrong way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports finds the packages on sys.path; PYTHONPATH puts `tree` ahead of the editable install.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )


def _copy_tree(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("lifer_desk", "widgets"):
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_the_tree_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("ui/queues/source.py", "from lifer_desk.store.queues import QueueQuery", "ui reaches the database"),
        ("ui/queues/source.py", "from lifer_desk.admin_api.client import AdminClient", "ui reaches the database"),
        ("store/queues.py", "from lifer_desk.services.context import DeskContext", "Layers"),
        ("store/tickets.py", "from lifer_desk.admin_api.models import UserSummary", "Layers"),
        ("domain/masking.py", "from rich.text import Text", "domain is pure rules"),
        ("services/demo.py", "from lifer_desk.sandbox import demo_contacts", "Only cli"),
        ("cli/__init__.py", "from lifer_desk.store.db import Database", "cli calls services"),
        ("config.py", "from sqlalchemy.engine import make_url", "no database library"),
        ("../widgets/plain_text.py", "from lifer_desk.i18n import _", "widgets are generic"),
    ],
)
def test_a_wrong_import_breaks_its_contract(tmp_path: Path, module: str, wrong_import: str, contract: str) -> None:
    tree = _copy_tree(tmp_path)
    path = tree / "lifer_desk" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{wrong_import}  # the wrong import\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    assert len(broken) == 1 and contract in broken[0], result.stdout
