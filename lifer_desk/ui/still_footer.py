"""A footer that repaints only when its keys change: Textual's recomposes at every bindings signal (a focus change,
the terminal reporting that it has the focus again, a worker finishing...), redrawing the same line, 0.7 KB over
SSH each time, three times in the first paint alone (issue 16)."""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[object]) -> Hashable:
    """What a footer on `screen` draws from its bindings: equal values draw the same footer."""
    return tuple(
        (key, binding.key, binding.description, binding.show, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
    )


class StillFooter(Footer):
    _shown: Hashable = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        keys = shown_keys(screen)
        if keys == self._shown:
            return
        if screen.app.app_focus:
            # Textual's footer redraws only while the app has the focus: what it shows is noted then.
            self._shown = keys
        super().bindings_changed(screen)
