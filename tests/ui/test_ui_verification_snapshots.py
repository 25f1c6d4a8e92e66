"""SVG snapshots at 80x24 of identity verification: a failure explained, input refused inline, a locked minor's
account as a supervisor sees it, and the ticket header once the caller is verified.

The admin API is a fake with fixed answers and the desk's clock is fixed, so every run draws the same screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from lifer_desk.admin_api import UserSummary
from lifer_desk.domain.identity import Field, FieldResult
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.ui import DeskApp
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.ui.ui_support import ACCOUNT, NOW

ADULT = ACCOUNT.model_copy(update={"id": "usr_7a1c", "username_masked": "小***"})
CHILD = ADULT.model_copy(
    update={
        "id": "usr_3e09",
        "email_masked": "m***@163.com",
        "minor": True,
        "under_14": True,
        "guardian_consent": False,
    }
)

M, X = FieldResult.MATCH, FieldResult.MISMATCH
WRONG_BIRTHDAY = {Field.EMAIL: M, Field.USERNAME: M, Field.BIRTHDAY: X}
ALL_MATCH = {Field.EMAIL: M, Field.USERNAME: M, Field.BIRTHDAY: M}


def desk_on(ctx: DeskContext, summary: UserSummary, answer: Mapping[Field, FieldResult]) -> DeskApp:
    """One known account, and the same answer to every verify call."""
    api = FakeAdminApi(FakeAccount(summary))
    api.answer = {name.value: result.value for name, result in answer.items()}
    return DeskApp(with_admin(ctx, api))


def ticket_on(ctx: DeskContext, account_id: str) -> int:
    draft = tickets.TicketDraft(
        Channel.PHONE, "忘记密码 forgot password", "请帮我找回账号", "+86 138 0000 0000", "李雷",
        Category.ACCOUNT_RECOVERY, Priority.NORMAL, account_id,
    )  # fmt: skip
    return tickets.open_ticket(replace(ctx, clock=lambda: NOW - timedelta(hours=1)), draft).id


def verifying(settle, ticket_id: int, *steps: tuple[str, ...]) -> Callable[[Pilot[Any]], Any]:
    """Open the ticket, press v, then press each group of keys and let the workers finish."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_ticket(ticket_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        for keys in steps:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


def stating(email: str, username: str, birthday: str) -> tuple[str, ...]:
    """Keys an agent presses to type what the caller states (the lookup left the focus on email) and submit."""
    return (*email, "tab", *username, "tab", *birthday, "ctrl+s")


@pytest.fixture
def supervisor(ctx: DeskContext) -> DeskContext:
    enrol(ctx.db, "sam", "supervisor")
    return replace(ctx, agent="sam", role="supervisor")


def test_a_failure_explained_in_policy_terms_80x24(snap_compare, ctx: DeskContext, settle) -> None:
    ticket_id = ticket_on(ctx, ADULT.id)
    run_before = verifying(settle, ticket_id, stating("zhang.san@qq.com", "小张", "1990-05-18"))
    assert snap_compare(desk_on(ctx, ADULT, WRONG_BIRTHDAY), terminal_size=(80, 24), run_before=run_before)


def test_input_refused_where_it_was_typed_80x24(snap_compare, ctx: DeskContext, settle) -> None:
    ticket_id = ticket_on(ctx, ADULT.id)
    run_before = verifying(settle, ticket_id, stating("z***@qq.com", "小张", "2031-01-01"))
    assert snap_compare(desk_on(ctx, ADULT, WRONG_BIRTHDAY), terminal_size=(80, 24), run_before=run_before)


def test_a_locked_minor_as_a_supervisor_sees_it_80x24(snap_compare, supervisor: DeskContext, settle) -> None:
    ticket_id = ticket_on(supervisor, CHILD.id)
    wrong = stating("mei@163.com", "小美", "2015-02-03")
    run_before = verifying(settle, ticket_id, wrong, ("ctrl+s",), ("ctrl+s",))
    assert snap_compare(desk_on(supervisor, CHILD, WRONG_BIRTHDAY), terminal_size=(80, 24), run_before=run_before)


def test_the_ticket_header_once_verified_80x24(snap_compare, ctx: DeskContext, settle) -> None:
    ticket_id = ticket_on(ctx, ADULT.id)
    run_before = verifying(settle, ticket_id, stating("zhang.san@qq.com", "小张", "1990-05-17"), ("escape",))
    assert snap_compare(desk_on(ctx, ADULT, ALL_MATCH), terminal_size=(80, 24), run_before=run_before)
