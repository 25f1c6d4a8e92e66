"""The build hook that compiles the message catalogues (`lifer_desk/locale/*/LC_MESSAGES/*.po`) into the `.mo`
files gettext reads, for every wheel and for `pip install -e .` alike (CONTRIBUTING.md, "Translations").

Compiled at build time rather than committed: a binary beside its source goes stale unseen, and merges of it
conflict; the `.po` is the one thing translators and reviewers read. Fuzzy entries are left out, as msgfmt
does: a guess is not shown to agents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for po in sorted(root.glob("lifer_desk/locale/*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as compiled:
                write_mo(compiled, catalogue, use_fuzzy=False)
            # Ignored by git, so named as an artifact for the wheel to carry it.
            build_data["artifacts"].append(mo.relative_to(root).as_posix())
