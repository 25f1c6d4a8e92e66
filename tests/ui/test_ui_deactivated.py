"""An agent deactivated while their desk is open: the next change is refused, the desk says why and stops."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.messages import ExitApp

from lifer_desk.services import tickets
from lifer_desk.services.agents import Actor, deactivate_agent
from lifer_desk.services.context import DeskContext

SUPERVISOR = Actor("wang.fang", operator=True)


async def test_a_deactivated_agent_cannot_claim_and_the_desk_stops(
    desk_app, make_ticket, settle, ctx: DeskContext, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = make_ticket()
    posted: list[Message] = []
    app = desk_app()
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await settle(pilot)
        deactivate_agent(ctx.db, actor=SUPERVISOR, name=ctx.agent)
        await pilot.press("n")
        await settle(pilot)
    assert any(isinstance(message, ExitApp) for message in posted)
    assert app.return_code == 2
    # Printed on the terminal once the desk has closed (wrapped to its width, here 80 columns).
    said = " ".join(capsys.readouterr().err.split())
    assert said == "lifer-desk: agent 'alice' has been deactivated; this desk can no longer make changes"
    assert tickets.get_ticket(ctx, ticket.id).assignee is None
