"""Dashboard mode (supervisors): queue depth, SLA breaches, legal deadlines, verification failures, workload and
feedback volume, and a warning when no audit checkpoint was signed in the last 24 h.

It reads the figures every 30 s and redraws only the panels whose figures changed, so an idle dashboard sends
nothing over SSH (no clock on screen either). Sparklines carry the small trends and a `textual-plot` line the
open-ticket series; every panel also states its numbers as text, so it reads under NO_COLOR and at 80x24.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Sparkline, Static
from textual_plot import PlotWidget

from lifer_desk.domain.queues import QueueName
from lifer_desk.i18n import N_, _
from lifer_desk.services import dashboard
from lifer_desk.services.dashboard import DashboardFigures
from lifer_desk.services.queues import COUNT_CAP
from lifer_desk.ui.desk_screen import DeskScreen
from lifer_desk.ui.text.cells import fit
from lifer_desk.ui.text.labels import CHECKPOINT_OVERDUE

REFRESH_EVERY = 30.0
# The two legal clocks (DESIGN 1), short enough for a third of 80 cells.
_CLOCKS = {"calendar_30d": N_("30 cal. days"), "working_15d": N_("15 work days")}


def _count(value: int) -> str:
    return f"{COUNT_CAP}+" if value > COUNT_CAP else str(value)


def queues_text(figures: DashboardFigures) -> Text:
    text = Text(_("Queues") + "\n", style="bold")
    for name, depth in figures.queues.items():
        text.append(f"{fit(QueueName(name).label, 14)} {_count(depth):>6}\n")
    return text


def breaches_text(figures: DashboardFigures) -> Text:
    text = Text(_("SLA breached now: {n}").format(n=figures.breached), style="bold")
    text.append("\n" + _("per day, 14 d (max {n})").format(n=max(figures.breaches_per_day, default=0)), style="dim")
    return text


def requests_text(figures: DashboardFigures) -> Text:
    text = Text(_("Requests     ≤3 d  late") + "\n", style="bold")
    for clock, due in figures.requests.items():
        text.append(f"{fit(_(_CLOCKS[clock]), 12)}{due.due_3d:>5}")
        text.append(f"{due.overdue:>6}\n", style="bold reverse" if due.overdue else "")
    return text


def failures_text(figures: DashboardFigures) -> Text:
    text = Text(_("Verification failures, 7 d") + "\n", style="bold")
    if not figures.verification_failures:
        text.append(_("none"), style="dim")
    for row in figures.verification_failures[:5]:
        text.append(f"{fit(row.agent, 12)} {row.failures:>4}")
        if row.outlier:
            # Said in words as well as colour: NO_COLOR terminals must see the flag too.
            text.append(" " + _("OUTLIER"), style="bold reverse")
        text.append("\n")
    return text


def workload_text(figures: DashboardFigures) -> Text:
    text = Text(_("Agent      claimed  open") + "\n", style="bold")
    for row in figures.workload[:5]:
        text.append(f"{fit(row.agent, 10)} {row.claimed:>7} {row.open:>5}\n")
    text.append(
        _("closed today: {n}").format(n=figures.closed_per_day[-1] if figures.closed_per_day else 0), style="dim"
    )
    return text


def feedback_text(figures: DashboardFigures) -> Text:
    volume = figures.feedback
    text = Text(_("Feedback, 14 d: {n}").format(n=sum(volume.per_day)) + "\n", style="bold")
    if not volume.by_tag:
        text.append(_("no tags"), style="dim")
    for tag, items in volume.by_tag[:4]:
        # Tags are the desk's own words, but typed by agents: plain text all the same.
        text.append(f"{fit(tag, 12)} {items:>5}\n")
    return text


def title_text(figures: DashboardFigures | None) -> Text:
    if figures is None or not figures.checkpoint_overdue:
        return Text(_("Dashboard · updates every 30 s"), style="bold")
    text = Text(_("Dashboard") + " · ", style="bold")
    # In words and reversed: it must read under NO_COLOR too.
    text.append(_(CHECKPOINT_OVERDUE) + " " + _("Audit (4), then C."), style="bold reverse")
    return text


class DashboardScreen(DeskScreen):
    PALETTE_NAME: ClassVar[str] = N_("dashboard")

    class Loaded(Message):
        def __init__(self, figures: DashboardFigures) -> None:
            super().__init__()
            self.figures = figures

    def __init__(self) -> None:
        super().__init__()
        self._shown: dict[str, Any] = {}
        self._timer: Timer | None = None
        self._reader = dashboard.DashboardReader()

    @property
    def title_text(self) -> str:
        return _("Dashboard")

    def compose(self) -> ComposeResult:
        yield Static(title_text(None), id="dash-title")
        with Horizontal(classes="dash-row"):
            yield Static("", id="dash-queues", classes="dash-panel")
            with Vertical(classes="dash-panel"):
                yield Static("", id="dash-breaches")
                yield Sparkline([], id="dash-breach-spark")
                yield Static("", id="dash-requests")
            with Vertical(classes="dash-panel"):
                yield Static(Text(_("Open tickets, 14 d"), style="bold"), id="dash-open-title")
                if self.app.no_color:
                    # textual-plot's canvas cannot be drawn through Textual's monochrome filter (it raises on an
                    # unstyled cell), so without colour the series is a sparkline; the title still gives its ends.
                    yield Sparkline([], id="dash-open-spark")
                else:
                    plot = PlotWidget(id="dash-open-plot", allow_pan_and_zoom=False)
                    # A chart to read, not to drive: the desk's keys (and the footer) stay the desk's.
                    plot.can_focus = False
                    yield plot
        with Horizontal(classes="dash-row"):
            yield Static("", id="dash-failures", classes="dash-panel")
            with Vertical(classes="dash-panel"):
                yield Static("", id="dash-workload")
                yield Sparkline([], id="dash-closed-spark")
            with Vertical(classes="dash-panel", id="dash-feedback-panel"):
                yield Static("", id="dash-feedback")
                yield Sparkline([], id="dash-feedback-spark")
        yield Footer()

    def on_mount(self) -> None:
        for plot in self.query(PlotWidget):
            plot.margin_top, plot.margin_bottom, plot.margin_left = 0, 2, 5
        self.refresh_figures()
        self._timer = self.set_interval(REFRESH_EVERY, self.refresh_figures)

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
            self.refresh_figures()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def refresh_figures(self) -> None:
        """What the refresh timer runs: read every figure and post them."""
        self.post_message(self.Loaded(self._reader.figures(self.ctx)))

    def _changed(self, figures: DashboardFigures, *parts: str) -> bool:
        now = tuple(figures.part(name) for name in parts)
        key = "+".join(parts)
        if self._shown.get(key) == now:
            return False
        self._shown[key] = now
        return True

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        figures = message.figures
        if self._changed(figures, "checkpoint_overdue"):
            self.query_one("#dash-title", Static).update(title_text(figures))
        if self._changed(figures, "queues"):
            self.query_one("#dash-queues", Static).update(queues_text(figures))
        if self._changed(figures, "breached", "breaches_per_day"):
            self.query_one("#dash-breaches", Static).update(breaches_text(figures))
            self.query_one("#dash-breach-spark", Sparkline).data = list(figures.breaches_per_day)
        if self._changed(figures, "requests"):
            self.query_one("#dash-requests", Static).update(requests_text(figures))
        if self._changed(figures, "open_trend"):
            self._show_open_trend(figures.open_trend)
        if self._changed(figures, "verification_failures"):
            self.query_one("#dash-failures", Static).update(failures_text(figures))
        if self._changed(figures, "workload", "closed_per_day"):
            self.query_one("#dash-workload", Static).update(workload_text(figures))
            self.query_one("#dash-closed-spark", Sparkline).data = list(figures.closed_per_day)
        if self._changed(figures, "feedback"):
            self.query_one("#dash-feedback", Static).update(feedback_text(figures))
            self.query_one("#dash-feedback-spark", Sparkline).data = list(figures.feedback.per_day)

    def _show_open_trend(self, trend: tuple[int, ...]) -> None:
        title = Text(_("Open tickets, 14 d"), style="bold")
        if trend:
            title.append("  " + _("{first} → {last}").format(first=trend[0], last=trend[-1]))
        self.query_one("#dash-open-title", Static).update(title)
        for spark in self.query("#dash-open-spark").results(Sparkline):
            spark.data = list(trend)
        for plot in self.query(PlotWidget):
            plot.clear()
            plot.plot(list(range(-len(trend) + 1, 1)), list(trend))
            plot.set_xlabel(_("days ago"))
