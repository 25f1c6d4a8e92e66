"""One feedback item: its text (safe, personal data masked until revealed with a reason), the masked account, its
history, other feedback from the same account, and the triage keys."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Static

from lifer_desk.domain.feedback import Mailbox, TriageAction
from lifer_desk.i18n import N_, _
from lifer_desk.services import feedback
from lifer_desk.services.feedback import FeedbackDetail
from lifer_desk.ui.desk_screen import DeskScreen
from lifer_desk.ui.dialogs import ChoiceDialog, TextDialog
from lifer_desk.ui.text.cells import customer_line, customer_text, local_time

MAX_REASON = feedback.MAX_REASON


def _history_label(action: str) -> str:
    """What happened to an item, in the agent's language: its arrival or a triage action."""
    if action == "received":
        return _("received")
    try:
        return TriageAction(action).label
    except ValueError:
        return action


def detail_header(detail: FeedbackDetail, zone: object) -> Text:
    when = local_time(detail.submitted_at, zone)  # type: ignore[arg-type]  # a ZoneInfo, as settings hold it
    # The web form sends "web" as its platform too: a platform that only repeats the channel is said once.
    platform = detail.platform if detail.platform != detail.channel else None
    source = " · ".join(filter(None, (detail.channel, " ".join(filter(None, (platform, detail.app_version))))))
    line = Text.assemble(
        (f"#{detail.id} ", "bold"),
        (detail.mailbox.label, "bold"),
        f" · {source} · {when}",
        no_wrap=True,
        overflow="ellipsis",
        end="",
    )
    line.append("\n")
    line.append(_("account {account}").format(account=detail.account_masked))
    if detail.ticket_id is not None:
        line.append(" · " + _("ticket #{id}").format(id=detail.ticket_id))
    line.append(" · " + _("tags: {tags}").format(tags=", ".join(detail.tags) or "—"))
    return line


def history_text(detail: FeedbackDetail, zone: ZoneInfo) -> Text:
    text = Text(_("History"), style="bold", end="")
    for entry in detail.history:
        label = _history_label(entry.action)
        extra = f" {entry.detail}" if entry.detail else ""
        when = local_time(entry.at, zone)
        text.append(f"\n{when}  {entry.actor}  {label}{extra}")
    return text


def others_text(detail: FeedbackDetail) -> Text:
    text = Text(_("Other feedback from this account"), style="bold", end="")
    if not detail.same_account:
        text.append("\n" + (_("none") if detail.has_account else _("no account: sent without logging in")))
    for row in detail.same_account:
        text.append(f"\n#{row.id} {row.mailbox.label}: ")
        text.append_text(customer_line(row.text))
    return text


