"""gettext for user-facing strings; English is the source language.

The language comes from the settings object (`LIFER_LANG`, from the environment or the settings file):
`config.load_settings` installs it once settings load. Until then, and whenever no catalogue exists for
it, strings stay in English. Reading the environment here at import time ignored a `LIFER_LANG` written in
the settings file (issue 8).
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "lifer_desk"

_current: gettext.NullTranslations = gettext.NullTranslations()


def install_language(lang: str) -> None:
    """Translate from now on into `lang` (e.g. "zh_CN"); English if there is no catalogue for it."""
    global _current
    _current = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    return _current.gettext(message)
