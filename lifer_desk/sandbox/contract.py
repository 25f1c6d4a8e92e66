"""The committed OpenAPI contract: `python -m lifer_desk.sandbox.contract` rewrites it from the app."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from lifer_desk.config import Secret
from lifer_desk.sandbox.app import create_app

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "docs" / "admin-api.openapi.json"


def render() -> str:
    # The document depends only on the routes and models, not on the database or token.
    app = create_app(Path(tempfile.gettempdir()) / "unused-sandbox.db", Secret("unused"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    CONTRACT_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {CONTRACT_PATH}")


if __name__ == "__main__":
    main()
