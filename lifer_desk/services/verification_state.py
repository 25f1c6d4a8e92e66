"""What other use cases need to know of a verification: whether a ticket's caller is verified now, and the
refusal of a statement checked as typed.

Below `verification`, so that `requests` can ask it without importing `verification`, which calls into
`requests` when a caller is verified (issue 9: a waiting request moves on by itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lifer_desk.domain.identity import Field, Outcome, is_verification_current
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.store import verifications as store


class ClaimsRefused(Refused):
    """The statement is refused before any API call; `errors` holds one message per bad field (may be empty)."""

    def __init__(self, message: str, errors: Mapping[Field, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class CurrentVerification:
    account_id: str
    agent: str
    verified_at: datetime
    expires_at: datetime


def current_verification(ctx: DeskContext, ticket_id: int) -> CurrentVerification | None:
    """The ticket's standing verification: its latest attempt, if that verified and has not expired."""
    with ctx.db.read() as session:
        latest = store.latest_for_ticket(session, ticket_id)
    if latest is None or latest.outcome != Outcome.VERIFIED or latest.expires_at is None:
        return None
    if not is_verification_current(latest.created_at, latest.expires_at, ctx.clock()):
        return None
    return CurrentVerification(latest.account_id, latest.agent, latest.created_at, latest.expires_at)
