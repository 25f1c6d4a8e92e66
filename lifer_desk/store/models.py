"""SQLModel tables for everything in DESIGN section 3.

The full-text index tables (FTS5 on SQLite, tsvector on PostgreSQL) and the audit triggers are
dialect-specific and live in the migrations only; `store.search` and `store.audit` own them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from lifer_desk.store.types import UTCDateTime, utcnow


class Agent(SQLModel, table=True):
    __tablename__ = "agent"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    display_name: str = Field(sa_column=Column(String(128), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # The agent's interface language ("en", "zh_CN"); None follows LIFER_LANG (migration 0014).
    lang: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        # Queue pages come from these by keyset (see store.queues): every queue's filter is equality on
        # the leading columns, so a page is an index range walk, never a sort or an OFFSET.
        Index("ix_ticket_queue", "status", "category", "priority_rank", "resolution_due", "id"),
        Index("ix_ticket_status_due", "status", "resolution_due", "id"),
        Index("ix_ticket_open_due", "is_open", "resolution_due", "id"),
        # Due in 24 h and Breached leave out paused clocks: with sla_paused_at here, their counts read no rows.
        Index("ix_ticket_open_due_running", "is_open", "resolution_due", "sla_paused_at", "id"),
        Index("ix_ticket_open_assignee", "is_open", "assignee", "resolution_due", "id"),
        Index("ix_ticket_open_category", "is_open", "category", "resolution_due", "id"),
        Index("ix_ticket_open_priority", "is_open", "priority_rank", "resolution_due", "id"),
        Index("ix_ticket_priority", "priority_rank", "resolution_due", "id"),
        Index("ix_ticket_updated", "updated_at", "id"),
        Index("ix_ticket_due", "resolution_due", "id"),
        Index("ix_ticket_claim", "claim_expires_at"),
        # The dashboard's tickets opened and closed per day (store.dashboard_query), from the index alone.
        Index("ix_ticket_created", "created_at", "id"),
        Index("ix_ticket_updated_open", "updated_at", "is_open"),
        # PostgreSQL has three more, partial, for the dashboard (migration 0022; store.migrate.UNMODELLED_INDEXES).
        # Searching for a requester's email or username, and the requester history of the ticket view; emails
        # come in as their senders typed them, so the lookup ignores case.
        Index("ix_ticket_requester", text("lower(requester)"), "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    requester: str = Field(sa_column=Column(String(320), nullable=False))
    requester_name: str = Field(default="", sa_column=Column(String(128), nullable=False))
    account_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    category: str = Field(sa_column=Column(String(32), nullable=False))
    priority: str = Field(sa_column=Column(String(16), nullable=False))
    priority_rank: int = Field(sa_column=Column(Integer, nullable=False))
    status: str = Field(sa_column=Column(String(24), nullable=False))
    # 1 while status is new, open or pending_customer; lets every open-ticket queue use one index prefix.
    is_open: int = Field(sa_column=Column(Integer, nullable=False))
    assignee: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    claim_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    first_response_due: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolution_due: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    first_responded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    legal_due_calendar: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    legal_due_working: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Set while the ticket waits for its customer: the resolution clock stands still, and resolution_due moves
    # on by the time paused when the ticket reopens. The legal clocks never pause.
    sla_paused_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Every pause so far, in seconds: a new priority or category recomputes resolution_due with it. The server
    # default serves the bulk seed, which names its columns.
    sla_paused_seconds: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version: int = Field(default=1, nullable=False)


class Macro(SQLModel, table=True):
    """A canned reply in one language, with the status, priority and category it may also set."""

    __tablename__ = "macro"
    __table_args__ = (UniqueConstraint("name", "language", name="uq_macro_name_language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str | None = Field(default=None, sa_column=Column(String(24), nullable=True))
    priority: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    category: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TicketEvent(SQLModel, table=True):
    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    author: str = Field(sa_column=Column(String(128), nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TicketTally(SQLModel, table=True):
    """The dashboard's ticket counts, kept by triggers on `ticket` (migration 0023; read by store.dashboard_query):
    open tickets per assignee, and tickets created, closed and (open) due per quarter hour of UTC."""

    __tablename__ = "ticket_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    # PostgreSQL writers add to the slot of their backend (pid % 8), so that they do not queue on one row.
    slot: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    n: int = Field(sa_column=Column(Integer, nullable=False))


class Draft(SQLModel, table=True):
    """A reply or note an agent has written and not yet sent: kept across refusals and restarts, gone once sent.

    Per agent, ticket and kind: a note's draft must never turn up in the reply box, where it would reach the
    customer.
    """

    __tablename__ = "draft"

    agent: str = Field(sa_column=Column(String(64), primary_key=True))
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket.id"), primary_key=True))
    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Verification(SQLModel, table=True):
    __tablename__ = "verification"
    __table_args__ = (
        Index("ix_verification_account_time", "account_id", "created_at"),
        Index("ix_verification_ticket", "ticket_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=True))
    account_id: str = Field(sa_column=Column(String(64), nullable=False))
    agent: str = Field(sa_column=Column(String(64), nullable=False))
    fields_stated: str = Field(sa_column=Column(Text, nullable=False))
    claims_hashed: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    results: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    attempt: int = Field(default=1, nullable=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class VerificationLock(SQLModel, table=True):
    __tablename__ = "verification_lock"
    __table_args__ = (Index("ix_verification_lock_account", "account_id", "locked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(sa_column=Column(String(64), nullable=False))
    locked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    unlocked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    unlocked_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    unlock_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DataRequest(SQLModel, table=True):
    """A deletion or correction request. `payload` is the canonical JSON a supervisor approves (its SHA-256 is
    `payload_hash`); the history is the audit trail (entity `data_request`)."""

    __tablename__ = "data_request"
    __table_args__ = (
        Index("ix_data_request_state", "state", "due_working", "id"),
        Index("ix_data_request_due", "due_working", "id"),
        Index("ix_data_request_ticket", "ticket_id", "state"),
        Index("ix_data_request_expiry", "expires_at"),
        # A linked account's requests, listed in the ticket view's requester history.
        Index("ix_data_request_account", "account_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    account_id: str = Field(sa_column=Column(String(64), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(sa_column=Column(String(24), nullable=False))
    state_since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # When the current state goes stale (the two expiries); None in a state that does not expire.
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    priority: str = Field(default="normal", sa_column=Column(String(16), nullable=False))
    requested_by: str = Field(sa_column=Column(String(64), nullable=False))
    verification_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("verification.id"), nullable=True)
    )
    approved_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    payload_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    reject_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cancelled_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    due_calendar: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    due_working: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    receipt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version: int = Field(default=1, nullable=False)


class FeedbackItem(SQLModel, table=True):
    __tablename__ = "feedback_item"
    __table_args__ = (
        # Feedback pages are newest first by id within a mailbox (store.feedback), and the mailbox counts and
        # the dashboard's figures read these indexes rather than the table.
        Index("ix_feedback_mailbox", "mailbox", "id"),
        Index("ix_feedback_account", "account_id", "id"),
        Index("ix_feedback_day", "submitted_day"),
        Index("ix_feedback_version", "app_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    account_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The UTC day of `submitted_at` ("2025-03-03"): volume per day is then a GROUP BY over an index.
    submitted_day: str = Field(sa_column=Column(String(10), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    app_version: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    platform: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # inbox, reviewed, spam or converted (domain.feedback.Mailbox): spam is where an item is, not a status.
    mailbox: str = Field(sa_column=Column(String(16), nullable=False))
    reviewed_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    disposition: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    ticket_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=True))


class Suppression(SQLModel, table=True):
    """A person the desk has forgotten, as keyed hashes only (`domain.forgetting`): one row per account id and
    per contact, so that feedback sync and intake can leave them out without the desk knowing who they were."""

    __tablename__ = "suppression"

    digest: str = Field(sa_column=Column(String(64), primary_key=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    # The completed erasure that forgot them.
    request_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("data_request.id"), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SuppressionKey(SQLModel, table=True):
    """The one HMAC key of this desk's suppressions, made at random by the migration that adds them."""

    __tablename__ = "suppression_key"

    id: int = Field(default=1, primary_key=True)
    key: str = Field(sa_column=Column(String(64), nullable=False))


