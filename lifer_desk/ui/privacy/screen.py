"""What an unattended desk shows: nothing of any customer, until a key is pressed (issue 16 item 2).

SSH login was the authentication, so any key brings the desk back; the screen is against shoulder-surfing. It
is a full screen, not a modal one, so nothing of the screens below it is drawn, not even a notification, and it
draws nothing that changes, so an idle desk behind it writes no bytes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from lifer_desk.i18n import _


class PrivacyScreen(Screen[None]):
    """Shown by the app after LIFER_IDLE_LOCK_MINUTES without a key; the app takes it away at the next key."""

    DEFAULT_CSS = """
    PrivacyScreen { background: $background; }
    PrivacyScreen Static { width: auto; padding: 1 4; border: round $panel; }
    """

    def __init__(self, agent: str) -> None:
        super().__init__()
        self._agent = agent

    def on_mount(self) -> None:
        # A toast can quote a customer (a failed reply, a sync error). Textual gives every screen a rack of
        # toasts and no switch to leave one out, so this screen takes its own away: without one Textual shows
        # nothing here, and the screen below shows what is still pending once the agent is back.
        self.query("ToastRack").remove()

    def compose(self) -> ComposeResult:
        text = _("lifer-desk · {agent}\n\nHidden while you are away.\nPress any key to return.")
        with Middle(), Center():
            yield Static(text.format(agent=self._agent), markup=False)
