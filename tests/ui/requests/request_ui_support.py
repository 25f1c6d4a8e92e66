"""What the request UI tests share: an account with images in the fake admin API, a ticket linked to it, a
verified caller, contexts for a supervisor, and requests put in the states the outbox would leave them in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from lifer_desk.admin_api import Image
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from lifer_desk.store.models import Outbox
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAccount, FakeAdminApi
from tests.request_support import record_verified
from tests.ui.ui_support import ACCOUNT, NOW

IMAGES = [
    Image(id="img_01", uploaded_at=datetime(2024, 6, 1, 2, 0, tzinfo=UTC), bytes=204_800),
    Image(id="img_02", uploaded_at=datetime(2024, 7, 9, 3, 30, tzinfo=UTC), bytes=1_048_576),
]
OTHER = ACCOUNT.model_copy(update={"id": "u_0002", "email_masked": "l***@163.com", "username_masked": "l***"})
MINOR = ACCOUNT.model_copy(update={"id": "u_0003", "minor": True, "under_14": True, "guardian_consent": False})


def admin_with_images() -> FakeAdminApi:
    """The ticket's account with two images, another account holding the username "lilei", and a minor."""
    return FakeAdminApi(
        FakeAccount(ACCOUNT, email="zhang.san@qq.com", username="xiaozhang", images=list(IMAGES)),
        FakeAccount(OTHER, email="li.lei@163.com", username="lilei"),
        FakeAccount(MINOR, email="kid@qq.com", username="xiaopengyou"),
    )


def linked_ticket(ctx: DeskContext, account_id: str | None = ACCOUNT.id, subject: str = "请删除我的账号") -> int:
    draft = tickets.TicketDraft(
        Channel.PHONE, subject, "please delete my account", "+86 138 0000 0000", "张三",
        Category.DELETION, Priority.NORMAL, account_id,
    )  # fmt: skip
    return tickets.open_ticket(replace(ctx, clock=lambda: NOW - timedelta(hours=1)), draft).id


def verified_ticket(ctx: DeskContext, account_id: str = ACCOUNT.id) -> int:
    ticket_id = linked_ticket(ctx, account_id)
    record_verified(ctx, ticket_id, account_id)
    return ticket_id


def supervisor(ctx: DeskContext, name: str = "carol") -> DeskContext:
    enrol(ctx.db, name, "supervisor")
    return replace(ctx, agent=name, role="supervisor")


def fail_with_problem(db: Database, request_id: int, problem: str) -> None:
    """Leave a request as the deliverer leaves one the admin API refused: failed, its outbox row holding the
    problem detail. Written straight to the tables, since failing a request is the deliverer's to do."""
    with db.write() as session:
        session.execute(text("UPDATE data_request SET state = 'failed' WHERE id = :id"), {"id": request_id})
        session.add(
            Outbox(
                id=f"ob-{request_id}",
                kind="user.update",
                method="PATCH",
                path=f"/v1/users/{ACCOUNT.id}",
                state="failed",
                attempts=1,
                next_attempt_at=NOW,
                last_error=problem,
                request_id=request_id,
                created_at=NOW,
            )
        )


def raise_deletions(ctx: DeskContext, boss: DeskContext) -> list[int]:
    """Requests in several states: one overdue on both legal clocks, one awaiting approval (alice's), one the
    supervisor raised, one waiting for verification, and one a minor's (urgent)."""
    # Raised 40 days ago under an approval wait longer than that, so that no expiry sweep takes it.
    settings = replace(ctx.settings, request_approval_hours=60 * 24.0)
    long_ago = replace(ctx, clock=lambda: NOW - timedelta(days=40), settings=settings)
    overdue_ticket = verified_ticket(long_ago)
    made = [requests.raise_deletion(long_ago, overdue_ticket, DeletionScope.DIARY, etag='"1"').id]
    made.append(requests.raise_deletion(ctx, verified_ticket(ctx), DeletionScope.ACCOUNT, etag='"1"').id)
    made.append(requests.raise_deletion(boss, verified_ticket(boss), DeletionScope.PAYMENT_LINKS, etag='"1"').id)
    # Another account: a second erasure of the first would be refused while that one is open.
    made.append(requests.raise_deletion(ctx, linked_ticket(ctx, OTHER.id), DeletionScope.ACCOUNT, etag='"1"').id)
    minor = requests.raise_deletion(
        ctx, verified_ticket(ctx, MINOR.id), DeletionScope.ACCOUNT, etag='"2"', minor_without_consent=True
    )
    return [*made, minor.id]
