"""How values become screen text: customer text made inert, deadlines as coloured countdowns, local times.

Everything a customer or the admin API wrote goes through `customer_text` or `customer_line`, which clean
it with `safe_text` and wrap it in `rich.text.Text`, so it is never read as markup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from lifer_desk.domain.sla import SlaState, countdown_label, sla_clock
from lifer_desk.domain.text_safety import one_line, safe_text
from lifer_desk.i18n import _, format_clock, format_day, format_day_time, format_moment

# Meaning in the attributes too, not the colour alone: under NO_COLOR a breach is still bold and reversed out
# (and has its minus sign), a warning underlined.
_SLA_STYLES = {SlaState.OK: "", SlaState.WARNING: "underline yellow", SlaState.BREACHED: "bold reverse red"}


def fit(value: str, cells: int) -> str:
    """`value` cut or padded to exactly `cells` terminal cells: `f"{value:<14}"` counts characters, and a
    Chinese label is two cells a character, so its figures would be pushed onto the next line."""
    return set_cell_size(value, cells)


def customer_text(value: str) -> Text:
    return Text(safe_text(value), end="")


def customer_line(value: str) -> Text:
    return Text(one_line(value), end="", no_wrap=True, overflow="ellipsis")


def countdown(due: datetime, now: datetime, cells: int | None = None) -> Text:
    """Time left until `due`: plain while comfortable, underlined yellow under 4 h, reversed bold red once
    breached. In a column `cells` wide, a label too wide for it drops its second unit, then its word for
    overdue: a Chinese "逾期1天2小时" is 12 cells, and the queues' column has 7."""
    clock = sla_clock(due, now)
    label = clock.label
    if cells is not None and cell_len(label) > cells:
        label = countdown_label(clock.remaining, units=1)
    if cells is not None and cell_len(label) > cells:
        label = countdown_label(clock.remaining, units=1, minus=True)
    return Text(label, style=_SLA_STYLES[clock.state], end="")


def paused_countdown() -> Text:
    """The SLA cell of a ticket whose resolution clock is paused (it waits for its customer)."""
    return Text(_("paused"), style="italic", end="")


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the agent's time zone and language: "2026-12-01 14:30" / "2026年12月1日 14:30"."""
    return format_moment(moment, zone)


def short_time(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "14:05" today, "03-01 14:05" / "3月1日 14:05" on another day, in the agent's time zone."""
    if moment.astimezone(zone).date() == now.astimezone(zone).date():
        return format_clock(moment, zone)
    return format_day_time(moment, zone)


def day_time_cells() -> int:
    """How wide a column of `short_time`s must be in the agent's language: 11 cells, 13 in Chinese."""
    widest = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    return cell_len(format_day_time(widest, UTC))


def day_or_time(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "14:05" today, "03-01" / "3月1日" on another day: `short_time` in few cells, for narrow tables."""
    if moment.astimezone(zone).date() == now.astimezone(zone).date():
        return format_clock(moment, zone)
    return format_day(moment, zone)
