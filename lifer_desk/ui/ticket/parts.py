"""The ticket view's two parts: the header (fields and clocks) and the thread of events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import N_, _, ngettext
from lifer_desk.services.history import RequesterHistory
from lifer_desk.services.ticket_views import THREAD_WINDOW, EventView, ThreadWindow, TicketDetail
from lifer_desk.ui.requests.parts import STATE_PHRASES, asked_text
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
        parts.append(ngettext("{n} other ticket", "{n} other tickets", len(history.tickets)).format(n=count))
    linked = []
    if history.account_tickets:
        count = f"{len(history.account_tickets)}{'+' if history.more_account_tickets else ''}"
        linked.append(ngettext("{n} ticket", "{n} tickets", len(history.account_tickets)).format(n=count))
    if history.requests:
        count = f"{len(history.requests)}{'+' if history.more_requests else ''}"
        latest = history.requests[0]
        what = asked_text(latest.kind, latest.payload).plain
        state = _(STATE_PHRASES[latest.state])
        sentence = ngettext(
            "{n} request (latest #{id} {what} · {state})",
            "{n} requests (latest #{id} {what} · {state})",
            len(history.requests),
        )
        linked.append(sentence.format(n=count, id=latest.id, what=what, state=state))
    if linked:
        parts.append(_("account: {what}").format(what=", ".join(linked)))
    if not parts:
        return None
    text = Text(end="")
    _field(text, _("history"), " · ".join(parts))
    text.append(_(" (h to list)"), style="dim")
    return text


_KIND_TITLES = {
    EventKind.INBOUND: N_("from customer"),
    EventKind.REPLY: N_("reply"),
    EventKind.NOTE: N_("internal note"),
    EventKind.STATUS: N_("status"),
    EventKind.FIELD: N_("changed"),
    EventKind.DELIVERY: N_("delivery failed"),
}


_FIELD_NAMES = {
    "status": N_("status"),
    "priority": N_("priority"),
    "category": N_("category"),
    "account": N_("account"),
}
_VALUE_LABELS = {"status": status_label, "priority": priority_label, "category": category_label}


def _change_text(event: EventView) -> str:
    """A status or field change as "status new → open"; values are our own vocabulary or ids."""
    meta = event.meta
    field = meta.get("field", "status")
    label = _VALUE_LABELS.get(field, str)

    def shown(value: str | None) -> str:
        return label(value) if value else "—"

    return f"{_(_FIELD_NAMES.get(field, field))} {shown(meta.get('from'))} → {shown(meta.get('to'))}"


# Opening a ticket lays out only the services' thread window (`ThreadWindow`): the newest events, each body cut
# in the database. Laying out a 5.2 MB body whole took 13 s, and keys pressed meanwhile waited; reading a whole
# 2,000-event thread to show ten of its events cost more than the rest of the opening. `m` widens the window.
# A preview is also cut at this many lines per step of the window: 1,000 one-character lines are as slow to lay
# out as long ones.
PREVIEW_LINES = 20


def window_step(window: ThreadWindow) -> int:
    """How many times wider than the one a ticket opens with `window` is: 1 at first."""
    return max(1, window.chars // THREAD_WINDOW.chars)


def preview(body: str, lines: int) -> str:
    """The start of `body` that fits in `lines` lines."""
    kept = body.split("\n", lines)
    return "\n".join(kept[:lines]) if len(kept) > lines else body


class EventItem(Static):
    """One event of the thread; its kind is a CSS class, so notes look different from replies."""

    def __init__(self, event: EventView, now: datetime, zone: ZoneInfo, step: int) -> None:
        """`step` is the window's (see window_step): bodies show PREVIEW_LINES lines per step at most."""
        super().__init__(classes=f"event -{event.kind}")
        self._event = event
        self._when = short_time(event.created_at, now, zone)
        self._step = step
        self._shown = preview(event.body, PREVIEW_LINES * step)

    @property
    def cut(self) -> bool:
        """Whether this item leaves part of its body out, or a mail's quoted history (shown from the next step)."""
        quoted = self._step == 1 and bool((self._event.meta.get("mail") or {}).get("quoted"))
        return len(self._shown) < self._event.length or quoted

    def compose(self) -> ComposeResult:
        event = self._event
        title = Text(_(_KIND_TITLES.get(EventKind(event.kind), event.kind)), style="bold", end="")
        title.append(" · ")
        title.append_text(customer_line(event.author))
        title.append(f" · {self._when}", style="dim")
        if event.kind in (EventKind.STATUS, EventKind.FIELD):
            title.append("  ")
            title.append_text(customer_line(_change_text(event)))
            yield SafeText(title, classes="event-title")
            return
        yield SafeText(title, classes="event-title")
        # A body cut in the middle of a control sequence leaves a visible placeholder, never a live escape.
        yield SafeText(customer_text(self._shown), classes="event-body")
        if (rest := event.length - len(self._shown)) > 0:
            more = _("… {n:,} more characters (t shows more)").format(n=rest)
            yield SafeText(Text(more, style="dim italic"), classes="event-more")
        yield from mail_parts(event.meta.get("mail"), self._step)


