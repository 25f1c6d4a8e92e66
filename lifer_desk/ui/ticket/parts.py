"""The ticket view's two parts: the header (fields and clocks) and the thread of events."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import _
from lifer_desk.services.history import RequesterHistory
from lifer_desk.services.ticket_views import EventView, TicketDetail
from lifer_desk.ui.text.cells import countdown, customer_line, customer_text, short_time
from lifer_desk.ui.text.labels import category_label, priority_label, status_label
from widgets.safe_text import SafeText


def _field(text: Text, label: str, value: Text | str, style: str = "") -> None:
    if text.plain:
        text.append("  ")
    text.append(f"{label} ", style="dim")
    text.append_text(value if isinstance(value, Text) else Text(value, style=style))


def _deadline(label: str, due: datetime, now: datetime, zone: ZoneInfo) -> Text:
    text = Text(end="")
    _field(text, label, countdown(due, now))
    text.append(f" ({short_time(due, now, zone)})", style="dim")
    return text


def header_text(
    detail: TicketDetail,
    now: datetime,
    zone: ZoneInfo,
    agent: str,
    account: str | None,
    identity: Text | None = None,
    history: Text | None = None,
) -> Text:
    """The header lines. `account` is the linked account's masked summary, once the admin API gave it;
    `identity` the verification line, once it is loaded."""
    top = Text(f"#{detail.id}", style="bold", end="")
    _field(top, _("status"), status_label(detail.status), "bold")
    _field(top, _("priority"), priority_label(detail.priority))
    _field(top, _("category"), category_label(detail.category))
    # Its own line: agent names vary in length and the top line is full at 80 cells.
    owner = Text(end="")
    if detail.claimed_by(agent, now):
        _field(owner, _("claimed"), _("by you"), "green")
    elif detail.held_by_other(agent, now):
        _field(owner, _("claimed"), Text(detail.assignee or "", style="bold yellow"))
    elif detail.assignee:
        # Released or lapsed: the ticket stays in its owner's queue, and anyone may claim it.
        _field(owner, _("agent"), Text(detail.assignee))
        owner.append(_(", not claimed (c to claim)"))
    else:
        _field(owner, _("claimed"), _("no (c to claim)"))
    clocks = Text(end="")
    if detail.first_responded_at is None:
        clocks.append_text(_deadline(_("first response"), detail.first_response_due, now, zone))
    else:
        answered = short_time(detail.first_responded_at, now, zone)
        _field(clocks, _("first response"), _("answered {at}").format(at=answered))
    if detail.sla_paused:
        _field(clocks, _("resolution"), _("paused, waiting for the customer"), "italic")
    else:
        clocks.append("  ")
        clocks.append_text(_deadline(_("resolution"), detail.resolution_due, now, zone))
    lines = [top, owner, clocks]
    if detail.legal_reply_due is not None and detail.legal_delete_due is not None:
        legal = _deadline(_("legal reply"), detail.legal_reply_due, now, zone)
        legal.append("  ")
        legal.append_text(_deadline(_("legal deletion"), detail.legal_delete_due, now, zone))
        lines.append(legal)
    if detail.legal_warning:
        lines.append(Text("⚠ " + detail.legal_warning, style="bold yellow", end=""))
    who = Text(end="")
    _field(who, _("requester"), customer_line(detail.requester_name))
    who.append(" ")
    who.append_text(customer_line(detail.requester))
    lines.append(who)
    if history is not None:
        lines.append(history)
    linked = Text(end="")
    if detail.account_id is None:
        _field(linked, _("account"), _("not linked (l to link)"))
    else:
        _field(linked, _("account"), customer_line(account or detail.account_id))
    lines.append(linked)
    if identity is not None:
        lines.append(identity)
    subject = Text(end="")
    _field(subject, _("subject"), customer_line(detail.subject))
    lines.append(subject)
    return Text("\n", end="").join(lines)


def history_text(history: RequesterHistory) -> Text | None:
    """ "history  3 other tickets · account: 2 tickets, 1 request (h to list)"; None when there is none."""
    parts = []
    if history.tickets:
        count = f"{len(history.tickets)}{'+' if history.more_tickets else ''}"
        parts.append(_("{n} other tickets").format(n=count))
    linked = []
    if history.account_tickets:
        count = f"{len(history.account_tickets)}{'+' if history.more_account_tickets else ''}"
        linked.append(_("{n} tickets").format(n=count))
    if history.requests:
        count = f"{len(history.requests)}{'+' if history.more_requests else ''}"
        latest = history.requests[0]
        linked.append(
            _("{n} requests (latest #{id} {kind} {state})").format(
                n=count, id=latest.id, kind=latest.kind, state=latest.state
            )
        )
    if linked:
        parts.append(_("account: {what}").format(what=", ".join(linked)))
    if not parts:
        return None
    text = Text(end="")
    _field(text, _("history"), " · ".join(parts))
    text.append(_(" (h to list)"), style="dim")
    return text


_KIND_TITLES = {
    EventKind.INBOUND: _("from customer"),
    EventKind.REPLY: _("reply"),
    EventKind.NOTE: _("internal note"),
    EventKind.STATUS: _("status"),
    EventKind.FIELD: _("changed"),
}


_FIELD_NAMES = {"status": _("status"), "priority": _("priority"), "category": _("category"), "account": _("account")}
_VALUE_LABELS = {"status": status_label, "priority": priority_label, "category": category_label}


def _change_text(event: EventView) -> str:
    """A status or field change as "status new → open"; values are our own vocabulary or ids."""
    meta = event.meta
    field = meta.get("field", "status")
    label = _VALUE_LABELS.get(field, str)

    def shown(value: str | None) -> str:
        return label(value) if value else "—"

    return f"{_FIELD_NAMES.get(field, field)} {shown(meta.get('from'))} → {shown(meta.get('to'))}"


# Opening a ticket lays out only this much of its thread: the newest events, each body cut to a preview. Laying
# out a 5.2 MB body whole took 13 s, and keys pressed meanwhile waited; `m` shows more, a step at a time.
SHOWN_EVENTS = 10
BODY_PREVIEW = 1_000
# A preview is cut at this many lines too: 1,000 one-character lines are as slow to lay out as long ones.
PREVIEW_LINES = 20
# Each `m` shows SHOWN_EVENTS more events and makes previews MORE_STEP times longer.
MORE_STEP = 10


def preview(body: str, chars: int, lines: int) -> tuple[str, int]:
    """The start of `body` that fits in `chars` characters and `lines` lines, and how many characters are left."""
    cut = body[:chars]
    kept = cut.split("\n", lines)
    if len(kept) > lines:
        cut = "\n".join(kept[:lines])
    return cut, len(body) - len(cut)


class EventItem(Static):
    """One event of the thread; its kind is a CSS class, so notes look different from replies."""

    def __init__(self, event: EventView, now: datetime, zone: ZoneInfo, scale: int = 1) -> None:
        """`scale` multiplies the preview's length (see ThreadView.show_more)."""
        super().__init__(classes=f"event -{event.kind}")
        self._event = event
        self._when = short_time(event.created_at, now, zone)
        self._scale = scale

    def compose(self) -> ComposeResult:
        event = self._event
        title = Text(_KIND_TITLES.get(EventKind(event.kind), event.kind), style="bold", end="")
        title.append(" · ")
        title.append_text(customer_line(event.author))
        title.append(f" · {self._when}", style="dim")
        if event.kind in (EventKind.STATUS, EventKind.FIELD):
            title.append("  ")
            title.append_text(customer_line(_change_text(event)))
            yield SafeText(title, classes="event-title")
            return
        yield SafeText(title, classes="event-title")
        # Cut before cleaning, so that cleaning costs no more than the preview; a control sequence cut in two
        # leaves a visible placeholder, never a live escape.
        shown, rest = preview(event.body, BODY_PREVIEW * self._scale, PREVIEW_LINES * self._scale)
        yield SafeText(customer_text(shown), classes="event-body")
        if rest:
            more = _("… {n:,} more characters (t shows more)").format(n=rest)
            yield SafeText(Text(more, style="dim italic"), classes="event-more")


