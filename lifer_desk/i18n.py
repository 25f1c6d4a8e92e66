"""gettext for user-facing strings; English is the source language."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"


def _translation() -> gettext.NullTranslations:
    lang = os.environ.get("LIFER_LANG", "en")
    return gettext.translation("lifer_desk", localedir=_LOCALE_DIR, languages=[lang], fallback=True)


_ = _translation().gettext
