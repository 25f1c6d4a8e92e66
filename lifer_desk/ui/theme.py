"""The desk's one theme, made for terminals reached over SSH (DESIGN 7).

OpenSSH forwards no `COLORTERM`, so most agents see the desk in 256 colours, some in 16 (`TERM=xterm`), some
under `NO_COLOR`. Every colour here is chosen so that each text and background pair the desk draws keeps a
contrast of at least 4.5:1 once downgraded to those palettes (tests/ui/test_ui_contrast.py measures it on the
screens themselves): backgrounds stay dark enough to become black in 16 colours, text light enough to become
white, and the cursor a navy that becomes blue, never cyan.

Rich's named colours in the desk's texts ("bold red" for a breach) are drawn through `ANSI_COLOURS`, brighter
than Textual's default, so that they read on the dark backgrounds too.
"""

from __future__ import annotations

from rich.terminal_theme import TerminalTheme
from textual.theme import Theme

DESK_THEME = Theme(
    name="lifer-desk",
    dark=True,
    primary="#1c3b8c",
    secondary="#5f87d7",
    accent="#ffaf00",
    warning="#ffd75f",
    error="#ff5f5f",
    success="#5fd75f",
    foreground="#f0f0f0",
    background="#121212",
    surface="#121212",
    panel="#1c1c1c",
    variables={
        # Textual's default blends these into the background, below 4.5:1 in every palette.
        # Light enough that Rich's dim on top of it (a time in a muted line) still reads at 4.5:1.
        "text-muted": "#c6c6c6",
        "text-disabled": "#949494",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-background": "#1c3b8c",
        "block-cursor-blurred-foreground": "#f0f0f0",
        # Dark enough to stay black in 16 colours, where the bold alone marks the row.
        "block-cursor-blurred-background": "#262626",
        "block-cursor-blurred-text-style": "bold",
        "footer-background": "#1c1c1c",
        "footer-key-foreground": "#ffaf00",
        "footer-description-foreground": "#f0f0f0",
        "input-cursor-background": "#f0f0f0",
        "input-cursor-foreground": "#121212",
        "input-selection-background": "#1c3b8c",
    },
)

# Rich's named colours ("red", "yellow"...) as the desk draws them, for `App.ansi_theme_dark`: each is the
# 256-colour cube entry a 256-colour terminal shows anyway, and reads at 4.5:1 or more on the backgrounds above.
ANSI_COLOURS = TerminalTheme(
    background=(0x12, 0x12, 0x12),
    foreground=(0xF0, 0xF0, 0xF0),
    normal=[
        (0x00, 0x00, 0x00),
        (0xFF, 0x5F, 0x5F),
        (0x87, 0xFF, 0x87),
        (0xFF, 0xD7, 0x5F),
        (0x87, 0xAF, 0xFF),
        (0xFF, 0x87, 0xFF),
        (0x5F, 0xD7, 0xD7),
        (0xD0, 0xD0, 0xD0),
    ],
    bright=[
        (0x80, 0x80, 0x80),
        (0xFF, 0x87, 0x87),
        (0x87, 0xFF, 0x87),
        (0xFF, 0xFF, 0x87),
        (0xAF, 0xD7, 0xFF),
        (0xFF, 0xAF, 0xFF),
        (0x87, 0xFF, 0xFF),
        (0xFF, 0xFF, 0xFF),
    ],
)
