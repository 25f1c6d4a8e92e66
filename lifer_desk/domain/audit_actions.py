"""Every action the audit chain records, by name.

The values are what the chain stores and hashes: renaming one would leave older events under a name nothing
filters on any more, and cannot change what is already hashed. Add members; never edit a value.
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    AGENT_ADD = "agent.add"
    AGENT_REACTIVATE = "agent.reactivate"
    AGENT_DEACTIVATE = "agent.deactivate"
    AGENT_ROLE = "agent.role"
    # An SSH key of the service-account deployment installed for, or removed from, an agent (by fingerprint).
    AGENT_KEY_ADD = "agent.key_add"
    AGENT_KEY_REMOVE = "agent.key_remove"
    # A refused attempt to manage agents: who tried what, and why it was refused.
    AGENT_DENIED = "agent.denied"
    # `db upgrade` found the append-only guards missing and put them back.
    AUDIT_GUARDS_RESTORED = "audit.guards_restored"
    TICKET_OPEN = "ticket.open"
    TICKET_CLAIM = "ticket.claim"
    TICKET_RELEASE = "ticket.release"
    TICKET_REPLY = "ticket.reply"
    TICKET_NOTE = "ticket.note"
    TICKET_STATUS = "ticket.status"
    TICKET_PRIORITY = "ticket.priority"
    TICKET_CATEGORY = "ticket.category"
    TICKET_LINK_ACCOUNT = "ticket.link_account"
    TICKETS_SEED = "tickets.seed"
    VERIFICATION_ATTEMPT = "verification.attempt"
    VERIFICATION_LOCK = "verification.lock"
    VERIFICATION_UNLOCK = "verification.unlock"
    VERIFICATION_RATE_LIMITED = "verification.rate_limited"
    REQUEST_RAISE = "request.raise"
    REQUEST_AWAIT_VERIFICATION = "request.await_verification"
    REQUEST_SUBMIT = "request.submit"
    REQUEST_APPROVE = "request.approve"
    REQUEST_REJECT = "request.reject"
    REQUEST_CANCEL = "request.cancel"
    REQUEST_EXPIRE = "request.expire"
    REQUEST_RESUBMIT = "request.resubmit"
