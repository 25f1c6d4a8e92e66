"""The audit trail: every service writes its events through `audit_trail.record`, under an `AuditAction`,
and the strings the chain stores are the ones it always stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import agents, tickets
from lifer_desk.services.audit import recent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database
from tests.agent_support import enrol

SERVICES = Path(__file__).resolve().parents[2] / "lifer_desk" / "services"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

# What the chain has stored since the first release: hashed into every existing event, so never renamed.
STORED = {
    "agent.add",
    "agent.reactivate",
    "agent.deactivate",
    # Since agents are managed only by a supervisor or the host operator: a role change, and a refused attempt.
    "agent.role",
    "agent.denied",
    "audit.guards_restored",
    "ticket.open",
    "ticket.claim",
    "ticket.release",
    "ticket.reply",
    "ticket.note",
    "ticket.status",
    "ticket.priority",
    "ticket.category",
    "ticket.link_account",
    "tickets.seed",
    "verification.attempt",
    "verification.lock",
    "verification.unlock",
    "verification.rate_limited",
    # Deletion and correction requests (their own tests drive each one).
    "request.raise",
    "request.await_verification",
    "request.submit",
    "request.approve",
    "request.reject",
    "request.cancel",
    "request.expire",
    "request.resubmit",
    # SSH keys installed and removed with an agent (tests/deploy).
    "agent.key_add",
    "agent.key_remove",
    # The audit pane and lookups (tests/services/test_services_audit_review.py).
    "account.lookup",
    "audit.export",
    "audit.checkpoint",
    "audit.denied",
    # The outbox (tests/services/test_services_outbox.py).
    "request.execute",
    "request.fail",
    "request.stale",
    "request.complete",
    "request.retry",
    # The desk forgot an erased account's person (tests/services/test_services_person_purge.py).
    "person.forget",
    # Mail (issue 14; tests/mail drive each one).
    "mail.received",
    "mail.refused",
    "mail.sent",
    "mail.failed",
    # Take-overs and macros (issue 13; their own tests drive each one).
    "ticket.take_over",
    "ticket.macro",
    "macro.add",
    "macro.remove",
    # Feedback triage and the reveal of personal data in feedback text (tests/services/test_services_feedback_*).
    "feedback.review",
    "feedback.spam",
    "feedback.not_spam",
    "feedback.tag",
    "feedback.untag",
    "feedback.convert",
    "feedback.unconvert",
    "feedback.reveal",
    # An agent's interface language chosen (issue 15; tests/i18n/test_i18n_agent_language.py).
    "agent.lang",
}


def test_the_action_names_are_the_strings_the_chain_has_always_stored() -> None:
    assert {action.value for action in AuditAction} == STORED


def test_every_service_event_is_stored_under_its_named_action(db: Database) -> None:
    ctx = DeskContext(db=db, settings=Settings(database_url=db.url), agent="alice", role="agent", clock=lambda: NOW)
    enrol(db, "alice")
    root = agents.Actor("root", operator=True)
    agents.add_agent(db, actor=root, name="bob", role="agent")
    draft = tickets.TicketDraft(
        Channel.EMAIL, "退款申请", "你好", "jane.doe@qq.com", "Jane", Category.PAYMENT, Priority.HIGH
    )
    seen = tickets.claim(ctx, tickets.open_ticket(ctx, draft).id)
    seen = tickets.reply(ctx, seen, "我们已收到")
    seen = tickets.add_note(ctx, seen.id, "internal")
    seen = tickets.set_status(ctx, seen, "pending_customer")
    seen = tickets.set_priority(ctx, seen, "urgent")
    seen = tickets.set_category(ctx, seen, "deletion")
    seen = tickets.link_account(ctx, seen, "u_0001")
    tickets.release_claim(ctx, seen.id)
    agents.deactivate_agent(db, actor=root, name="bob")
    agents.add_agent(db, actor=root, name="bob", role="agent")
    agents.set_role(db, actor=root, name="bob", role="supervisor")
    with pytest.raises(PermissionDenied):
        agents.deactivate_agent(db, actor=agents.Actor("alice"), name="bob")
    seed_tickets(ctx, 3, seed=1)
    stored = [event.action for event in reversed(recent(db, 100))]
    kept_apart = ("verification.", "request.", "audit.", "account.", "person.", "mail.", "macro.", "feedback.")
    aside = {action for action in STORED if action.startswith(kept_apart)}
    aside |= {"ticket.take_over", "ticket.macro", "agent.key_add", "agent.key_remove", "agent.lang"}
    assert sorted(stored) == sorted(STORED - aside), "each action once, those of other features aside"
    assert stored[:3] == ["agent.add", "ticket.open", "ticket.claim"]
    assert all(type(action) is str for action in stored)
    assert verify_chain(db).ok


def test_no_service_appends_to_the_chain_but_through_the_trail() -> None:
    direct = [
        path.name
        for path in sorted(SERVICES.glob("*.py"))
        if path.name != "audit_trail.py" and "audit.append(" in path.read_text(encoding="utf-8")
    ]
    assert direct == []
