"""Who and where, on every desk screen: the agent, their role, and which admin API the desk talks to.

An agent with two sessions (a sandbox to practise on, the live service) must see at a glance which one a
change goes to, and a supervisor which powers this desk has.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text
from textual.widgets import Static

from lifer_desk.config import Settings
from lifer_desk.i18n import N_, _


def admin_api_name(settings: Settings) -> str:
    """The admin API as the agent should know it: the sandbox, or the live service's host (never its path or
    query, which could carry a token)."""
    if settings.admin_url is None:
        return _("sandbox")
    parts = urlsplit(settings.admin_url)
    return parts.netloc.rpartition("@")[2] or settings.admin_url


ROLE_NAMES = {"agent": N_("agent"), "supervisor": N_("supervisor")}


def identity_text(where: str, agent: str, role: str, settings: Settings) -> Text:
    """One line: "Ticket #12 · alice (supervisor) · admin API: sandbox"; the agent's name bold."""
    text = Text(f"{where} · " if where else "", no_wrap=True, overflow="ellipsis", end="")
    text.append(agent, style="bold")
    text.append(f" ({_(ROLE_NAMES.get(role, role))})")
    text.append(" · " + _("admin API: {name}").format(name=admin_api_name(settings)))
    return text


class IdentityLine(Static):
    """The identity line, docked at the top of the screen it is mounted on (`DeskScreen` mounts one)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text, markup=False)
