"""What a supervisor filters the audit trail by: plain values, applied in the database (store.audit_query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lifer_desk.domain.audit_actions import AuditAction

# The entities an event can be about, as `--entity TYPE:ID` names them, and the stored entity type of each.
ENTITY_TYPES = {"ticket": "ticket", "request": "data_request", "account": "account", "agent": "agent"}
ENTITY_KINDS = {stored: kind for kind, stored in ENTITY_TYPES.items()}

# Events that show personal data to an agent, or look an account up: "who viewed what".
VIEW_ACTIONS = (AuditAction.ACCOUNT_LOOKUP, AuditAction.VERIFICATION_ATTEMPT)


@dataclass(frozen=True)
class AuditFilter:
    """Every field narrows the trail; unset fields match everything. `action` ending in "." is a prefix."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None  # a stored entity type (a value of ENTITY_TYPES)
    entity_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    viewed: bool = False  # only VIEW_ACTIONS

    @property
    def empty(self) -> bool:
        return self == AuditFilter()

    @property
    def action_prefix(self) -> str | None:
        return self.action if self.action is not None and self.action.endswith(".") else None
