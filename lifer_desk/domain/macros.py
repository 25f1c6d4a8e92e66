"""Macro texts: the placeholders a canned reply may use, checked when it is written and filled when it is used.

A placeholder is a name in braces ("{requester_name}"); nothing else in braces is special, so a reply can
quote JSON or a template without surprises, and no format specification ever runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from lifer_desk.i18n import _

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class Placeholder(StrEnum):
    REQUESTER_NAME = "requester_name"
    TICKET = "ticket"
    AGENT = "agent"
    TODAY = "today"
    RESOLUTION_DUE = "resolution_due"
    LEGAL_DUE = "legal_due"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


def unknown_placeholders(body: str) -> list[str]:
    """The names in braces that are no placeholder, in order of first use."""
    known = {member.value for member in Placeholder}
    return list(dict.fromkeys(name for name in _PLACEHOLDER.findall(body) if name not in known))


def fill(body: str, values: Mapping[Placeholder, str]) -> str:
    """`body` with each placeholder replaced by its value; one without a value (no legal clock) reads "—"."""
    return _PLACEHOLDER.sub(lambda match: _value(match, values), body)


def _value(match: re.Match[str], values: Mapping[Placeholder, str]) -> str:
    name = match.group(1)
    if name not in {member.value for member in Placeholder}:
        return match.group(0)
    return values.get(Placeholder(name)) or _("—")