class FeedbackTag(SQLModel, table=True):
    __tablename__ = "feedback_tag"
    __table_args__ = (Index("ix_feedback_tag_tag", "tag", "item_id"),)

    item_id: int = Field(sa_column=Column(Integer, ForeignKey("feedback_item.id"), primary_key=True))
    tag: str = Field(sa_column=Column(String(32), primary_key=True))


class FeedbackEvent(SQLModel, table=True):
    """One triage change of one item, for its history; the audit chain holds the same change, signed."""

    __tablename__ = "feedback_event"
    __table_args__ = (Index("ix_feedback_event_item", "item_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("feedback_item.id"), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(32), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # The audit pane's filters, newest first within each (see store.audit_query); the expression indexes on
    # details keys are dialect-specific and live in migration 0011 only.
    __table_args__ = (
        Index("ix_audit_event_actor", "actor", "seq"),
        Index("ix_audit_event_action", "action", "seq"),
        Index("ix_audit_event_entity", "entity_type", "entity_id", "seq"),
        Index("ix_audit_event_ts", "ts", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    ts: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(64), nullable=False))
    entity_type: str = Field(sa_column=Column(String(32), nullable=False))
    entity_id: str = Field(sa_column=Column(String(64), nullable=False))
    details: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class AuditHead(SQLModel, table=True):
    """One row, locked by every appender on PostgreSQL so that the chain cannot fork."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, nullable=False)
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class Outbox(SQLModel, table=True):
    """One admin-API mutation to deliver; its `id` is the Idempotency-Key. A deliverer holds a row while it
    works on it (`leased_by` until `leased_until`); a lapsed lease (a crashed deliverer) frees the row."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "state", "next_attempt_at"),
        Index("ix_outbox_request", "request_id", "state"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    method: str = Field(sa_column=Column(String(8), nullable=False))
    path: str = Field(sa_column=Column(String(256), nullable=False))
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    etag: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    request_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("data_request.id"), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    leased_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    leased_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # The first of the failed attempts still unresolved; cleared by the next confirmed answer.
    failing_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # JSON: an erasure's id while it runs, then the receipt items (kind, id, at, absent).
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SyncCursor(SQLModel, table=True):
    __tablename__ = "sync_cursor"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    cursor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The last sync that reached the admin API, and since when it has been failing (None while it works).
    checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    failing_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class MailMessage(SQLModel, table=True):
    """A mail the desk received, by the thread event it became; `dedup_key` makes ingest exactly-once."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_message_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    message_id: str = Field(sa_column=Column(String(255), nullable=False))
    ticket_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=True))
    event_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket_event.id"), nullable=True))
    sender: str = Field(sa_column=Column(String(320), nullable=False))
    # What became of it: ticket (new), threaded, bounce, refused (why in `reason`).
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MailAttachment(SQLModel, table=True):
    """A file that came with a mail; `content` is None when it was over the size cap (listed, not kept)."""

    __tablename__ = "mail_attachment"
    __table_args__ = (Index("ix_mail_attachment_ticket", "ticket_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=False))
    event_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket_event.id"), nullable=False))
    filename: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(sa_column=Column(String(128), nullable=False))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class OutboundMail(SQLModel, table=True):
    """A mail the desk sends, written in the transaction of the thread event that causes it (DESIGN 6).

    The Message-ID is fixed here, before any attempt, so a resend after a crash is recognisably the same mail.
    """

    __tablename__ = "outbound_mail"
    __table_args__ = (
        Index("ix_outbound_mail_due", "state", "next_attempt_at"),
        Index("ix_outbound_mail_recipient", "recipient", "kind", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("ticket.id"), nullable=False))
    event_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("ticket_event.id"), nullable=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    message_id: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    recipient: str = Field(sa_column=Column(String(320), nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