class FeedbackDetailScreen(DeskScreen):
    PALETTE_NAME: ClassVar[str] = N_("feedback item")
    DEFAULT_CSS = """
    #feedback-header { height: auto; padding: 0 1; background: $panel; }
    #feedback-body { height: 1fr; padding: 0 1; }
    .feedback-part { margin-top: 1; height: auto; }
    #feedback-revealed { color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="feedback_item.back"),
        Binding("r", "triage('review')", N_("Reviewed"), id="feedback_item.review"),
        Binding("t", "tag", N_("Tag"), id="feedback_item.tag"),
        Binding("T", "untag", N_("Untag"), show=False, id="feedback_item.untag"),
        Binding("x", "spam", N_("Spam/not spam"), id="feedback_item.spam"),
        Binding("c", "triage('convert')", N_("To ticket"), id="feedback_item.convert"),
        Binding("u", "triage('unconvert')", N_("Undo ticket"), id="feedback_item.unconvert"),
        Binding("v", "reveal", N_("Reveal"), id="feedback_item.reveal"),
    ]

    class Loaded(Message):
        def __init__(self, detail: FeedbackDetail, revealed: str | None = None) -> None:
            super().__init__()
            self.detail = detail
            self.revealed = revealed

    def __init__(self, item_id: int) -> None:
        super().__init__()
        self.item_id = item_id
        self.detail: FeedbackDetail | None = None

    @property
    def title_text(self) -> str:
        return _("Feedback #{id}").format(id=self.item_id)

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Loading…")), id="feedback-header")
        with VerticalScroll(id="feedback-body"):
            yield Static("", id="feedback-text", markup=False)
            yield Static("", id="feedback-revealed", markup=False)
            yield Static("", id="feedback-history", classes="feedback-part", markup=False)
            yield Static("", id="feedback-others", classes="feedback-part", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-item")
    def load(self) -> None:
        """Read the item and post it as `Loaded`."""
        self.post_message(self.Loaded(feedback.get_detail(self.ctx, self.item_id)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-item")
    def change(self, action: TriageAction, tag: str | None = None) -> None:
        """Apply one triage action and post the item as it is now."""
        self.post_message(self.Loaded(feedback.triage(self.ctx, self.item_id, action, tag)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-item")
    def reveal(self, reason: str) -> None:
        """Ask for the text as written (audited, with the reason) and post it."""
        text = feedback.reveal_text(self.ctx, self.item_id, reason)
        self.post_message(self.Loaded(feedback.get_detail(self.ctx, self.item_id), revealed=text))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.detail = detail = message.detail
        zone = self.ctx.settings.timezone
        self.query_one("#feedback-header", Static).update(detail_header(detail, zone))
        self.query_one("#feedback-text", Static).update(customer_text(detail.text))
        revealed = self.query_one("#feedback-revealed", Static)
        if message.revealed is not None:
            shown = Text(_("As written (your view is audited):") + "\n", style="bold", end="")
            shown.append_text(customer_text(message.revealed))
            revealed.update(shown)
        else:
            hint = _("Personal data is masked; v reveals it, with a reason.") if detail.has_personal_data else ""
            revealed.update(Text(hint, style="dim"))
        self.query_one("#feedback-history", Static).update(history_text(detail, zone))
        self.query_one("#feedback-others", Static).update(others_text(detail))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only the actions valid for the item are offered (and shown in the footer).
        detail = self.detail
        if detail is None or action not in ("triage", "tag", "untag", "spam"):
            return True
        wanted = {
            "triage": parameters and TriageAction(str(parameters[0])),
            "tag": TriageAction.TAG,
            "untag": TriageAction.UNTAG,
            "spam": TriageAction.NOT_SPAM if detail.mailbox is Mailbox.SPAM else TriageAction.SPAM,
        }[action]
        return wanted in detail.actions

    def action_back(self) -> None:
        self.dismiss()

    def action_triage(self, action: str) -> None:
        self.change(TriageAction(action))

    def action_spam(self) -> None:
        spam = self.detail is not None and self.detail.mailbox is Mailbox.SPAM
        self.change(TriageAction.NOT_SPAM if spam else TriageAction.SPAM)

    def _pick_tag(self, action: TriageAction, tags: tuple[str, ...]) -> None:
        def picked(tag: str | None) -> None:
            if tag is not None:
                self.change(action, tag)

        title = _("Add a tag") if action is TriageAction.TAG else _("Remove a tag")
        self.app.push_screen(ChoiceDialog(title, [(tag, tag) for tag in tags], _("No tags to remove.")), picked)

    def action_tag(self) -> None:
        have = self.detail.tags if self.detail else ()
        self._pick_tag(TriageAction.TAG, tuple(t for t in self.ctx.settings.feedback_tags if t not in have))

    def action_untag(self) -> None:
        self._pick_tag(TriageAction.UNTAG, self.detail.tags if self.detail else ())

    def action_reveal(self) -> None:
        def given(reason: str | None) -> None:
            if reason is not None:
                self.reveal(reason)

        title = _("Why do you need to see the personal data? The reason is audited.")
        self.app.push_screen(TextDialog(title, max_length=MAX_REASON), given)
