"""Fewer bytes to the terminal for the same screen: the desk's fix to how Textual writes styles (issue 16).

Textual writes every run of text as `ESC[<its whole style>m text ESC[0m`: on a screen whose cells nearly all share
one background, most of a frame is the same colours set, reset and set again (13 of the first paint's 20 KB).
`SgrCompactor` rewrites what the app writes so that each style change says only what changed from the style the
terminal already has, and a style is set only before text drawn in it. Every character is still drawn in the same
colours and attributes: only the way there is shorter (tests/ui/test_ui_terminal_output.py compares the screens).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol

from textual.drivers.linux_driver import LinuxDriver

# Select Graphic Rendition (a style change), and a cursor movement, which neither draws nor reads the style.
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_MOVES_ONLY = re.compile(r"(?:\x1b\[[0-9;]*[HfABCDGd]|[\r\n])*")
# Any escape sequence (CSI, OSC, or a two-character one): what is left once they are taken out is drawn text.
_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?<=>$]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>NOM78c])")
# The code that turns each attribute off (22 turns off both bold and faint).
_OFF = {"1": "22", "2": "22", "3": "23", "4": "24", "21": "24", "5": "25", "6": "25", "7": "27", "8": "28"}
_OFF |= {"9": "29", "51": "54", "52": "54", "53": "55"}
_OFF_CODES = frozenset(_OFF.values())


class Sgr(NamedTuple):
    """A terminal's current style: attribute codes, and the foreground and background codes (None: default)."""

    attributes: frozenset[str] = frozenset()
    foreground: str | None = None
    background: str | None = None

    def apply(self, parameters: str) -> Sgr:
        """The style after `ESC[<parameters>m`."""
        attributes, foreground, background = self
        codes = parameters.split(";") if parameters else ["0"]
        index = 0
        while index < len(codes):
            code = codes[index]
            if code in ("38", "48"):
                # 38;5;N or 38;2;R;G;B (and the same with 48 for the background).
                length = 3 if codes[index + 1 : index + 2] == ["5"] else 5
                colour = ";".join(codes[index : index + length])
                index += length
                if code == "38":
                    foreground = colour
                else:
                    background = colour
                continue
            number = int(code or "0")
            if number == 0:
                attributes, foreground, background = frozenset(), None, None
            elif 30 <= number <= 37 or 90 <= number <= 97:
                foreground = code
            elif 40 <= number <= 47 or 100 <= number <= 107:
                background = code
            elif number == 39:
                foreground = None
            elif number == 49:
                background = None
            elif code in _OFF:
                attributes |= {code}
            elif code in _OFF_CODES:
                attributes = frozenset(kept for kept in attributes if _OFF[kept] != code)
            else:
                raise ValueError(f"unknown SGR code {code}")
            index += 1
        return Sgr(attributes, foreground, background)

    def change_to(self, wanted: Sgr) -> str:
        """The shortest `ESC[...m` that turns this style into `wanted`."""
        offs = {_OFF[gone] for gone in self.attributes - wanted.attributes}
        # An off code may take a kept attribute with it (22 ends bold and faint): set it again.
        lost = {kept for kept in self.attributes & wanted.attributes if _OFF[kept] in offs}
        change = sorted(offs) + sorted((wanted.attributes - self.attributes) | lost)
        if wanted.foreground != self.foreground:
            change.append(wanted.foreground or "39")
        if wanted.background != self.background:
            change.append(wanted.background or "49")
        fresh = ["0", *sorted(wanted.attributes), *(c for c in (wanted.foreground, wanted.background) if c)]
        shortest = min(";".join(change), ";".join(fresh), key=len)
        return f"\x1b[{shortest}m"


RESET = Sgr()


class SgrCompactor:
    """Rewrites a stream of terminal output with minimal style changes. It keeps the terminal's style between
    writes: after each, the terminal is in the style the original stream would have left it in."""

    def __init__(self) -> None:
        self._shown = RESET

    def compact(self, data: str) -> str:
        try:
            return self._compact(data)
        except (ValueError, IndexError):
            # A style this does not know (Textual writes none): as written, then a reset, as Textual ends a frame.
            self._shown = RESET
            return f"{data}\x1b[0m"

    def _compact(self, data: str) -> str:
        out: list[str] = []
        shown = wanted = self._shown
        position = 0
        for match in _SGR.finditer(data):
            between = data[position : match.start()]
            if between:
                shown = self._emit(out, between, shown, wanted)
            wanted = wanted.apply(match.group(1))
            position = match.end()
        if rest := data[position:]:
            shown = self._emit(out, rest, shown, wanted)
        if shown != wanted:
            out.append(shown.change_to(wanted))
        self._shown = wanted
        return "".join(out)

    @staticmethod
    def _emit(out: list[str], text: str, shown: Sgr, wanted: Sgr) -> Sgr:
        # Anything but cursor movement may draw in the current style (text, and erasing, with the background).
        if shown != wanted and not _MOVES_ONLY.fullmatch(text):
            out.append(shown.change_to(wanted))
            shown = wanted
        out.append(text)
        return shown


class FrameHolder(Protocol):
    """The app, as the driver asks it whether frames are held back (its first screen is not ready yet)."""

    holding_frames: bool


def draws(data: str) -> bool:
    """Whether `data` draws on the screen (a frame), rather than only setting the terminal's modes."""
    return bool(_ESCAPES.sub("", data))


class CompactingDriver(LinuxDriver):
    """Textual's driver for a terminal (the one an SSH session gets), writing through an `SgrCompactor`, and
    writing no frame while the app holds them back (the app then repaints its whole screen)."""

    def __init__(self, app: FrameHolder, *args: object, **kwargs: object) -> None:
        super().__init__(app, *args, **kwargs)  # type: ignore[arg-type]  # LinuxDriver's own parameters
        self._holder = app
        self._compactor = SgrCompactor()

    def write(self, data: str) -> None:
        if self._holder.holding_frames and draws(data):
            return
        super().write(self._compactor.compact(data))
