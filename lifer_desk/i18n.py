"""gettext for user-facing strings, and Babel for the moments and durations among them; English is the source.

The language comes from above: `LIFER_LANG` (environment or settings file) is installed when settings load
(`config.load_settings`), and the agent's own language (`agent.lang`) once the agent is known
(`services.identity`, the CLI's agent context, the desk). Until then, and whenever no catalogue exists for
it, strings stay in English. Reading the environment here at import time ignored a `LIFER_LANG` written in
the settings file (issue 8).

`_()` translates when it is called, so it belongs where a string is shown, never at module or class level
(a label table, a binding): those are evaluated once, at import, in whatever language was installed then,
and an agent's own language could not change them. Such strings are marked with `N_()` for extraction and
translated where they are shown (`ui.desk_screen` does it for every binding). A test holds this.
"""

from __future__ import annotations

import gettext
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.units import format_unit

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "lifer_desk"
# The languages the desk speaks (`LIFER_LANG`, `agents add --lang`); English is the source, not a catalogue.
LANGUAGES = ("en", "zh_CN")
SOURCE_LANGUAGE = "en"

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def install_language(lang: str) -> None:
    """Translate from now on into `lang` (e.g. "zh_CN"); English if there is no catalogue for it."""
    global _current, _language
    _current = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)
    _language = lang


def current_language() -> str:
    return _language


def _(message: str) -> str:
    # gettext("") is the catalogue's header, never a string to show.
    return _current.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """`_()` for a sentence about `n` things: the form the language uses for that many ("1 request",
    "2 requests"; Chinese has one form)."""
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now: `_()` translates it where it is shown."""
    return message


def _locale() -> Locale:
    return Locale.parse(_language)


# English keeps ISO-like dates: they sort and line up in columns, and the whole team reads them. Other
# languages take CLDR's own date for the skeleton (Chinese "MMMd" is "12月1日"), with a 24-hour clock.
_ENGLISH_PATTERNS = {"moment": "yyyy-MM-dd HH:mm", "day_time": "MM-dd HH:mm", "day": "MM-dd"}
# A day alone stands in narrow columns: CLDR's numeric "Md" ("12/1") keeps it in five cells.
_SKELETONS = {"moment": ("yMMMd", " HH:mm"), "day_time": ("MMMd", " HH:mm"), "day": ("Md", "")}


def _format(moment: datetime, zone: tzinfo, kind: str) -> str:
    local = moment.astimezone(zone)
    locale = _locale()
    if _language == SOURCE_LANGUAGE:
        return format_datetime(local, _ENGLISH_PATTERNS[kind], locale=locale)
    skeleton, clock = _SKELETONS[kind]
    return format_datetime(local, locale.datetime_skeletons[skeleton].pattern + clock, locale=locale)


def format_moment(moment: datetime, zone: tzinfo) -> str:
    """A moment in `zone`: "2026-12-01 14:30" / "2026年12月1日 14:30"."""
    return _format(moment, zone, "moment")


def format_day_time(moment: datetime, zone: tzinfo) -> str:
    """A moment of this year in `zone`: "12-01 14:30" / "12月1日 14:30"."""
    return _format(moment, zone, "day_time")


def format_day(moment: datetime, zone: tzinfo) -> str:
    """The day of a moment in `zone`, in five cells: "12-01" / "12/1"."""
    return _format(moment, zone, "day")


def format_clock(moment: datetime, zone: tzinfo) -> str:
    """The time of day of a moment in `zone`, 24-hour in every language: "14:30"."""
    return format_datetime(moment.astimezone(zone), "HH:mm", locale=_locale())


_UNITS = (("day", 24 * 60), ("hour", 60), ("minute", 1))


def format_units(value: int | str, unit: str) -> str:
    """`value` days, hours or minutes (`unit`), in Babel's narrow form: "3d" / "3天"."""
    return format_unit(str(value), f"duration-{unit}", length="narrow", locale=_locale())


def format_duration(length: timedelta, *, units: int = 2) -> str:
    """A length of time in its largest `units` units, rounded down to the minute: "2d3h", "3h05m", "45m" /
    "2天3小时", "3小时05分钟", "45分钟" (Babel's narrow units).

    Rounded down, so that a countdown never promises more time than is left.
    """
    rest = int(abs(length) // timedelta(minutes=1))
    values = []
    for unit, size in _UNITS:
        value, rest = divmod(rest, size)
        values.append((unit, value))
    while len(values) > 1 and values[0][1] == 0:
        values.pop(0)
    # A unit after the first takes two digits when it can reach 10 ("3h05m"), so that countdowns line up.
    return "".join(
        format_units(f"{value:02d}" if index and unit == "minute" else value, unit)
        for index, (unit, value) in enumerate(values[:units])
    )
