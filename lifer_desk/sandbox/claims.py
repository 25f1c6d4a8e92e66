"""Normalising what a caller claims, so that verify compares like with like."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_BIRTHDAY_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)

_GENDERS = {"male": "male", "female": "female", "other": "other", "男": "male", "女": "female"}


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_username(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def parse_birthday(value: str) -> date | None:
    """A date from any accepted form (full-width digits too), or None if it is not one."""
    text = unicodedata.normalize("NFKC", value).strip()
    for form in _BIRTHDAY_FORMS:
        found = form.fullmatch(text)
        if found:
            try:
                return date(*(int(part) for part in found.groups()))
            except ValueError:
                return None
    return None


def parse_gender(value: str) -> str | None:
    return _GENDERS.get(unicodedata.normalize("NFKC", value).strip().lower())
