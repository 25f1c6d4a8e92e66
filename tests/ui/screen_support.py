"""What the agent sees, read back from the desk's own screenshot (`App.export_screenshot`, the SVG the snapshots
store): each run of text with its foreground and background colour, and their contrast in each colour mode.

The SVG holds the colours after Textual's filters (the `NO_COLOR` monochrome one included) and after Rich has
resolved dim and reverse, so it is what a truecolor terminal shows; a 256- or 16-colour terminal shows each
colour as Rich downgrades it on output (`rich.color.Color.downgrade`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from rich.color import Color, ColorSystem
from rich.color_triplet import ColorTriplet

# Rich's SVG geometry (Console.export_svg): characters 20 px high, 0.61 of that wide, lines 1.22 high.
_CHAR_WIDTH = 20 * 0.61
_LINE_HEIGHT = 20 * 1.22

_CLASS = re.compile(r"\.(terminal-[\w-]*r\d+) \{ ([^}]*) \}")
_RECT = re.compile(r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" shape')
_TEXT = re.compile(
    r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>'
)
# Borders, rules and scrollbars are drawn with these; they are not text to read (WCAG asks 3:1 of them, not 4.5).
_DRAWING = re.compile(r"[\u2500-\u259f\s]")


class ColourMode(StrEnum):
    TRUECOLOR = "truecolor"
    EIGHT_BIT = "256"
    STANDARD = "16"


_SYSTEMS = {ColourMode.EIGHT_BIT: ColorSystem.EIGHT_BIT, ColourMode.STANDARD: ColorSystem.STANDARD}
# What the 16 colours look like at TERM=xterm: xterm's own defaults (its XTerm resources), not Rich's palette.
XTERM_16 = tuple(
    Color.parse(hex_colour).get_truecolor()
    for hex_colour in (
        "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
        "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Run:
    """Text drawn in one style, from column `col` of screen line `row`."""

    row: int
    col: int
    text: str
    fg: str
    bg: str
    bold: bool
    underline: bool

    def contrast(self, mode: ColourMode) -> float:
        return contrast_ratio(shown_as(self.fg, mode), shown_as(self.bg, mode))


def shown_as(colour: str, mode: ColourMode) -> ColorTriplet:
    """`colour` as a terminal in `mode` shows it."""
    parsed = Color.parse(colour)
    if mode is ColourMode.TRUECOLOR:
        return parsed.get_truecolor()
    downgraded = parsed.downgrade(_SYSTEMS[mode])
    if mode is ColourMode.STANDARD:
        assert downgraded.number is not None
        return XTERM_16[downgraded.number]
    return downgraded.get_truecolor()


def _luminance(colour: ColorTriplet) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = colour
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(one: ColorTriplet, other: ColorTriplet) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def painted_runs(svg: str) -> list[Run]:
    """Every run of readable text in `svg`, with the colours it is drawn in."""
    styles = {name: rules for name, rules in _CLASS.findall(svg)}
    backgrounds: dict[tuple[int, int], str] = {}
    for fill, x, y, width in _RECT.findall(svg):
        row = round((float(y) - 1.5) / _LINE_HEIGHT)
        start = round(float(x) / _CHAR_WIDTH)
        for col in range(start, start + round(float(width) / _CHAR_WIDTH)):
            backgrounds[(row, col)] = fill
    runs = []
    for name, x, line, content in _TEXT.findall(svg):
        text = html.unescape(content).replace("\xa0", " ")
        if not _DRAWING.sub("", text):
            continue
        rules = styles[name]
        fg = re.search(r"fill: (#[0-9a-f]{6})", rules)
        assert fg is not None, rules
        row, col = int(line), round(float(x) / _CHAR_WIDTH)
        bg = backgrounds.get((row, col), "#000000")
        runs.append(Run(row, col, text, fg.group(1), bg, "bold" in rules, "underline" in rules))
    return runs


def screen_lines(svg: str) -> list[str]:
    """The screen's text, line by line (blank cells as spaces)."""
    lines: dict[int, dict[int, str]] = {}
    for _name, x, line, content in _TEXT.findall(svg):
        lines.setdefault(int(line), {})[round(float(x) / _CHAR_WIDTH)] = html.unescape(content).replace("\xa0", " ")
    out = []
    for row in range(max(lines, default=-1) + 1):
        text = ""
        for col, piece in sorted(lines.get(row, {}).items()):
            text = text.ljust(col) + piece
        out.append(text.rstrip("\n"))
    return out
