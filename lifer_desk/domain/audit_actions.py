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
    # Feedback triage (one event per item, or per batch of a bulk action with the ids in its details).
    FEEDBACK_REVIEW = "feedback.review"
    FEEDBACK_SPAM = "feedback.spam"
    FEEDBACK_NOT_SPAM = "feedback.not_spam"
    FEEDBACK_TAG = "feedback.tag"
    FEEDBACK_UNTAG = "feedback.untag"
    FEEDBACK_CONVERT = "feedback.convert"
    FEEDBACK_UNCONVERT = "feedback.unconvert"
    # An agent saw the personal data masked in a feedback text, giving a reason ("who viewed what").
    FEEDBACK_REVEAL = "feedback.reveal"