def _size(n: int) -> str:
    return f"{n:,} B" if n < 1024 else f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def mail_parts(mail: dict[str, Any] | None, step: int) -> Iterator[SafeText]:
    """What an inbound mail shows under its text: a failed sender check, its attachments (listed, never opened),
    and its quoted history, collapsed until `t` asks for more. Names are the customer's text, so made safe."""
    if not mail:
        return
    if mail.get("unauthenticated"):
        warning = _("sender not authenticated: the receiving server found DMARC or SPF failing")
        yield SafeText(Text(warning, style="bold"), classes="event-warning")
    for attachment in mail.get("attachments", ()):
        line = Text(_("attachment: "), style="dim", end="")
        line.append_text(customer_line(str(attachment.get("name", ""))))
        line.append(" · ")
        line.append_text(customer_line(str(attachment.get("type", ""))))
        line.append(f" · {_size(int(attachment.get('size', 0)))}")
        if not attachment.get("stored", True):
            line.append(_(" (over the size limit, not kept)"), style="dim")
        yield SafeText(line, classes="event-attachment")
    quoted = str(mail.get("quoted") or "")
    if quoted and step == 1:
        hidden = _("… quoted history, {n:,} lines (t shows it)").format(n=quoted.count("\n") + 1)
        yield SafeText(Text(hidden, style="dim italic"), classes="event-more")
    elif quoted:
        shown = preview(quoted[: THREAD_WINDOW.chars * step], PREVIEW_LINES * step)
        yield SafeText(customer_text(shown), classes="event-quoted")


class ThreadView(VerticalScroll, can_focus=True):
    """The events a ticket read returned, oldest first; rebuilt only when they change."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[tuple[EventView, ...], int, int] | None = None
        self._whole = True

    @property
    def whole(self) -> bool:
        """Whether the whole thread is laid out, every event and every body in full."""
        return self._whole

    def show(self, detail: TicketDetail, window: ThreadWindow, now: datetime, zone: ZoneInfo) -> None:
        """Lay out `detail`'s events, as read through `window`."""
        step = window_step(window)
        shown = (detail.events, detail.earlier, step)
        if shown == self._shown:
            return
        grown = self._shown is not None and [e.id for e in self._shown[0][-1:]] == [e.id for e in detail.events[-1:]]
        self._shown = shown
        self.remove_children()
        items: list[Widget] = []
        if detail.earlier:
            earlier = _("{n:,} earlier events (t shows more)").format(n=detail.earlier)
            items.append(SafeText(Text(earlier, style="dim italic"), classes="event-more"))
        events = [EventItem(event, now, zone, step) for event in detail.events]
        items.extend(events)
        self._whole = not detail.earlier and not any(event.cut for event in events)
        self.mount_all(items)
        # A new event scrolls to the end, where it is; more of the same thread stays where the agent was reading.
        if not grown:
            self.call_after_refresh(self.scroll_end, animate=False)
