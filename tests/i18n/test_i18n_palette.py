"""The command palette on a Chinese desk (issue 15): commands named in Chinese, found by their English names too."""

from __future__ import annotations

from textual.command import CommandList
from textual.widgets import Input

from lifer_desk.services.context import DeskContext
from lifer_desk.ui import DeskApp
from tests.i18n.zh_support import speak


async def _palette_after_typing(app: DeskApp, settle, query: str) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        # As an input method commits it: the whole text at once (Chinese is not typed key by key).
        app.screen.query_one(Input).value = query
        # The palette gathers its hits on a timer of its own, not a worker: wait until they are listed.
        hits = app.screen.query_one(CommandList)
        for _ in range(200):
            await settle(pilot)
            if hits.option_count:
                break
        # The hits as listed (the highlighted match splits the screenshot's runs of text).
        return "\n".join(str(hits.get_option_at_index(n).prompt) for n in range(hits.option_count))


async def test_an_english_name_finds_the_chinese_command(desk_app, ctx: DeskContext, settle) -> None:
    speak(ctx.db, "zh_CN", "alice")
    shown = await _palette_after_typing(desk_app(), settle, "next unclaimed")
    assert "队列：下一个未认领" in shown
    # Named in Chinese, with the English name it answered to beside its key.
    assert "queues: Next unclaimed" in shown


async def test_a_chinese_name_finds_it_as_well(desk_app, ctx: DeskContext, settle) -> None:
    speak(ctx.db, "zh_CN", "alice")
    shown = await _palette_after_typing(desk_app(), settle, "未认领")
    assert "队列：下一个未认领" in shown
