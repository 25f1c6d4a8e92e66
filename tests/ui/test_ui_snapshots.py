"""SVG snapshots at 80x24 and 120x40 of the queues, the ticket view and help, with Chinese subjects and names.

The desk's clock is fixed (tests/ui/conftest.py), so countdowns and times are the same on every run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from lifer_desk.domain.tickets import Category, Priority
from lifer_desk.services import tickets

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def seeded(make_ticket, ctx, bob) -> list[int]:
    """A small queue: each SLA state, a claim by someone else, privacy tickets with legal clocks."""
    made = [
        make_ticket("退款申请：重复扣费两次", name="张三", priority=Priority.URGENT, age=timedelta(hours=7)),
        make_ticket(
            "请删除我的账号和所有日记",
            name="李小龙",
            requester="xiaolong.li@163.com",
            category=Category.DELETION,
            body="你好，\n我不再使用 lifer 了，请删除我的账号和所有日记。\n谢谢！",
        ),
        make_ticket("生日填错了 wrong birthday", name="王五", category=Category.CORRECTION, priority=Priority.HIGH),
        make_ticket("Cannot log in after phone change", name="Ann Lee", requester="ann@example.com"),
        make_ticket("孩子的账号需要监护人同意", name="赵六", category=Category.MINOR_DATA, age=timedelta(days=4)),
        make_ticket("图片无法删除", name="孙七", category=Category.IMAGE_DELETION, priority=Priority.LOW),
    ]
    tickets.claim(bob, made[3].id)
    detail = tickets.claim(ctx, made[1].id)
    detail = tickets.reply(ctx, detail, "您好，我们已收到您的删除申请，正在核实身份。")
    tickets.add_note(ctx, detail.id, "已在后台确认账号存在，待客户验证生日。")
    tickets.set_status(ctx, tickets.get_ticket(ctx, detail.id), "pending_customer")
    return [ticket.id for ticket in made]


def show_all(settle):
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("tab", *["j"] * 8, "tab", "j")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_queues(snap_compare, desk_app, seeded, settle, size) -> None:
    assert snap_compare(desk_app(), terminal_size=size, run_before=show_all(settle))


def test_queues_without_the_queue_list_80x24(snap_compare, desk_app, seeded, settle) -> None:
    show = show_all(settle)

    async def run_before(pilot: Pilot[Any]) -> None:
        await show(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_ticket_view(snap_compare, desk_app, seeded, settle, size) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_ticket(seeded[1])
        await settle(pilot)

    assert snap_compare(desk_app(), terminal_size=size, run_before=run_before)


def test_link_dialog_with_a_found_account_80x24(snap_compare, desk_app, seeded, settle) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_ticket(seeded[0])
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")  # the requester's email is already there
        await settle(pilot)

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_help(snap_compare, desk_app, seeded, settle, size) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(desk_app(), terminal_size=size, run_before=run_before)


def test_queues_under_no_color_80x24(snap_compare, desk_app, seeded, settle, monkeypatch) -> None:
    """Meaning from text and attributes alone: the breach's minus sign and bold, the cursor row reversed out."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=show_all(settle))
