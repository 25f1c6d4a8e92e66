"""`DeskApp`: the agents' desk. Modes hold the main screens (only queues so far); the app owns what outlives
a screen: the claims this agent holds, and how failures are shown. The admin API is the context's
(`ctx.admin`): services open it on first use, and the app only closes it on quit and names a sandbox."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from lifer_desk.i18n import _
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import AgentDeactivated
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.ui.desk_screen import WorkerFailures
from lifer_desk.ui.key_help import HelpScreen, checked_keymap, desk_bindings, palette_commands, screen_keys
from lifer_desk.ui.privacy.screen import PrivacyScreen
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.text.errors import describe
from lifer_desk.ui.ticket.screen import TicketScreen

log = logging.getLogger(__name__)

# A hang-up (SIGHUP, the connection dropped) or SIGTERM (`agents deactivate`, a killed session) must free the
# desk's claims and end it within 2 s; giving back the claims gets this long, the rest is leaving.
HANG_UP_RELEASE_SECONDS = 1.5


class DeskApp(App[None], WorkerFailures):
    CSS_PATH = Path(__file__).with_name("desk.tcss")
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {"queues": QueuesScreen}
    DEFAULT_MODE: ClassVar[str] = "queues"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", _("Help"), id="app.help"),
        Binding("q", "quit", _("Quit"), id="app.quit"),
        Binding("1", "switch_mode('queues')", _("Queues"), show=False, id="app.mode_queues"),
        Binding("f12", "lock", _("Hide the screen"), show=False, id="app.lock"),
    ]

    class NextTicket(Message):
        def __init__(self, detail: TicketDetail | None) -> None:
            super().__init__()
            self.detail = detail

    class AdminOpened(Message):
        """The admin API was opened, by whichever service used it first."""

        def __init__(self, in_process: bool) -> None:
            super().__init__()
            self.in_process = in_process

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._held: set[int] = set()
        self.title = f"lifer-desk · {ctx.agent}"
        ctx.admin.on_open(lambda in_process: self.post_message(self.AdminOpened(in_process)))
        # Checked before the desk opens: a misspelt id would otherwise be ignored without a word.
        self.set_keymap(checked_keymap(ctx.settings.keymap, desk_bindings()))

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(signum, self._hang_up)
        # One timer, reset by every key: it wakes once per idle period, and draws nothing until then.
        self._idle = self.set_interval(self.ctx.settings.idle_lock_minutes * 60, self.action_lock, name="idle-lock")

    def on_ready(self) -> None:
        # Everything built so far (modules, styles, the first screen) lives as long as the app: moving it out
        # of the collector's reach keeps full collections short, which would otherwise stall a keystroke.
        gc.freeze()

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
        self.push_screen(TicketScreen(ticket_id))

    def open_next_ticket(self) -> None:
        # One at a time: a second `n` while the first is on its way would claim a ticket nobody is shown.
        if not self._taking_next():
            self._take_next()

    def _taking_next(self) -> list[Worker[TicketDetail | None]]:
        return [worker for worker in self.workers if worker.group == "next" and not worker.is_finished]

    def track_claim(self, ticket_id: int, held: bool) -> None:
        if held:
            self._held.add(ticket_id)
        else:
            self._held.discard(ticket_id)

    def release_claim(self, ticket_id: int) -> None:
        if ticket_id in self._held:
            self._held.discard(ticket_id)
            self._release(ticket_id)

    # Workers and handlers -----------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="release")
    def _release(self, ticket_id: int) -> None:
        tickets.release_claim(self.ctx, ticket_id)

    @work(thread=True, exit_on_error=False, group="next")
    def _take_next(self) -> TicketDetail | None:
        detail = tickets.next_unclaimed(self.ctx)
        self.post_message(self.NextTicket(detail))
        # Also returned, for a quit that waits for it: that claim must be released like any other.
        return detail

    @on(AdminOpened)
    def _name_the_admin_api(self, message: AdminOpened) -> None:
        if message.in_process:
            self.sub_title = _("admin API: in-process sandbox")

    @on(NextTicket)
    def _open_next(self, message: NextTicket) -> None:
        detail = message.detail
        if detail is None:
            self.notify(_("No unclaimed tickets"), severity="information")
            return
        self.track_claim(detail.id, True)
        screen = TicketScreen(detail.id, detail)
        replaced = self.screen
        if isinstance(replaced, TicketScreen):
            # The ticket this screen replaces leaves the agent's sight, so it gives its claim back.
            if replaced.ticket_id != detail.id:
                self.release_claim(replaced.ticket_id)
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # Actions ------------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        screen = self.screen
        title = getattr(screen, "title_text", "")
        self.push_screen(HelpScreen(title, screen_keys(self, screen)))

    async def action_quit(self) -> None:
        """Leave no claim behind: a ticket still open on screen, or on its way to it, is released before the desk
        exits."""
        await self._give_back_claims()
        await self.ctx.admin.aclose()
        self.exit()

    def _hang_up(self) -> None:
        self.run_worker(self._leave_after_hang_up(), group="hang-up", exclusive=True, exit_on_error=False)

    async def _leave_after_hang_up(self) -> None:
        # Nobody is at the terminal any more: give the claims back as far as the time allows, then go, so that a
        # database stalled by someone else's lock cannot keep a dead session alive.
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

    def get_system_commands(self, screen: Screen[None]) -> Iterable[SystemCommand]:
        yield from palette_commands(self, screen)
        yield from super().get_system_commands(screen)


def run_desk(ctx: DeskContext) -> int:
    """Open the desk in the terminal for `ctx.agent`; returns its exit code when the agent quits or it stops."""
    app = DeskApp(ctx)
    app.run()
    return app.return_code or 0
