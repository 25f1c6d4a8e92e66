"""The ticket view: header, thread, and the actions an agent takes on one ticket."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from lifer_desk.admin_api import UserSummary
from lifer_desk.domain.sla import countdown_minute
from lifer_desk.domain.tickets import Category, EventKind, Priority, TicketStatus, allowed_next
from lifer_desk.i18n import N_, _
from lifer_desk.services import (
    accounts,
    changes,
    drafts,
    history,
    macros,
    mail_link_offer,
    request_completion,
    tickets,
    verification,
)
from lifer_desk.services.accounts import FoundAccount, LookupKind, LookupReason
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import DeskError, TakeOverNeeded
from lifer_desk.services.history import RequesterHistory
from lifer_desk.services.macros import MacroView
from lifer_desk.services.request_views import RequestView
from lifer_desk.services.ticket_views import THREAD_WINDOW, ThreadWindow, TicketDetail
from lifer_desk.services.verification import CurrentVerification
from lifer_desk.ui.desk_screen import DeskScreen, desk
from lifer_desk.ui.dialogs import ChoiceDialog, TextDialog
from lifer_desk.ui.text.cells import customer_line
from lifer_desk.ui.text.labels import (
    CATEGORY_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    category_label,
    priority_label,
    status_label,
)
from lifer_desk.ui.ticket.parts import ThreadView, header_text, history_text
from lifer_desk.ui.ticket.request_dialogs import CorrectionDialog, DeletionDialog, raised_notice
from lifer_desk.ui.verify.link_dialog import LinkAccountDialog
from lifer_desk.ui.verify.parts import identity_text
from lifer_desk.ui.verify.screen import VerifyDialog

# Well inside the 15-minute lease, so one missed renewal does not lose the claim.
RENEW_EVERY = 5 * 60.0
# How often the header checks whether the minute has turned; its countdowns show minutes.
CLOCK_EVERY = 5.0
# Narrower than this, the footer drops its padding, so that the keys up to `?` fit in 80 columns.
COMPACT_FOOTER_BELOW = 100


Change = Callable[[DeskContext, TicketDetail], TicketDetail]
Send = Callable[[DeskContext, TicketDetail, str], TicketDetail]

_WRITE_TITLES = {EventKind.REPLY: N_("Reply to the customer"), EventKind.NOTE: N_("Internal note (never sent)")}
_SENDERS: dict[EventKind, Send] = {
    EventKind.REPLY: lambda ctx, seen, body: tickets.reply(ctx, seen, body),
    EventKind.NOTE: lambda ctx, seen, body: tickets.add_note(ctx, seen.id, body),
}


def macro_label(macro: MacroView) -> str:
    """ "more-info (zh) → pending": the name, its language, and what else it sets."""
    sets = [
        label(value)
        for label, value in (
            (status_label, macro.status),
            (priority_label, macro.priority),
            (category_label, macro.category),
        )
        if value
    ]
    label = f"{macro.name} ({macro.language})"
    return f"{label} → {', '.join(sets)}" if sets else label


class TicketScreen(DeskScreen):
    PALETTE_NAME: ClassVar[str] = N_("ticket")
    # Most used first: the footer shows as many as 80 columns hold, in this order; help (`?`) lists them all.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", N_("Reply"), id="ticket.reply"),
        Binding("i", "note", N_("Note"), id="ticket.note"),
        Binding("c", "claim", N_("Claim"), id="ticket.claim"),
        Binding("s", "status", N_("Status"), id="ticket.status"),
        Binding("v", "verify", N_("Verify"), tooltip=N_("Verify identity"), id="ticket.verify"),
        Binding("n", "next_ticket", N_("Next"), id="ticket.next"),
        Binding("escape", "back", N_("Back"), id="ticket.back"),
        Binding("p", "priority", N_("Priority"), show=False, id="ticket.priority"),
        Binding("g", "category", N_("Category"), show=False, id="ticket.category"),
        Binding("l", "link", N_("Link account"), show=False, id="ticket.link"),
        Binding("d", "deletion", N_("Deletion request"), show=False, id="ticket.deletion"),
        Binding("e", "correction", N_("Correction request"), show=False, id="ticket.correction"),
        Binding("m", "macro", N_("Macro"), show=False, id="ticket.macro"),
        Binding("h", "history", N_("Requester history"), show=False, id="ticket.history"),
        Binding("t", "more", N_("Show more of the thread"), show=False, id="ticket.more"),
        Binding("j,down", "scroll(1)", N_("Scroll down"), show=False, id="ticket.scroll_down"),
        Binding("k,up", "scroll(-1)", N_("Scroll up"), show=False, id="ticket.scroll_up"),
    ]

    class Loaded(Message):
        """A fresh copy of the ticket, with a `notice` when it was reloaded because a change was refused.

        `written` marks the copy that ends this agent's own write.
        """

        def __init__(
            self,
            detail: TicketDetail,
            notice: str | None = None,
            written: bool = False,
            window: ThreadWindow = THREAD_WINDOW,
        ) -> None:
            super().__init__()
            self.detail = detail
            self.notice = notice
            self.written = written
            # How much of the thread `detail` holds: a write's copy has the default, and shows the newest events.
            self.window = window

    class AccountFound(Message):
        def __init__(self, account: FoundAccount) -> None:
            super().__init__()
            self.account = account

    class Stale(Message):
        """The ticket's (version, updated_at) moved away from the copy on screen."""

        def __init__(self, stamp: tuple[int, datetime]) -> None:
            super().__init__()
            self.stamp = stamp

    class DraftLoaded(Message):
        def __init__(self, kind: EventKind, text: str) -> None:
            super().__init__()
            self.kind = kind
            self.text = text

    class ReplyOffered(Message):
        """A request on this ticket completed and no reply has gone out since: a reply is ready to draft."""

        def __init__(self, offer: request_completion.ReplyOffer) -> None:
            super().__init__()
            self.offer = offer

    class DraftSent(Message):
        """`text` went out as a reply or note; the draft it came from is done."""

        def __init__(self, kind: EventKind, text: str) -> None:
            super().__init__()
            self.kind = kind
            self.text = text

    class TakeOverAsked(Message):
        """Claiming needs the agent's word: the ticket belongs to another agent."""

        def __init__(self, question: str) -> None:
            super().__init__()
            self.question = question

    class MacrosLoaded(Message):
        def __init__(self, macros: list[MacroView]) -> None:
            super().__init__()
            self.macros = macros

    class MacroPrepared(Message):
        """The macro's text filled in for this ticket, for the agent to read and edit before sending."""

        def __init__(self, macro: MacroView, text: str) -> None:
            super().__init__()
            self.macro = macro
            self.text = text

    class HistoryLoaded(Message):
        def __init__(self, history: RequesterHistory) -> None:
            super().__init__()
            self.history = history

    class IdentityLoaded(Message):
        def __init__(self, current: CurrentVerification | None) -> None:
            super().__init__()
            self.current = current

    class LinkOffered(Message):
        """The account that uses a mail ticket's sender address, if any: offered for linking, never trusted."""

        def __init__(self, account: FoundAccount | None) -> None:
            super().__init__()
            self.account = account

    def __init__(self, ticket_id: int, detail: TicketDetail | None = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.detail = detail
        self._account: str | None = None
        self._summary: UserSummary | None = None
        # The completed request the reply offer names, and the one it named when the account line was read: a
        # request completing while the ticket is open (a corrected username or email) reads the line again.
        self._offered: int | None = None
        self._account_offered: int | None = None
        self._identity: CurrentVerification | None = None
        self._identity_loaded = False
        self._history: RequesterHistory | None = None
        # The sender's address is looked up once per opening, to offer its account (mail tickets only).
        self._offer_looked_up = False
        self._renewal: Timer | None = None
        # This agent's own change while it is on its way (until its result is shown), so that the watch does
        # not report it as someone else's.
        self._own_write: Worker[None] | None = None
        self._painted_minute: datetime | None = None
        self._window = THREAD_WINDOW
        # The agent's unsent texts by kind, as last written; the database keeps them across restarts.
        self._drafts: dict[EventKind, str] = {}
        # Draft saves run in worker threads and may overlap (a save while typing, then escape or send): each
        # gets a number when the agent's text is taken, and one that finds a later one already written skips,
        # so an older text never lands over a newer one, nor over the send that deleted it.
        self._draft_lock = threading.RLock()
        self._draft_taken = 0
        self._draft_written: dict[EventKind, int] = {}

    @property
    def title_text(self) -> str:
        return _("Ticket #{id}").format(id=self.ticket_id)

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Loading…")), id="ticket-header")
        yield Static("", id="ticket-notice", classes="-empty", markup=False)
        yield Static("", id="ticket-offer", classes="-empty", markup=False)
        yield ThreadView(id="thread")
        yield Footer(compact=self.app.size.width < COMPACT_FOOTER_BELOW)

    # Someone else's change to an open ticket shows within this many seconds (as in the queues).
    WATCH_EVERY: ClassVar[float] = 2.0
    # The database's change version the last watch tick saw; None until the first.
    _watched: Hashable | None = None

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(Footer).compact = event.size.width < COMPACT_FOOTER_BELOW

    def on_mount(self) -> None:
        self._renewal = self.set_interval(RENEW_EVERY, self.renew_claim, pause=True)
        self.set_interval(self.WATCH_EVERY, self._watch_tick)
        self.set_interval(CLOCK_EVERY, self.repaint_countdowns)
        if self.detail is not None:
            self.post_message(self.Loaded(self.detail))
        else:
            self.reload_ticket()

    # Workers: each calls one service and posts what it got ----------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket")
    def reload_ticket(self, notice: str | None = None, window: ThreadWindow | None = None) -> None:
        """Read the ticket again and show it, with `notice` said in the notice line, through `window` (by default
        the one on screen)."""
        window = window or self._window
        self.post_message(self.Loaded(tickets.get_ticket(self.ctx, self.ticket_id, window), notice, window=window))

    def _watch_tick(self) -> None:
        # As the modes poll (PolledScreen): the ticket is read again only after something was committed.
        seen = changes.version(self.ctx)
        if seen != self._watched:
            self._watched = seen
            self.check_for_changes()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def check_for_changes(self) -> None:
        """What the watch timer runs: notice another agent's change. Public, so a check can also run now."""
        detail = self.detail
        if detail is None:
            return
        stamp = tickets.ticket_stamp(self.ctx, self.ticket_id)
        if stamp != (detail.version, detail.updated_at):
            self.post_message(self.Stale(stamp))

    def _change(self, change: Change, seen: TicketDetail) -> None:
        self._own_write = self._apply(change, seen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket")
    def _apply(self, change: Change, seen: TicketDetail) -> None:
        notice: str | None = None
        try:
            detail = change(self.ctx, seen)
        except DeskError as refusal:
            # Show the ticket as it is now, and say why the change did not happen: there, and only there (not
            # raised on to the worker-failure handler, which would say it again in a toast).
            detail, notice = tickets.get_ticket(self.ctx, seen.id), str(refusal)
        self.post_message(self.Loaded(detail, notice=notice, written=True))

    @work(thread=True, exclusive=True, exit_on_error=False, group="draft")
    def _load_draft(self, kind: EventKind) -> None:
        text = drafts.load_draft(self.ctx, self.ticket_id, kind)
        if not text and kind is EventKind.REPLY:
            # What the agent wrote always wins; only an empty reply starts from the offer.
            offer = request_completion.reply_offer(self.ctx, self.ticket_id)
            text = offer.text if offer is not None else ""
        self.post_message(self.DraftLoaded(kind, text))

    @work(thread=True, exclusive=True, exit_on_error=False, group="offer")
    def _load_offer(self) -> None:
        offer = request_completion.reply_offer(self.ctx, self.ticket_id)
        if offer is not None:
            self.post_message(self.ReplyOffered(offer))

    @work(thread=True, exit_on_error=False, group="draft-save")
    def _save_draft(self, kind: EventKind, body: str, taken: int) -> None:
        self._write_draft(self.ctx, kind, body, taken)

    def _write_draft(self, ctx: DeskContext, kind: EventKind, body: str, taken: int) -> None:
        with self._draft_lock:
            if taken > self._draft_written.get(kind, 0):
                drafts.save_draft(ctx, self.ticket_id, kind, body)
                self._draft_written[kind] = taken

    def _take_draft(self) -> int:
        self._draft_taken += 1
        return self._draft_taken

    @work(thread=True, exit_on_error=False, group="renew")
    def renew_claim(self) -> None:
        """What the renewal timer runs while the claim is held: extend the lease, or say that it lapsed."""
        if not tickets.renew_claim(self.ctx, self.ticket_id):
            notice = _("your claim on this ticket lapsed; press c to claim it again")
            self.post_message(self.Loaded(tickets.get_ticket(self.ctx, self.ticket_id), notice=notice))

    @work(thread=True, exclusive=True, exit_on_error=False, group="identity")
    def _load_identity(self) -> None:
        self.post_message(self.IdentityLoaded(verification.current_verification(self.ctx, self.ticket_id)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _load_history(self) -> None:
        self.post_message(self.HistoryLoaded(history.requester_history(self.ctx, self.ticket_id)))

    @work(exclusive=True, exit_on_error=False, group="account")
    async def _find_account(self, account_id: str) -> None:
        found = await accounts.find_account(
            self.ctx, LookupKind.ID, account_id, reason=LookupReason.TICKET, ticket_id=self.ticket_id
        )
        self.post_message(self.AccountFound(found))

    @work(exclusive=True, exit_on_error=False, group="link-offer")
    async def _look_up_offer(self, detail: TicketDetail) -> None:
        self.post_message(self.LinkOffered(await mail_link_offer.account_to_offer(self.ctx, detail)))

    # Handlers ---------------------------------------------------------------------------------------------

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        if message.written:
            self._own_write = None
        detail = message.detail
        if self.detail is not None and detail.account_id != self.detail.account_id:
            self._account = None
            self._summary = None
        self.detail = detail
        now = self.ctx.clock()
        held = detail.claimed_by(self.ctx.agent, now)
        desk(self).track_claim(detail.id, held)
        if self._renewal is not None:
            self._renewal.resume() if held else self._renewal.pause()
        self._paint_header()
        notice = self.query_one("#ticket-notice", Static)
        notice.update(Text(message.notice or "", style="bold yellow"))
        notice.set_class(message.notice is None, "-empty")
        self._window = message.window
        self.query_one(ThreadView).show(detail, message.window, now, self.ctx.settings.timezone)
        if detail.account_id and self._account is None:
            self._find_account(detail.account_id)
        if not self._offer_looked_up and mail_link_offer.may_offer(detail):
            self._offer_looked_up = True
            self._look_up_offer(detail)
        elif detail.account_id is not None:
            # Linked (by the offer or otherwise): nothing is left to offer.
            self.query_one("#ticket-offer", Static).set_class(True, "-empty")
        self._load_identity()
        self._load_history()
        self._load_offer()

    @on(ReplyOffered)
    def _offer_reply(self, message: ReplyOffered) -> None:
        self._offered = message.offer.request_id
        detail = self.detail
        if self._account is not None and self._account_offered != self._offered and detail and detail.account_id:
            self._find_account(detail.account_id)
        notice = self.query_one("#ticket-notice", Static)
        # A refusal being shown is the more urgent news: the offer waits for the next quiet reload.
        if notice.has_class("-empty"):
            text = _("Request #{id} completed: press r to draft a reply saying what was done.")
            notice.update(Text(text.format(id=message.offer.request_id), style="bold green"))
            notice.set_class(False, "-empty")

    @on(Worker.StateChanged)
    def _write_ended(self, event: Worker.StateChanged) -> None:
        # A write that raised something other than a refusal posts no Loaded; without this the watch would
        # stay deaf to other agents' changes for as long as the ticket is open. Other workers of the group
        # (a reload the write cancelled) do not end the write.
        if event.worker is self._own_write and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._own_write = None

    @on(Stale)
    def _stale(self, message: Stale) -> None:
        detail = self.detail
        if self._own_write is not None or detail is None or message.stamp == (detail.version, detail.updated_at):
            return
        self.reload_ticket(_("updated by someone else; this is the latest"))

    @on(AccountFound)
    def _show_account(self, message: AccountFound) -> None:
        summary = message.account.summary
        sandbox = _(" (sandbox)") if message.account.in_process else ""
        self._account = f"{summary.email_masked} · {summary.username_masked} · {summary.id}{sandbox}"
        self._summary = summary
        self._account_offered = self._offered
        self._paint_header()

    @on(LinkOffered)
    def _offer_link(self, message: LinkOffered) -> None:
        found = message.account
        if found is None or (self.detail is not None and self.detail.account_id is not None):
            return
        summary = found.summary
        text = Text(_("An account uses the sender's address: "), style="bold", end="")
        text.append_text(customer_line(f"{summary.email_masked} · {summary.username_masked} · {summary.id}"))
        text.append(_(". Press l to link it; the sender is not verified by this."))
        offer = self.query_one("#ticket-offer", Static)
        offer.update(text)
        offer.set_class(False, "-empty")

    @on(HistoryLoaded)
    def _show_history(self, message: HistoryLoaded) -> None:
        if message.history != self._history:
            self._history = message.history
            self._paint_header()

    @on(IdentityLoaded)
    def _show_identity(self, message: IdentityLoaded) -> None:
        self._identity = message.current
        self._identity_loaded = True
        self._paint_header()

    def repaint_countdowns(self) -> None:
        """What the clock timer runs: repaint the header when the minute its countdowns show has turned."""
        # The header's countdowns count minutes: repaint when the minute turns and not otherwise, so an idle
        # ticket writes nothing to the terminal in between.
        if self._painted_minute != countdown_minute(self.ctx.clock()):
            self._paint_header()

    def _paint_header(self) -> None:
        if self.detail is None:
            return
        ctx = self.ctx
        now, zone = ctx.clock(), ctx.settings.timezone
        self._painted_minute = countdown_minute(now)
        identity = identity_text(self._identity, self._summary, now, zone) if self._identity_loaded else None
        past = history_text(self._history) if self._history is not None else None
        text = header_text(self.detail, now, zone, ctx.agent, self._account, identity, past)
        self.query_one("#ticket-header", Static).update(text)

    # Actions ----------------------------------------------------------------------------------------------

    def _seen(self) -> TicketDetail | None:
        if self.detail is None:
            self.notify(_("The ticket is still loading"), severity="warning")
        return self.detail

    def action_back(self) -> None:
        desk(self).release_claim(self.ticket_id)
        self.dismiss()

    def action_claim(self) -> None:
        if (seen := self._seen()) is not None:
            self._change(self._claim, seen)

    def _claim(self, ctx: DeskContext, seen: TicketDetail) -> TicketDetail:
        try:
            return tickets.claim(ctx, seen.id)
        except TakeOverNeeded as needed:
            # Nothing changed yet: the ticket is shown as it is while the agent decides.
            self.post_message(self.TakeOverAsked(str(needed)))
            return tickets.get_ticket(ctx, seen.id)

    @on(TakeOverAsked)
    def _ask_take_over(self, message: TakeOverAsked) -> None:
        seen = self.detail
        assert seen is not None  # the claim that asked was made on it

        def answered(choice: str | None) -> None:
            if choice == "take":
                self._change(lambda ctx, detail: tickets.claim(ctx, detail.id, take_over=True), seen)

        choices = [(_("Yes, take it over"), "take"), (_("No, leave it"), "leave")]
        self.app.push_screen(ChoiceDialog(message.question, choices), answered)

    def action_next_ticket(self) -> None:
        # This ticket's claim is released when the next one replaces it (DeskApp._open_next): with no ticket
        # left, the agent stays on this one, still holding it.
        desk(self).open_next_ticket()

    def action_reply(self) -> None:
        self._write(EventKind.REPLY)

    def action_note(self) -> None:
        self._write(EventKind.NOTE)

    def _write(self, kind: EventKind) -> None:
        if self._seen() is None:
            return
        if kind in self._drafts:
            # Kept here too, since a write that failed because the database was locked could not save it.
            self._open_draft(kind, self._drafts[kind])
        else:
            self._load_draft(kind)

    @on(DraftLoaded)
    def _draft_loaded(self, message: DraftLoaded) -> None:
        # A second key press while the draft was loading must not stack a second dialog.
        if self.app.screen is self:
            self._open_draft(message.kind, self._drafts.get(message.kind, message.text))

    def _open_draft(self, kind: EventKind, text: str) -> None:
        seen = self._seen()
        assert seen is not None
        send = _SENDERS[kind]

        def keep(body: str) -> None:
            self._remember(kind, body)
            self._save_draft(kind, body, self._take_draft())

        def written(body: str | None) -> None:
            if body is not None:
                self._remember(kind, body)
                taken = self._take_draft()

                def save_and_send(ctx: DeskContext, detail: TicketDetail) -> TicketDetail:
                    # Saved first, so that a refusal (or a restart after one) finds it; the send deletes it.
                    with self._draft_lock:
                        self._write_draft(ctx, kind, body, taken)
                        sent = send(ctx, detail, body)
                    self.post_message(self.DraftSent(kind, body))
                    return sent

                self._change(save_and_send, seen)

        self.app.push_screen(TextDialog(_(_WRITE_TITLES[kind]), text, keep=keep), written)

    def _remember(self, kind: EventKind, body: str) -> None:
        if body.strip():
            self._drafts[kind] = body
        else:
            self._drafts.pop(kind, None)

    @on(DraftSent)
    def _draft_sent(self, message: DraftSent) -> None:
        if self._drafts.get(message.kind) == message.text:
            del self._drafts[message.kind]

    def action_status(self) -> None:
        if (seen := self._seen()) is None:
            return
        choices = [(_(STATUS_LABELS[s]), s.value) for s in TicketStatus if s in allowed_next(TicketStatus(seen.status))]
        self._choose(_("Set status"), choices, tickets.set_status, _("A closed ticket stays closed"))

    def action_priority(self) -> None:
        if (seen := self._seen()) is not None:
            choices = [(_(label), p.value) for p, label in PRIORITY_LABELS.items() if p != Priority(seen.priority)]
            self._choose(_("Set priority"), choices, tickets.set_priority)

    def action_category(self) -> None:
        if (seen := self._seen()) is not None:
            choices = [(_(label), c.value) for c, label in CATEGORY_LABELS.items() if c != Category(seen.category)]
            self._choose(_("Set category"), choices, tickets.set_category)

    def _choose(
        self,
        title: str,
        choices: list[tuple[str, str]],
        apply: Callable[[DeskContext, TicketDetail, str], TicketDetail],
        empty: str = "",
    ) -> None:
        seen = self.detail
        assert seen is not None

        def chosen(value: str | None) -> None:
            if value is not None:
                self._change(lambda ctx, detail: apply(ctx, detail, value), seen)

        self.app.push_screen(ChoiceDialog(title, choices, empty), chosen)

    def action_link(self) -> None:
        if (seen := self._seen()) is None:
            return

        def found(summary: UserSummary | None) -> None:
            if summary is not None:
                self._change(lambda ctx, detail: tickets.link_account(ctx, detail, summary.id), seen)

        self.app.push_screen(LinkAccountDialog(seen.requester), found)

    def action_verify(self) -> None:
        if (seen := self._seen()) is None:
            return

        def closed(link: str | None) -> None:
            self._load_identity()
            if link is not None and (current := self._seen()) is not None:
                # A link like any other: it needs the claim, and a refusal reloads and says why.
                self._change(lambda ctx, detail: tickets.link_account(ctx, detail, link), current)

        self.app.push_screen(VerifyDialog(seen), closed)

    def action_deletion(self) -> None:
        self._raise_request(DeletionDialog(self.ticket_id))

    def action_correction(self) -> None:
        self._raise_request(CorrectionDialog(self.ticket_id))

    def _raise_request(self, dialog: DeletionDialog | CorrectionDialog) -> None:
        def raised(request: RequestView | None) -> None:
            if request is not None:
                self.notify(raised_notice(request), severity="information")
                # The header's history names the account's latest request: this one now.
                self._load_history()

        self.app.push_screen(dialog, raised)

    def action_history(self) -> None:
        past = self._history
        if past is None:
            self.notify(_("The requester's history is still loading"), severity="information")
            return
        choices = [
            (
                Text.assemble(
                    f"#{ticket.id} ", (status_label(ticket.status), "dim"), " ", customer_line(ticket.subject)
                ),
                str(ticket.id),
            )
            for ticket in (*past.tickets, *past.account_tickets)
        ]

        def chosen(ticket_id: str | None) -> None:
            if ticket_id is not None:
                desk(self).open_ticket(int(ticket_id))

        empty = _("No other tickets from this requester or its account.")
        self.app.push_screen(ChoiceDialog(_("The requester's other tickets"), choices, empty), chosen)

    # Macros -------------------------------------------------------------------------------------------------

    def action_macro(self) -> None:
        if self._seen() is not None:
            self._load_macros()

    @work(thread=True, exclusive=True, exit_on_error=False, group="macros")
    def _load_macros(self) -> None:
        self.post_message(self.MacrosLoaded(macros.list_macros(self.ctx.db)))

    @on(MacrosLoaded)
    def _choose_macro(self, message: MacrosLoaded) -> None:
        if self.app.screen is not self:
            return
        by_id = {str(macro.id): macro for macro in message.macros}
        choices = [(macro_label(macro), key) for key, macro in by_id.items()]

        def chosen(key: str | None) -> None:
            if key is not None and (seen := self._seen()) is not None:
                self._prepare_macro(seen, by_id[key].id)

        empty = _("No macros yet; a supervisor adds them with `lifer-desk macros add`.")
        self.app.push_screen(ChoiceDialog(_("Use a macro"), choices, empty), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="macros")
    def _prepare_macro(self, seen: TicketDetail, macro_id: int) -> None:
        self.post_message(self.MacroPrepared(*macros.prepared(self.ctx, seen, macro_id)))

    @on(MacroPrepared)
    def _edit_macro(self, message: MacroPrepared) -> None:
        macro = message.macro
        seen = self._seen()
        assert seen is not None

        def written(body: str | None) -> None:
            if body is None:
                return
            # Kept as the reply draft until it is sent, so that a refusal loses nothing the agent wrote.
            self._remember(EventKind.REPLY, body)
            taken = self._take_draft()

            def save_and_apply(ctx: DeskContext, detail: TicketDetail) -> TicketDetail:
                with self._draft_lock:
                    self._write_draft(ctx, EventKind.REPLY, body, taken)
                    sent = macros.apply_macro(ctx, detail, macro, body)
                self.post_message(self.DraftSent(EventKind.REPLY, body))
                return sent

            self._change(save_and_apply, seen)

        title = _("Macro {label}: reply to the customer").format(label=macro_label(macro))
        self.app.push_screen(TextDialog(title, message.text), written)

    def action_more(self) -> None:
        if self.query_one(ThreadView).whole:
            self.notify(_("The whole thread is shown"), severity="information")
        else:
            self.reload_ticket(window=self._window.wider())

    def action_scroll(self, delta: int) -> None:
        thread = self.query_one(ThreadView)
        thread.scroll_relative(y=delta * 3, animate=False)
