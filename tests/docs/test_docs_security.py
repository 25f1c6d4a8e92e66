"""docs/security.md stays true: every test (function, or class of tests) it cites as proof of a promise exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_cited_test_exists() -> None:
    cited = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", (ROOT / "docs" / "security.md").read_text(encoding="utf-8"))
    assert cited
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not re.search(
            rf"^\s*(?:async def|def|class) {name}\b", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE
        )
    ]
    assert missing == []
