"""A deadline shown as a compact countdown ("4h 05m", "-1d 02h"), styled by how close it is.

Nothing here runs a timer: a countdown that repainted itself every second would put bytes on an idle SSH
session. The owner calls `Countdown.tick()` (or re-renders a table cell) when it wants the time redone,
and a tick that changes nothing visible repaints nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from rich.text import Text
from textual.widget import Widget

CountdownState = Literal["none", "ok", "warning", "breached"]

DEFAULT_WARN_WITHIN = timedelta(hours=4)


def describe(remaining: timedelta) -> str:
    """`remaining` in at most two units, minus sign when past: "2d 03h", "4h 05m", "12m", "-0m"."""
    sign = "-" if remaining <= timedelta(0) else ""
    minutes = int(abs(remaining).total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"


def state_of(remaining: timedelta | None, warn_within: timedelta) -> CountdownState:
    if remaining is None:
        return "none"
    if remaining <= timedelta(0):
        return "breached"
    return "warning" if remaining <= warn_within else "ok"


def countdown_text(
    deadline: datetime | None,
    now: datetime,
    *,
    warn_within: timedelta = DEFAULT_WARN_WITHIN,
    warning_style: str = "yellow",
    breached_style: str = "bold red",
    none: str = "—",
) -> Text:
    """A countdown as styled `Text`, for places without CSS such as a table cell."""
    if deadline is None:
        return Text(none)
    remaining = deadline - now
    style = {"warning": warning_style, "breached": breached_style}.get(state_of(remaining, warn_within), "")
    return Text(describe(remaining), style=style)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Countdown(Widget):
    """A deadline as a countdown; CSS classes `-warning` (within `warn_within`) and `-breached`."""

    DEFAULT_CSS = """
    Countdown {
        width: auto;
        height: 1;
        &.-warning { color: $warning; }
        &.-breached { color: $error; text-style: bold; }
    }
    """

    def __init__(
        self,
        deadline: datetime | None = None,
        *,
        warn_within: timedelta = DEFAULT_WARN_WITHIN,
        clock: Callable[[], datetime] = _utc_now,
        none: str = "—",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._deadline = deadline
        self._warn_within = warn_within
        self._clock = clock
        self._none = none
        self._shown = ("", "none")
        self._update()

    @property
    def deadline(self) -> datetime | None:
        return self._deadline

    @deadline.setter
    def deadline(self, value: datetime | None) -> None:
        self._deadline = value
        self.tick()

    @property
    def state(self) -> CountdownState:
        return self._shown[1]

    def tick(self) -> None:
        """Redo the countdown against the clock; repaint only if what it shows changed."""
        if self._update():
            self.refresh(layout=True)

    def _update(self) -> bool:
        remaining = None if self._deadline is None else self._deadline - self._clock()
        shown = (self._none if remaining is None else describe(remaining), state_of(remaining, self._warn_within))
        if shown == self._shown:
            return False
        self._shown = shown
        self.set_class(shown[1] == "warning", "-warning")
        self.set_class(shown[1] == "breached", "-breached")
        return True

    def render(self) -> Text:
        return Text(self._shown[0])
