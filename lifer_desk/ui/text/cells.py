"""How values become screen text: customer text made inert, deadlines as coloured countdowns, local times.

Everything a customer or the admin API wrote goes through `customer_text` or `customer_line`, which clean
it with `safe_text` and wrap it in `rich.text.Text`, so it is never read as markup.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from lifer_desk.domain.sla import SlaState, sla_clock
from lifer_desk.domain.text_safety import one_line, safe_text
from lifer_desk.i18n import _

# Meaning in the attributes too, not the colour alone: under NO_COLOR a breach is still bold and reversed out
# (and has its minus sign), a warning underlined.
_SLA_STYLES = {SlaState.OK: "", SlaState.WARNING: "underline yellow", SlaState.BREACHED: "bold reverse red"}


def customer_text(value: str) -> Text:
    return Text(safe_text(value), end="")


def customer_line(value: str) -> Text:
    return Text(one_line(value), end="", no_wrap=True, overflow="ellipsis")


def countdown(due: datetime, now: datetime) -> Text:
    """Time left until `due`: plain while comfortable, underlined yellow under 4 h, reversed bold red once
    breached."""
    clock = sla_clock(due, now)
    return Text(clock.label, style=_SLA_STYLES[clock.state], end="")


def paused_countdown() -> Text:
    """The SLA cell of a ticket whose resolution clock is paused (it waits for its customer)."""
    return Text(_("paused"), style="italic", end="")


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def short_time(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "14:05" today, "03-01 14:05" on another day, in the agent's time zone."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def day_or_time(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "14:05" today, "03-01" on another day: `short_time` in five cells, for narrow tables."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d")
