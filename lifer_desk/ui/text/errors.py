"""What the agent is told when an admin-API call fails: said in place, in the desk's words.

The problem detail is the server's text, so it is untrusted: cleaned and kept to one line.
"""

from __future__ import annotations

from rich.text import Text

from lifer_desk.admin_api import AdminApiError, NotFound, RateLimited, Unavailable
from lifer_desk.config import ConfigError
from lifer_desk.domain.text_safety import one_line
from lifer_desk.i18n import _
from lifer_desk.services.errors import DeskError


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
