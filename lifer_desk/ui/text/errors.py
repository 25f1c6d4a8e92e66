"""What the agent is told when something fails: said in place, in the desk's words, and nowhere else decided.

`describe` is the one mapping from an exception to what the agent sees (a title, one sentence, a severity);
the app's `show_error` and the one worker-failure handler go through it. The table is walked along the
exception's MRO, so a new `DeskError` subclass needs no entry: its message is shown as is, under its own
`title` and `severity` when it sets them.

A problem detail is the server's text, so it is untrusted: cleaned and kept to one line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual.notifications import SeverityLevel

from lifer_desk.admin_api import AdminApiError, NotFound, RateLimited, Unavailable
from lifer_desk.config import ConfigError
from lifer_desk.domain.text_safety import one_line, safe_text
from lifer_desk.i18n import _
from lifer_desk.services.errors import DeskError


@dataclass(frozen=True)
class ErrorReport:
    """What the agent sees of a failure; `log` asks for the traceback in desk.log (the unexpected, the database)."""

    title: str
    text: str
    severity: SeverityLevel
    log: bool = False


def api_problem(error: AdminApiError) -> str:
    if isinstance(error, Unavailable):
        return _("The admin API is unreachable: try again in a moment.")
    if isinstance(error, RateLimited):
        return _("rate limited, try later")
    return _("The admin API refused the call ({problem}).").format(problem=one_line(str(error)))


def lookup_problem(error: AdminApiError | DeskError | ConfigError, kind: str) -> Text:
    """Why no account was found, shown where the account would be: a bad value, no such account, an outage,
    or an admin API that cannot be opened with these settings."""
    if isinstance(error, NotFound):
        message = _("No account has that {kind}: check it with the caller.").format(kind=kind)
    elif isinstance(error, AdminApiError):
        message = api_problem(error)
    elif isinstance(error, ConfigError):
        message = _("The admin API cannot be opened: {problem}").format(problem=str(error))
    else:
        message = str(error)
    return Text(message, style="bold yellow", end="")


def _refusal(error: DeskError) -> ErrorReport:
    return ErrorReport(error.title or _("Refused"), safe_text(str(error)), error.severity)


def _unreachable(error: Unavailable) -> ErrorReport:
    return ErrorReport(_("Admin API unreachable"), api_problem(error), "warning")


def _api_refusal(error: AdminApiError) -> ErrorReport:
    # The problem detail can quote the admin API's text: cleaned, and never markup where it is shown.
    return ErrorReport(_("Refused"), safe_text(str(error)), "warning")


def _settings(error: ConfigError) -> ErrorReport:
    # A setting's key and what is wrong with it; never its value (it may be a secret).
    return ErrorReport(_("Settings"), safe_text(str(error)), "error")


def _database(_error: BaseException) -> ErrorReport:
    # Its text quotes the SQL and the bound parameters (customer data, among them): desk.log gets them.
    text = _("The desk's database failed; the change was not saved. The details are in desk.log.")
    return ErrorReport(_("Database error"), text, "error", log=True)


def _unexpected(error: BaseException) -> ErrorReport:
    # Only the kind of error: its text could hold anything, and the traceback is in desk.log.
    text = _("Something went wrong ({kind}); the details are in desk.log.").format(kind=type(error).__name__)
    return ErrorReport(_("Error"), text, "error", log=True)


_DESCRIBE: dict[type[BaseException], Callable[[Any], ErrorReport]] = {
    DeskError: _refusal,
    Unavailable: _unreachable,
    AdminApiError: _api_refusal,
    ConfigError: _settings,
    # What reaches the UI from the store: SQLAlchemy wraps the driver's errors; sqlite3's own can get through
    # on a raw connection.
    SQLAlchemyError: _database,
    sqlite3.Error: _database,
}


def describe(error: BaseException) -> ErrorReport:
    """The title, text and severity the agent sees for `error`: the most specific entry along its MRO."""
    for kind in type(error).__mro__:
        if (entry := _DESCRIBE.get(kind)) is not None:
            return entry(error)
    return _unexpected(error)
