"""`DeskApp`: the agents' desk. Modes hold the main screens (queues; audit and dashboard for supervisors); the
app owns what outlives a screen: the claims this agent holds, and how failures are shown. The admin API is the context's
(`ctx.admin`): services open it on first use, and the app only closes it on quit and names a sandbox."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import signal
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from lifer_desk.i18n import N_, _, install_language
from lifer_desk.services import agents, changes, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import AgentDeactivated, DeskError
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.ui.desk_screen import WorkerFailures
from lifer_desk.ui.key_help import HelpScreen, checked_keymap, desk_bindings, palette_commands, screen_keys
from lifer_desk.ui.palette import DeskCommands, translated_system_commands
from lifer_desk.ui.privacy.screen import PrivacyScreen
from lifer_desk.ui.queues.go_to_dialog import GoToDialog
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.terminal_input import SleepingInputDriver
from lifer_desk.ui.terminal_output import CompactingDriver
from lifer_desk.ui.text.errors import describe
from lifer_desk.ui.text.labels import CHECKPOINT_OVERDUE
from lifer_desk.ui.textual_strings import PALETTE_PLACEHOLDER
from lifer_desk.ui.theme import ANSI_COLOURS, DESK_THEME

if TYPE_CHECKING:
    from lifer_desk.ui.ticket.screen import TicketScreen

log = logging.getLogger(__name__)

# How often an open desk looks for outbox rows to deliver (issue 9: the deliverer runs in every open desk).
OUTBOX_EVERY = 2.0
# How often an open desk marks requests past either expiry (issue 9); a cheap read when none is due.
EXPIRE_REQUESTS_EVERY = 60.0
# A hang-up (SIGHUP, the connection dropped) or SIGTERM (`agents deactivate`, a killed session) must free the
# desk's claims and end it within 2 s; giving back the claims gets this long, the rest is leaving.
HANG_UP_RELEASE_SECONDS = 1.5
# The most the first screen is held back for its rows (`release_frames`): drawn as it is built, the first paint
# was three full frames (empty, the table's rows, the counts and the identity line) where one will do (issue 16).
FIRST_PAINT_HOLD_SECONDS = 1.0
# The most `?` help is held back for its layout: it was drawn whole several times over (issue 16).
HELP_PAINT_HOLD_SECONDS = 0.5
# What the first queue page does not need, by module: the other modes' screens, and the ticket screen. Each loads
# when first shown (issue 16: start-up within 1.0 s), and all but the dashboard in the background once the first
# page is drawn, so that the first `n` or `2` does not wait for its imports either. The dashboard's plots bring
# numpy, 17 MB of every desk's memory: only a supervisor who opens it pays for them.
LATER_SCREENS = {
    "feedback": ("lifer_desk.ui.feedback.screen", "FeedbackScreen"),
    "requests": ("lifer_desk.ui.requests.screen", "RequestsScreen"),
    "audit": ("lifer_desk.ui.audit.screen", "AuditScreen"),
    "dashboard": ("lifer_desk.ui.dashboard.screen", "DashboardScreen"),
    "ticket": ("lifer_desk.ui.ticket.screen", "TicketScreen"),
}


def later_screen(name: str) -> type[Screen[None]]:
    module, screen = LATER_SCREENS[name]
    return cast(type[Screen[None]], getattr(importlib.import_module(module), screen))


PRELOADED = ("ticket", "feedback", "requests", "audit")


def load_later_screens(names: Iterable[str] = LATER_SCREENS) -> None:
    for name in names:
        later_screen(name)


def _mode(name: str) -> Callable[[], Screen[None]]:
    return lambda: later_screen(name)()


def ticket_screen() -> type[TicketScreen]:
    return cast("type[TicketScreen]", later_screen("ticket"))


class DeskDriver(CompactingDriver, SleepingInputDriver):
    """A terminal's driver, as the desk has it: fewer bytes written (`ui.terminal_output`), and an input thread
    that sleeps while the agent types nothing (`ui.terminal_input`)."""


class DeskApp(App[None], WorkerFailures):
    CSS_PATH = Path(__file__).with_name("desk.tcss")
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        "queues": QueuesScreen,
        "feedback": _mode("feedback"),
        "requests": _mode("requests"),
        "audit": _mode("audit"),
        "dashboard": _mode("dashboard"),
    }
    DEFAULT_MODE: ClassVar[str] = "queues"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # F1 too, as in every dialog (`DeskModal`), where `?` is typed into the field.
        Binding("question_mark,f1", "help", N_("Help"), id="app.help"),
        # Out of the footer, which at 80 columns keeps its room for each screen's own keys; help lists it.
        Binding("q", "quit", N_("Quit"), show=False, id="app.quit"),
        Binding("1", "switch_mode('queues')", N_("Queues"), show=False, id="app.mode_queues"),
        Binding("2", "switch_mode('feedback')", N_("Feedback"), show=False, id="app.mode_feedback"),
        Binding("3", "switch_mode('requests')", N_("Requests"), show=False, id="app.mode_requests"),
        Binding("4", "supervisor_mode('audit')", N_("Audit"), show=False, id="app.mode_audit"),
        Binding("5", "supervisor_mode('dashboard')", N_("Dashboard"), show=False, id="app.mode_dashboard"),
        Binding("ctrl+g", "go_to_ticket", N_("Go to ticket"), show=False, id="app.go_to"),
        Binding("f12", "lock", N_("Hide the screen"), show=False, id="app.lock"),
    ]

    # Read by App.__init__ for Rich's named colours; see lifer_desk/ui/theme.py.
    ansi_theme_dark = Reactive(ANSI_COLOURS, init=False)

    class NextTicket(Message):
        def __init__(self, detail: TicketDetail | None) -> None:
            super().__init__()
            self.detail = detail

    class SupervisorChecked(Message):
        """The services let this agent into a supervisors' mode."""

        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    class AdminOpened(Message):
        """The admin API was opened, by whichever service used it first."""

        def __init__(self, in_process: bool) -> None:
            super().__init__()
            self.in_process = in_process

    def __init__(self, ctx: DeskContext, *, ticket_id: int | None = None) -> None:
        # A session speaks its agent's language (`agents set NAME --lang`), read as it opens: a change made
        # meanwhile shows in the agent's next session. Every string is translated where it is shown (i18n).
        install_language(agents.agent_language(ctx.db, ctx.agent, ctx.settings.lang))
        super().__init__()
        self.register_theme(DESK_THEME)
        self.theme = DESK_THEME.name
        self.ctx = ctx
        # `lifer-desk --ticket N`: the ticket opened over the first mode, so escape leads to the queues.
        self._first_ticket = ticket_id
        self._held: set[int] = set()
        # Set once the desk starts to leave (quit, hang-up): a next ticket that arrives after that is not opened,
        # since its claim is given back on the way out.
        self._leaving = False
        self._outbox_emptied: Hashable | None = None
        # Read by the terminal's driver (`ui.terminal_output`): whether frames are held back (`hold_frames`). Held
        # from the start: the first screen is drawn once it has its rows, which can come before this app's mount
        # (there, a hold begun too late waited out its whole timeout, a second, before the first paint).
        self.holding_frames = True
        self._frames_hold: Timer | None = None
        self.title = f"lifer-desk · {ctx.agent}"
        ctx.admin.on_open(lambda in_process: self.post_message(self.AdminOpened(in_process)))
        # Checked before the desk opens: a misspelt id would otherwise be ignored without a word. Every screen's
        # bindings must be loaded for that.
        if ctx.settings.keymap:
            load_later_screens()
        self.set_keymap(checked_keymap(ctx.settings.keymap, desk_bindings()))

    def get_driver_class(self) -> type[Driver]:
        # A terminal's driver is the desk's (`DeskDriver`); others (headless, for tests) are Textual's.
        driver = super().get_driver_class()
        return DeskDriver if driver is LinuxDriver else driver

    def on_mount(self) -> None:
        # The first screen is drawn once it has its rows (`release_frames`), or after this long at most.
        if self.is_headless:
            self.holding_frames = False
        elif self.holding_frames:
            self._frames_hold = self.set_timer(FIRST_PAINT_HOLD_SECONDS, self._release_frames)
        self.set_interval(OUTBOX_EVERY, self.deliver_outbox)
        # Every open desk imports new feedback, whichever mode it shows; any number of desks may at once.
        self.set_interval(self.ctx.settings.feedback_sync_seconds, self.sync_feedback)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(signum, self._hang_up)
        # One timer, reset by every key: it wakes once per idle period, and draws nothing until then.
        self._idle = self.set_interval(self.ctx.settings.idle_lock_minutes * 60, self.action_lock, name="idle-lock")
        if self._first_ticket is not None:
            self.open_ticket(self._first_ticket)

    def deliver_outbox(self) -> None:
        """Run by the outbox timer: a delivery pass, unless the last one is still going (it runs until idle), or
        nothing was committed since a pass last found the outbox empty (an idle desk reads no table)."""
        seen = changes.version(self.ctx)
        if seen == self._outbox_emptied:
            return
        if not any(worker.group == "outbox" and not worker.is_finished for worker in self.workers):
            self._deliver_outbox(seen)

    def on_ready(self) -> None:
        # Everything built so far (modules, styles, the first screen) lives as long as the app: moving it out
        # of the collector's reach keeps full collections short, which would otherwise stall a keystroke. The
        # collector was paused for start-up (lifer_desk/__init__.py): it works from here on.
        gc.freeze()
        gc.enable()
        self._load_later_screens()
        self.expire_requests()
        self.set_interval(EXPIRE_REQUESTS_EVERY, self.expire_requests)
        self._warn_of_old_checkpoint()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._idle.reset()
            if isinstance(self.screen, PrivacyScreen):
                # The key only brings the desk back: it must not also act on the screen it uncovers.
                self.pop_screen()
                return
        await super().on_event(event)

    def action_lock(self) -> None:
        """Hide every customer now, as an idle desk does by itself after LIFER_IDLE_LOCK_MINUTES."""
        if not isinstance(self.screen, PrivacyScreen):
            self.push_screen(PrivacyScreen(self.ctx.agent))

    # What screens ask of the app --------------------------------------------------------------------------

    def hold_frames(self, seconds: float) -> None:
        """Write no frame until `release_frames` (or `seconds` at most), then the whole screen in one: for a screen
        built in steps (laid out, its rows, its footer...), each of which Textual would draw (issue 16)."""
        if not self.is_headless:
            self.holding_frames = True
            if self._frames_hold is not None:
                self._frames_hold.stop()
            self._frames_hold = self.set_timer(seconds, self._release_frames)

    def release_frames(self) -> None:
        """What was held is ready: once the frame being made of it is done (and held too), draw the screen."""
        if self.holding_frames:
            self.call_after_refresh(self._release_frames)

    def _release_frames(self) -> None:
        if self.holding_frames:
            self.holding_frames = False
            if self._frames_hold is not None:
                self._frames_hold.stop()
            # The frames held back were not written: the whole screen now, in one.
            self.screen.refresh()

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, AgentDeactivated):
            # No more changes may be made as this agent: say why on the terminal the desk hands back, and stop.
            # Their claims cannot be released as them any more; they lapse with the lease.
            self._held.clear()
            self.exit(return_code=2, message=Text(f"lifer-desk: {error}"))
            return
        report = describe(error)
        if report.log:
            # The terminal gets one sentence; the traceback (and a database error's SQL) goes to desk.log.
            log.error("%s reached the desk: %s", type(error).__name__, error, exc_info=error)
        # Refusals can quote the admin API's problem detail: untrusted text, so never markup.
        self.notify(report.text, title=report.title, severity=report.severity, markup=False)

    def open_ticket(self, ticket_id: int) -> None:
        self.push_screen(ticket_screen()(ticket_id))

    def open_request(self, request_id: int) -> None:
        """A request link (the audit pane's): Requests mode, with the request open over its table."""
        # Imported here, as the other modes' screens are loaded later (start-up, issue 16).
        from lifer_desk.ui.requests.detail import RequestDetailScreen

        self.switch_mode("requests")
        self.push_screen(RequestDetailScreen(request_id))

    def open_next_ticket(self) -> None:
        # One at a time: a second `n` while the first is on its way would claim a ticket nobody is shown.
        if not self._leaving and not self._taking_next():
            self._take_next()

    def _taking_next(self) -> list[Worker[TicketDetail | None]]:
        return [worker for worker in self.workers if worker.group == "next" and not worker.is_finished]

    def track_claim(self, ticket_id: int, held: bool) -> None:
        if held:
            self._held.add(ticket_id)
        else:
            self._held.discard(ticket_id)

    def expire_requests(self) -> None:
        """Run when the desk opens and then every EXPIRE_REQUESTS_EVERY seconds: requests past either expiry
        are marked expired, so that no desk shows one as still awaiting approval or approved."""
        self._expire_requests()

    def release_claim(self, ticket_id: int) -> None:
        if ticket_id in self._held:
            self._held.discard(ticket_id)
            self._release(ticket_id)

    # Workers and handlers -----------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="later-screens")
    def _load_later_screens(self) -> None:
        load_later_screens(PRELOADED)

    @work(exit_on_error=False, group="outbox")
    async def _deliver_outbox(self, seen: Hashable) -> None:
        # The services below are imported where they are first used, after the first page (start-up, issue 16).
        from lifer_desk.services import outbox_deliverer

        await outbox_deliverer.deliver_due(self.ctx)
        # It returns once nothing is pending, as read after `seen`: the outbox stays empty until a commit.
        self._outbox_emptied = seen

    @work(exclusive=True, exit_on_error=False, group="feedback-sync")
    async def sync_feedback(self) -> None:
        """What the feedback timer runs: import new feedback, unless another desk just did. A failure is the next
        timer's to retry; an outage is recorded for Feedback mode's sync line, and the rest goes to desk.log rather
        than interrupting."""
        from lifer_desk.admin_api import AdminApiError
        from lifer_desk.services import feedback_sync

        try:
            await feedback_sync.sync_if_due(self.ctx)
        except (AdminApiError, DeskError) as failure:
            log.warning("background feedback sync: %s", failure)

    @work(thread=True, exit_on_error=False, group="release")
    def _release(self, ticket_id: int) -> None:
        tickets.release_claim(self.ctx, ticket_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="expire")
    def _expire_requests(self) -> None:
        from lifer_desk.services import requests

        requests.expire_due(self.ctx)

    @work(thread=True, exit_on_error=False, group="checkpoint-warning")
    def _warn_of_old_checkpoint(self) -> None:
        from lifer_desk.services import audit_review

        # Issue 11: the desk warns supervisors (only them; the service decides) as they start, not only in Audit.
        if audit_review.checkpoint_overdue(self.ctx):
            self.notify(_(CHECKPOINT_OVERDUE) + " " + _("Write one in Audit (4, then C)."), severity="warning")

    @work(thread=True, exit_on_error=False, group="next")
    def _take_next(self) -> TicketDetail | None:
        detail = tickets.next_unclaimed(self.ctx)
        self.post_message(self.NextTicket(detail))
        # Also returned, for a quit that waits for it: that claim must be released like any other.
        return detail

    @work(thread=True, exclusive=True, exit_on_error=False, group="supervisor-mode")
    def _check_supervisor(self, mode: str) -> None:
        from lifer_desk.services import audit_review

        # The services decide, and audit an agent's attempt; the refusal reaches the agent as any error does.
        audit_review.require_supervisor(self.ctx, "list" if mode == "audit" else "dashboard")
        self.post_message(self.SupervisorChecked(mode))

    @on(SupervisorChecked)
    def _enter_supervisor_mode(self, message: SupervisorChecked) -> None:
        self.switch_mode(message.mode)

    @on(AdminOpened)
    def _name_the_admin_api(self, message: AdminOpened) -> None:
        if message.in_process:
            # Set without a repaint: no header draws it (the identity line names the admin API), and as a reactive
            # it repainted the whole screen, 4 KB over SSH, at the first feedback sync of every idle desk.
            self.set_reactive(DeskApp.sub_title, _("admin API: in-process sandbox"))

    @on(NextTicket)
    def _open_next(self, message: NextTicket) -> None:
        if self._leaving:
            return
        detail = message.detail
        if detail is None:
            self.notify(_("No unclaimed tickets"), severity="information")
            return
        self.track_claim(detail.id, True)
        screen = ticket_screen()(detail.id, detail)
        replaced = self.screen
        if isinstance(replaced, ticket_screen()):
            # The ticket this screen replaces leaves the agent's sight, so it gives its claim back.
            if replaced.ticket_id != detail.id:
                self.release_claim(replaced.ticket_id)
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # Actions ------------------------------------------------------------------------------------------------

    def action_supervisor_mode(self, mode: str) -> None:
        """Audit and dashboard are for supervisors: an agent pressing 4 or 5 is told so (and the attempt audited)."""
        if self.current_mode == mode:
            return
        self._check_supervisor(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Not over a dialog: what the agent is writing there stays in front of them.
        return action != "go_to_ticket" or not isinstance(self.screen, ModalScreen)

    def action_go_to_ticket(self) -> None:
        def chosen(detail: TicketDetail | None) -> None:
            if detail is not None:
                self.push_screen(ticket_screen()(detail.id, detail))

        self.push_screen(GoToDialog(), chosen)

    def action_help(self) -> None:
        screen = self.screen
        title = getattr(screen, "title_text", "")
        # Drawn once laid out with its footer (`HelpScreen.on_mount`), not at each step of getting there.
        self.hold_frames(HELP_PAINT_HOLD_SECONDS)
        self.push_screen(HelpScreen(title, screen_keys(self, screen)))

    async def action_switch_mode(self, mode: str) -> None:
        """`1`..`5`: switch mode; the current mode's key brings back its own screen, as escape would (`1` from a
        ticket goes back to the queues and gives the ticket's claim back).

        Not while a dialog is open (a dialog stops these keys, but the command palette can still ask): leaving
        it would drop what it holds without asking.
        """
        if isinstance(self.screen, ModalScreen):
            self.notify(_("Close the dialog first (escape)."), severity="warning")
            return
        if mode != self.current_mode:
            self.switch_mode(mode)
            return
        while len(self.screen_stack) > 1:
            if isinstance(screen := self.screen, ticket_screen()):
                self.release_claim(screen.ticket_id)
            await self.pop_screen()

    async def action_quit(self) -> None:
        """Leave no claim behind: a ticket still open on screen, or on its way to it, is released before the desk
        exits."""
        self._leaving = True
        await self._give_back_claims()
        # The deliverer first: it must not open the admin API again while it is being closed.
        self.workers.cancel_group(self, "outbox")
        await self.ctx.admin.aclose()
        self.exit()

    def _hang_up(self) -> None:
        # One hang-up is enough: a closed terminal can bring two (the kernel's SIGHUP, and the input thread's), and
        # a second must not start giving the claims back over again.
        if any(worker.group == "hang-up" for worker in self.workers):
            return
        self.run_worker(self._leave_after_hang_up(), group="hang-up", exclusive=True, exit_on_error=False)

    async def _leave_after_hang_up(self) -> None:
        # Nobody is at the terminal any more: give the claims back as far as the time allows, then go, so that a
        # database stalled by someone else's lock cannot keep a dead session alive.
        self._leaving = True
        with suppress(TimeoutError):
            await asyncio.wait_for(self._give_back_claims(), HANG_UP_RELEASE_SECONDS)
        self.exit(return_code=1)

    async def _give_back_claims(self) -> None:
        for taking in self._taking_next():
            with suppress(WorkerFailed, WorkerCancelled):
                if (detail := await taking.wait()) is not None:
                    self._held.add(detail.id)
        for ticket_id in sorted(self._held):
            release = partial(tickets.release_claim, self.ctx, ticket_id)
            worker = self.run_worker(release, thread=True, exit_on_error=False)
            with suppress(WorkerFailed):
                await worker.wait()
        self._held.clear()

    def bilingual_commands(self, screen: Screen[None]) -> Iterator[tuple[SystemCommand, str]]:
        """The palette's commands in the agent's language, each with its English name (`ui.palette`)."""
        yield from palette_commands(self, screen)
        yield from translated_system_commands(super().get_system_commands(screen))

    def get_system_commands(self, screen: Screen[None]) -> Iterable[SystemCommand]:
        for command, _english in self.bilingual_commands(screen):
            yield command

    def action_command_palette(self) -> None:
        # Textual's own, but with its placeholder in the agent's language.
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder=_(PALETTE_PLACEHOLDER), id="--command-palette"))


def run_desk(ctx: DeskContext, ticket_id: int | None = None) -> int:
    """Open the desk in the terminal for `ctx.agent` (on ticket `ticket_id` when given); returns its exit code
    when the agent quits or it stops."""
    app = DeskApp(ctx, ticket_id=ticket_id)
    app.run(mouse=ctx.settings.mouse)
    return app.return_code or 0
