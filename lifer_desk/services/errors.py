"""Errors that services raise for the UI and CLI to show as one clear line."""

from __future__ import annotations

from typing import ClassVar, Literal

from lifer_desk.i18n import _
from lifer_desk.store import db as store_db


class DeskError(Exception):
    """A refusal or failure the user can act on; `str(error)` is the message to show.

    A subclass may name its own `title` and `severity` (for the UI's notification); by default it is shown as
    a refusal, a warning.
    """

    title: ClassVar[str | None] = None
    severity: ClassVar[Literal["information", "warning", "error"]] = "warning"


class NotFound(DeskError):
    pass


class PermissionDenied(DeskError):
    pass


class UnknownAgent(DeskError):
    pass


class Refused(DeskError):
    """The request breaks a rule: an invalid transition, someone else's claim, bad input."""


class TakeOverNeeded(Refused):
    """The ticket belongs to another agent: claiming it takes it over from them, so the agent must confirm."""

    def __init__(self, message: str, owner: str) -> None:
        super().__init__(message)
        self.owner = owner


class StaleVersion(DeskError):
    """Someone else changed the record since it was read; `changes` says what differs."""

    def __init__(self, message: str, changes: dict[str, tuple[object, object]] | None = None) -> None:
        super().__init__(message)
        self.changes = changes or {}


class SchemaOutdated(DeskError):
    pass


class AgentDeactivated(DeskError):
    """The agent this desk acts as was deactivated (or never was one): no write may happen as them."""


class MailNotConfigured(DeskError):
    """A mail setting the command needs is missing or unusable; the message names it."""


class MailUnreadable(DeskError):
    """A message cannot be parsed: the pipe answers 65, and it is kept in the dead-letter folder."""


class MailboxUnavailable(DeskError):
    """The IMAP mailbox cannot be reached or refused the login; the message says which."""


class DatabaseBusy(DeskError):
    """The database stayed locked (by a seed, or by other desks) for longer than a write waits; nothing was saved."""

    @classmethod
    def from_store(cls, busy: store_db.DatabaseBusy) -> DatabaseBusy:
        if busy.seeding and busy.seconds_left is not None:
            return cls(
                _("Seeding in progress: nothing was saved, try again in {seconds} s.").format(seconds=busy.seconds_left)
            )
        if busy.seeding:
            return cls(_("Seeding in progress: nothing was saved, try again in a minute."))
        return cls(_("The database is busy with other desks' writes: nothing was saved, try again in a moment."))


class SyncFailed(DeskError):
    """The feedback sync stopped on an answer it cannot use (a malformed or refused cursor); nothing of that page
    was written, and the next sync starts from the last committed page again."""

    severity: ClassVar[Literal["information", "warning", "error"]] = "error"
