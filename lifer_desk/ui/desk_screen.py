"""What every desk screen shares: the desk context and the one worker-failure handler."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from functools import lru_cache
from typing import ClassVar, Protocol, TypeVar, cast

from textual import events, on, work
from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from lifer_desk.i18n import N_, _, current_language
from lifer_desk.services import changes
from lifer_desk.services.context import DeskContext
from lifer_desk.ui.identity import IdentityLine, identity_text
from lifer_desk.ui.still_footer import StillFooter

ResultType = TypeVar("ResultType")


class DeskHost(Protocol):
    """The app as screens see it (the app module imports the screens, so not the other way round).

    No admin client here: screens reach the admin API only through services, which take it from `ctx.admin`.
    """

    ctx: DeskContext

    def show_error(self, error: BaseException) -> None: ...

    def open_ticket(self, ticket_id: int) -> None: ...

    def open_request(self, request_id: int) -> None: ...

    def open_next_ticket(self) -> None: ...

    def track_claim(self, ticket_id: int, held: bool) -> None: ...

    def release_claim(self, ticket_id: int) -> None: ...

    def release_frames(self) -> None: ...


def desk(node: DOMNode) -> DeskHost:
    return cast(DeskHost, node.app)


class WorkerFailures(DOMNode):
    """Mixed into the app and every desk screen: a worker that raised shows its error instead of stopping the app.

    Worker state changes do not bubble, so each screen needs the handler; this is its only definition. It
    goes after the Textual base: Textual inherits CSS along the first DOMNode base only, and with this mixin
    first, App, Screen and ModalScreen's default styles (text colour, the modal backdrop) were lost.
    """

    @on(Worker.StateChanged)
    def _report_failed_worker(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            desk(self).show_error(event.worker.error)


@lru_cache(maxsize=1024)
def _translated(binding: Binding, lang: str) -> Binding:
    # `lang` is part of the cache key: one binding reads differently in each language.
    tooltip = _(binding.tooltip) if binding.tooltip else binding.tooltip
    return replace(binding, description=_(binding.description) if binding.description else "", tooltip=tooltip)


def translated_bindings(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """`bindings` in the agent's language, the desk's (marked with `N_`) and Textual's own alike.

    Bindings are made once, when their class is, in English; what the footer, help and the command palette
    show is read from here (`Screen.active_bindings`), so each session shows its agent's language.
    """
    lang = current_language()
    return {
        key: active._replace(
            binding=_translated(active.binding, lang), tooltip=_(active.tooltip) if active.tooltip else ""
        )
        for key, active in bindings.items()
    }


class DeskScreen(Screen[None], WorkerFailures):
    """A main desk screen. Each gets the identity line, so that a screen added later cannot leave it out."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated_bindings(super().active_bindings)

    @property
    def ctx(self) -> DeskContext:
        return desk(self).ctx

    @property
    def title_text(self) -> str:
        """What the screen shows, for the identity line and help's title ("Queues", "Ticket #12")."""
        return ""

    @on(events.Mount)
    async def _mount_identity(self) -> None:
        ctx = self.ctx
        await self.mount(IdentityLine(identity_text(self.title_text, ctx.agent, ctx.role, ctx.settings)), before=0)


class PolledScreen(DeskScreen):
    """A mode that polls for other desks' changes while it is shown: at once when polling starts and whenever
    the screen comes back, every `poll_every` seconds in between, and not at all while another screen covers
    it (a hidden mode costs no queries).

    Each tick first looks, on the UI's thread, whether anything was committed since the last one
    (`services.changes`: SQLite's data_version, PostgreSQL's notifications; no table is read) or the screen's
    `clock_marker` moved. Only then does the poll worker read the marker (`read_marker`, in a thread), and the
    handler repaints (`show_changes`) only when the marker moved: an idle mode reads no table and writes no bytes.
    """

    class Polled(Message):
        """What one poll saw: a marker that moves with every change the screen shows."""

        def __init__(self, marker: Hashable) -> None:
            super().__init__()
            self.marker = marker

        def can_replace(self, message: Message) -> bool:
            # A burst of polls (a slow handler, a resumed screen) needs only the latest reading.
            return isinstance(message, PolledScreen.Polled)

    _poller: Timer | None = None
    # The marker the screen shows; None until the first poll.
    _shown: Hashable | None = None
    # What the last tick saw (the database's change version and the clock marker); None until the first.
    _seen: Hashable | None = None

    def read_marker(self) -> Hashable:
        """What the screen's content depends on, read in the poll worker's thread."""
        raise NotImplementedError

    def clock_marker(self) -> Hashable:
        """What the screen shows that moves with the clock alone (the minute of its countdowns), read every tick."""
        return None

    def show_changes(self, marker: Hashable, before: Hashable | None) -> None:
        """Repaint after the marker moved from `before` (None on the first poll) to `marker`."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll")
    def poll_changes(self) -> None:
        """Read the marker and post it as `Polled`: on a tick that saw a change, or now (after this desk's own)."""
        self.post_message(self.Polled(self.read_marker()))

    def _tick(self) -> None:
        # The version first: a commit after it is read moves it again, so the next tick sees that one.
        seen = (changes.version(self.ctx), self.clock_marker())
        if seen != self._seen:
            self._seen = seen
            self.poll_changes()

    @on(Polled)
    def _polled(self, message: Polled) -> None:
        if message.marker != self._shown:
            before, self._shown = self._shown, message.marker
            self.show_changes(message.marker, before)

    def start_polling(self, poll_every: float) -> None:
        self._tick()
        self._poller = self.set_interval(poll_every, self._tick)

    def on_screen_suspend(self) -> None:
        if self._poller is not None:
            self._poller.pause()

    def on_screen_resume(self) -> None:
        if self._poller is not None:
            self._poller.resume()
            self._tick()


class DeskModal(ModalScreen[ResultType], WorkerFailures):
    """A desk dialog. A modal screen stops the app's own keys, and `?` is typed into its fields, so F1 lists the
    dialog's keys here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "app.help", N_("Help"), id="dialog.help"),
        # Priority, so that the app moves the focus as the key arrives. Textual hands every other key to the
        # widget focused when it arrives, in that widget's queue: "X", Tab, "Y" in one read of the terminal
        # (fast typing, a paste, a laggy SSH link) all went to the first field, as "XY".
        Binding("tab", "app.focus_next", show=False, priority=True, id="dialog.next_field"),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True, id="dialog.previous_field"),
    ]

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated_bindings(super().active_bindings)

    @property
    def ctx(self) -> DeskContext:
        return desk(self).ctx

    @on(events.Mount)
    async def _mount_footer(self) -> None:
        # The dialog's own keys, over the footer of the screen beneath, whose keys do not apply here.
        await self.mount(StillFooter(compact=True))
