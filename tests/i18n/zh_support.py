"""Putting agents on the Chinese desk the way a supervisor does: their own language in the agent table."""

from __future__ import annotations

from lifer_desk.services.agents import Actor, set_language
from lifer_desk.store.db import Database

HOST = Actor("root", operator=True)


def speak(db: Database, lang: str | None, *names: str) -> None:
    """`lifer-desk agents set NAME --lang LANG` for each of `names`."""
    for name in names:
        set_language(db, actor=HOST, name=name, lang=lang)
