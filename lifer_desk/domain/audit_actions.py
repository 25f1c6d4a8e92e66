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
    AGENT_LANG = "agent.lang"
    # An SSH key of the service-account deployment installed for, or removed from, an agent (by fingerprint).
    AGENT_KEY_ADD = "agent.key_add"
    AGENT_KEY_REMOVE = "agent.key_remove"
    # A refused attempt to manage agents: who tried what, and why it was refused.
    AGENT_DENIED = "agent.denied"
    # `db upgrade` found the append-only guards missing and put them back.
    AUDIT_GUARDS_RESTORED = "audit.guards_restored"
    TICKET_OPEN = "ticket.open"
    TICKET_CLAIM = "ticket.claim"
    # A claim taken from another agent who owned the ticket (their lease lapsed, or a supervisor took it).
    TICKET_TAKE_OVER = "ticket.take_over"
    TICKET_RELEASE = "ticket.release"
    TICKET_REPLY = "ticket.reply"
    TICKET_NOTE = "ticket.note"
    TICKET_STATUS = "ticket.status"
    TICKET_PRIORITY = "ticket.priority"
    TICKET_CATEGORY = "ticket.category"
    TICKET_LINK_ACCOUNT = "ticket.link_account"
    TICKETS_SEED = "tickets.seed"
    # A macro was used on a ticket: its reply and changes are audited each, this names the macro.
    TICKET_MACRO = "ticket.macro"
    MACRO_ADD = "macro.add"
    MACRO_REMOVE = "macro.remove"
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
    # The outbox: a deliverer began executing, the request failed with the admin API's problem detail, the
    # account changed since it was read (back for approval), every object was done, a supervisor retried it.
    REQUEST_EXECUTE = "request.execute"
    REQUEST_FAIL = "request.fail"
    REQUEST_STALE = "request.stale"
    REQUEST_COMPLETE = "request.complete"
    REQUEST_RETRY = "request.retry"
    # The desk removed its own copies of an erased account's personal data (ids and masked values only).
    PERSON_FORGET = "person.forget"
    # Mail (issue 14): a message joined a ticket (one that opens a ticket is recorded by its ticket.open, via
    # "mail"); one was refused (own address, list, junk, an unmatched bounce); the outbox sent a mail, or it did
    # not arrive (a permanent refusal or a bounce).
    MAIL_RECEIVED = "mail.received"
    MAIL_REFUSED = "mail.refused"
    MAIL_SENT = "mail.sent"
    MAIL_FAILED = "mail.failed"
    # An account looked up through the admin API (its masked profile shown), with the reason.
    ACCOUNT_LOOKUP = "account.lookup"
    # A supervisor's audit pane, export or dashboard, and a refused attempt at one.
    AUDIT_EXPORT = "audit.export"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    AUDIT_DENIED = "audit.denied"
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