class ThreadView(VerticalScroll, can_focus=True):
    """The ticket's events, oldest first, of which only the newest are laid out (see SHOWN_EVENTS); rebuilt only
    when the set of events changes, or when the agent asks for more."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._events: tuple[EventView, ...] = ()
        self._clock: tuple[datetime, ZoneInfo] | None = None
        self._mores = 0

    def show(self, events: tuple[EventView, ...], now: datetime, zone: ZoneInfo) -> None:
        if tuple(event.id for event in events) == tuple(event.id for event in self._events):
            return
        self._events = events
        self._clock = (now, zone)
        self._build()
        self.call_after_refresh(self.scroll_end, animate=False)

    def show_more(self) -> bool:
        """Lay out more of the thread: older events and longer bodies. False when everything is shown."""
        if self._clock is None or not self._cut():
            return False
        self._mores += 1
        self._build()
        return True

    @property
    def _scale(self) -> int:
        return int(MORE_STEP**self._mores)

    def _window(self) -> tuple[EventView, ...]:
        return self._events[-SHOWN_EVENTS * (self._mores + 1) :]

    def _cut(self) -> bool:
        chars, lines = BODY_PREVIEW * self._scale, PREVIEW_LINES * self._scale
        shown = self._window()
        return len(shown) < len(self._events) or any(preview(event.body, chars, lines)[1] for event in shown)

    def _build(self) -> None:
        assert self._clock is not None
        now, zone = self._clock
        shown = self._window()
        self.remove_children()
        items: list[Widget] = []
        if hidden := len(self._events) - len(shown):
            earlier = _("{n:,} earlier events (t shows more)").format(n=hidden)
            items.append(SafeText(Text(earlier, style="dim italic"), classes="event-more"))
        items.extend(EventItem(event, now, zone, self._scale) for event in shown)
        self.mount_all(items)
