"""Feedback review rules: the mailboxes an item can be in, the triage actions, and which apply to a selection.

Spam is a mailbox rather than a flag beside the status: an item is in exactly one of inbox, reviewed, spam or
converted, so "not spam" is a move back to the inbox, and a re-sync (which never rewrites a known item) cannot
take it out of the spam mailbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lifer_desk.i18n import N_, _

DEFAULT_TAGS = ("bug", "praise", "privacy", "payment", "feature request", "crash", "other")
MAX_TAG = 32


class Mailbox(StrEnum):
    INBOX = "inbox"
    REVIEWED = "reviewed"
    SPAM = "spam"
    CONVERTED = "converted"

    @property
    def label(self) -> str:
        return _(_MAILBOX_LABELS[self])


_MAILBOX_LABELS = {
    Mailbox.INBOX: N_("Inbox"),
    Mailbox.REVIEWED: N_("Reviewed"),
    Mailbox.SPAM: N_("Spam"),
    Mailbox.CONVERTED: N_("Converted"),
}


class FeedbackChannel(StrEnum):
    APP = "app"
    WEB = "web"


class TriageAction(StrEnum):
    REVIEW = "review"
    SPAM = "spam"
    NOT_SPAM = "not_spam"
    TAG = "tag"
    UNTAG = "untag"
    CONVERT = "convert"
    UNCONVERT = "unconvert"

    @property
    def label(self) -> str:
        return _(_ACTION_LABELS[self])


_ACTION_LABELS = {
    TriageAction.REVIEW: N_("Mark reviewed"),
    TriageAction.SPAM: N_("Move to spam"),
    TriageAction.NOT_SPAM: N_("Not spam"),
    TriageAction.TAG: N_("Add tag"),
    TriageAction.UNTAG: N_("Remove tag"),
    TriageAction.CONVERT: N_("Convert to ticket"),
    TriageAction.UNCONVERT: N_("Undo convert"),
}

# Which mailboxes an action may start from, and where it puts the item (None: it stays where it is).
SOURCES: dict[TriageAction, frozenset[Mailbox]] = {
    TriageAction.REVIEW: frozenset({Mailbox.INBOX}),
    TriageAction.SPAM: frozenset({Mailbox.INBOX, Mailbox.REVIEWED}),
    TriageAction.NOT_SPAM: frozenset({Mailbox.SPAM}),
    TriageAction.TAG: frozenset({Mailbox.INBOX, Mailbox.REVIEWED, Mailbox.CONVERTED}),
    TriageAction.UNTAG: frozenset({Mailbox.INBOX, Mailbox.REVIEWED, Mailbox.CONVERTED}),
    TriageAction.CONVERT: frozenset({Mailbox.INBOX, Mailbox.REVIEWED}),
    TriageAction.UNCONVERT: frozenset({Mailbox.CONVERTED}),
}
TARGETS: dict[TriageAction, Mailbox | None] = {
    TriageAction.REVIEW: Mailbox.REVIEWED,
    TriageAction.SPAM: Mailbox.SPAM,
    TriageAction.NOT_SPAM: Mailbox.INBOX,
    TriageAction.TAG: None,
    TriageAction.UNTAG: None,
    TriageAction.CONVERT: Mailbox.CONVERTED,
    TriageAction.UNCONVERT: Mailbox.REVIEWED,
}
# A ticket per item, and its undoing, are one item's decisions: never offered for a selection.
BULK_ACTIONS = (TriageAction.REVIEW, TriageAction.SPAM, TriageAction.NOT_SPAM, TriageAction.TAG, TriageAction.UNTAG)


def valid_actions(mailboxes: Iterable[Mailbox], *, bulk: bool) -> tuple[TriageAction, ...]:
    """The actions valid for every item of a selection whose items are in `mailboxes` (none for an empty one)."""
    present = frozenset(mailboxes)
    if not present:
        return ()
    offered = BULK_ACTIONS if bulk else tuple(TriageAction)
    return tuple(action for action in offered if present <= SOURCES[action])


def check_tag(tag: str, allowed: Iterable[str]) -> str:
    """The tag as stored, or ValueError naming the tags the team configured."""
    tag = tag.strip().lower()
    known = tuple(allowed)
    if tag not in known:
        raise ValueError(_("There is no tag {tag!r}; choose one of {known}.").format(tag=tag, known=", ".join(known)))
    return tag


@dataclass(frozen=True)
class FeedbackFilter:
    """What a feedback list shows: a mailbox (None: all of them) narrowed by tag, channel, version, platform, days."""

    mailbox: Mailbox | None = Mailbox.INBOX
    tag: str | None = None
    channel: FeedbackChannel | None = None
    app_version: str | None = None
    platform: str | None = None
    since: date | None = None
    until: date | None = None
    search: str = ""

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the mailbox narrows it."""
        return (
            any(value is not None for value in (self.tag, self.channel, self.app_version, self.platform, self.since))
            or self.until is not None
            or bool(self.search)
        )


def mask_account(account_id: str | None) -> str:
    """An account id as the feedback list shows it: enough to tell accounts apart at a glance, not to look one up."""
    if not account_id:
        return "—"
    return f"{account_id[:6]}***"
