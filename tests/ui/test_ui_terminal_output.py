"""What the desk writes to a terminal (`ui.terminal_output`): style changes cut down to what changed, with every
cell drawn as before (read back through pyte), and no frame written while the app holds them back; a footer that
repaints only when its keys change (`ui.still_footer`); and a sub-title set without a repaint."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyte
from rich.console import Console
from rich.text import Text
from textual.widgets._footer import FooterKey

from lifer_desk.ui.terminal_output import CompactingDriver, SgrCompactor, draws


def screen_of(*writes: str) -> pyte.Screen:
    screen = pyte.Screen(40, 4)
    stream = pyte.Stream(screen)
    for data in writes:
        stream.feed(data)
    return screen


def styled_lines() -> list[str]:
    """Lines as Rich writes them in 256 colours, each run as `ESC[<whole style>m text ESC[0m`."""
    console = Console(file=io.StringIO(), color_system="256", width=40, force_terminal=True, legacy_windows=False)
    lines = [
        Text.assemble(("ab", "#f0f0f0 on #121212"), ("cd", "bold #ffaf00 on #121212"), ("ef", "#f0f0f0 on #121212")),
        Text.assemble(("gh", "bold reverse red on #121212"), ("ij", "dim on #121212"), ("kl", "bold dim"), "mn"),
        Text.assemble(("op", "underline italic on blue"), ("qr", "italic"), ("st", "strike #5f87d7"), (" ", "")),
    ]
    out = []
    for row, line in enumerate(lines, 1):
        with console.capture() as capture:
            console.print(line, end="")
        out.append(f"\x1b[{row};1H{capture.get()}")
    return out


def test_compacted_output_draws_the_same_screen_in_fewer_bytes() -> None:
    frame = "".join(styled_lines())
    compacted = SgrCompactor().compact(frame)
    assert len(compacted) < len(frame)
    # Text written after either is drawn alike too: the terminal is left in the same style.
    assert screen_of(compacted, "after").buffer == screen_of(frame, "after").buffer


def test_the_terminals_style_is_carried_from_one_write_to_the_next() -> None:
    writes = styled_lines()
    # A write that leaves a style set, and one that draws in it without setting it.
    writes.insert(1, "\x1b[1;38;5;214m")
    writes.insert(2, "\x1b[4;1Hin the style left set")
    compactor = SgrCompactor()
    assert screen_of(*map(compactor.compact, writes)).buffer == screen_of(*writes).buffer


def test_a_style_it_does_not_know_is_written_as_it_came() -> None:
    data = "\x1b[1;1H\x1b[58;5;3mcurly\x1b[0m"
    assert SgrCompactor().compact(data) == data + "\x1b[0m"


def test_only_text_counts_as_drawing() -> None:
    assert not draws("\x1b[?1049h\x1b[?25l\x1b[?2004h\x1b]0;title\x07\x1b[6n")
    assert draws("\x1b[1;1H\x1b[48;5;233m \x1b[0m")


@dataclass
class Holder:
    holding_frames: bool = True


@dataclass
class Written:
    data: list[str] = field(default_factory=list)

    def write(self, data: str) -> None:
        self.data.append(data)


async def test_no_frame_is_written_while_the_app_holds_them(monkeypatch) -> None:
    holder = Holder()
    written = Written()
    driver = CompactingDriver(holder)  # type: ignore[arg-type]  # the driver only asks its app `holding_frames`
    monkeypatch.setattr(driver, "_writer_thread", written)
    driver.write("\x1b[?1049h")
    driver.write("\x1b[1;1Hhalf built")
    holder.holding_frames = False
    driver.write("\x1b[1;1Hwhole")
    assert written.data == ["\x1b[?1049h", "\x1b[1;1Hwhole"]


async def test_the_footer_is_not_rebuilt_when_its_keys_did_not_change(desk_app, settle) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        app.screen.refresh_bindings()
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == keys
        # Another pane, other keys: the footer shows them.
        await pilot.press("tab")
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) != keys


async def test_naming_the_in_process_admin_api_repaints_nothing(desk_app, settle, monkeypatch) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        repaints: list[object] = []
        monkeypatch.setattr(app.screen, "refresh", lambda *regions, **kwargs: repaints.append(regions))
        monkeypatch.setattr(app, "refresh", lambda *regions, **kwargs: repaints.append(regions))
        app.post_message(app.AdminOpened(in_process=True))
        await settle(pilot)
        assert app.sub_title == "admin API: in-process sandbox"
        # Nothing on screen changed: the identity line names the admin API already.
        assert repaints == []
