"""Every text and background pair on the desk's screens reads at 4.5:1 or more (WCAG AA) in truecolor, in 256
colours, in 16 colours (xterm's palette, as `TERM=xterm` gets) and under `NO_COLOR`: measured on the screen
itself, from the screenshot the snapshots store (tests/ui/screen_support.py).

Text behind a dialog is the inactive screen under the modal's backdrop, which WCAG exempts; a dialog's own
region is measured, and its screen is measured on its own before the dialog opens.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot

from lifer_desk.domain.identity import Field
from lifer_desk.domain.tickets import Category, Priority
from lifer_desk.services import tickets
from lifer_desk.ui import DeskApp
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.ui.screen_support import ColourMode, painted_runs
from tests.ui.ui_support import ACCOUNT

MINIMUM = 4.5


def readable(app: DeskApp, modes: tuple[ColourMode, ...]) -> list[str]:
    """What on the current screen reads under `MINIMUM`:1 in any of `modes` (with a dialog open, the dialog and
    its footer only)."""
    screen = app.screen
    dialogs = list(screen.query(".dialog"))
    region = dialogs[0].region if dialogs else Region(0, 0, *app.size)
    footer = Region(0, app.size.height - 1, app.size.width, 1)
    poor = []
    for run in painted_runs(app.export_screenshot()):
        if not (region.contains(run.col, run.row) or footer.contains(run.col, run.row)):
            continue
        for mode in modes:
            if (ratio := run.contrast(mode)) < MINIMUM:
                poor.append(f"{mode}: line {run.row} {run.text.strip()!r} {ratio:.2f}:1 ({run.fg} on {run.bg})")
    return poor


def assert_readable(app: DeskApp, modes: tuple[ColourMode, ...]) -> None:
    poor = readable(app, modes)
    assert not poor, "\n".join(poor)


@pytest.fixture
def seeded(make_ticket, ctx, bob) -> list[int]:
    """Every SLA state (breached first, so the cursor sits on it), a claim by someone else, a note, a reply and a
    status change."""
    made = [
        make_ticket("退款申请：重复扣费两次", priority=Priority.URGENT, age=timedelta(days=3)),
        make_ticket("请删除我的账号", category=Category.DELETION, priority=Priority.URGENT, age=timedelta(hours=7)),
        make_ticket("生日填错了", category=Category.CORRECTION),
        make_ticket("Cannot log in", requester="ann@example.com"),
    ]
    tickets.claim(bob, made[3].id)
    detail = tickets.claim(ctx, made[1].id)
    detail = tickets.reply(ctx, detail, "您好，我们已收到您的删除申请。")
    tickets.add_note(ctx, detail.id, "待客户验证生日。")
    tickets.set_status(ctx, tickets.get_ticket(ctx, detail.id), "pending_customer")
    return [ticket.id for ticket in made]


MODES = {
    "colour": (False, (ColourMode.TRUECOLOR, ColourMode.EIGHT_BIT, ColourMode.STANDARD)),
    # NO_COLOR: Textual turns every colour grey; the desk is then read in whatever the terminal does.
    "no-colour": (True, (ColourMode.TRUECOLOR, ColourMode.EIGHT_BIT)),
}


@pytest.fixture(params=list(MODES))
def modes(request, monkeypatch) -> tuple[ColourMode, ...]:
    no_colour, modes = MODES[request.param]
    if no_colour:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return modes


async def look(pilot: Pilot[Any], settle, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def test_the_queues_the_ticket_view_and_their_dialogs(desk_app, seeded, settle, modes) -> None:
    app = desk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look(pilot, settle, "tab", *["j"] * 8, "tab")  # the All queue, the table focused
        assert_readable(app, modes)
        await look(pilot, settle, "question_mark")
        assert_readable(app, modes)
        await look(pilot, settle, "escape", "slash", *"退款")
        assert_readable(app, modes)
        await look(pilot, settle, "escape", "f")
        assert_readable(app, modes)
        await look(pilot, settle, "escape")
        app.open_ticket(seeded[1])
        await settle(pilot)
        assert_readable(app, modes)
        await look(pilot, settle, "r", *"您好")
        assert_readable(app, modes)
        await look(pilot, settle, "escape", "s")
        assert_readable(app, modes)


async def test_a_failed_verification(ctx, make_ticket, settle, modes) -> None:
    api = FakeAdminApi(FakeAccount(ACCOUNT, email="zhang.san@qq.com", username="xiaozhang"))
    api.answer = {Field.EMAIL.value: "match", Field.USERNAME.value: "match", Field.BIRTHDAY.value: "mismatch"}
    ticket = make_ticket()
    tickets.link_account(ctx, tickets.claim(ctx, ticket.id), ACCOUNT.id)
    app = DeskApp(with_admin(ctx, api))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await look(pilot, settle, "v")
        await look(pilot, settle, *"zhang.san@qq.com", "tab", *"xiaozhang", "tab", *"1990-05-18", "ctrl+s")
        assert "FAILED" in " ".join(run.text for run in painted_runs(app.export_screenshot()))
        assert_readable(app, modes)
