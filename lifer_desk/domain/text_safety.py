"""Make untrusted text (customer messages, admin-API values) safe to put on an agent's terminal.

DESIGN section 4: whatever a customer wrote must not be able to drive the terminal (escape sequences,
OSC 52 clipboard writes, OSC 8 hyperlinks, title changes) or disguise itself (bidi overrides). Whole
escape sequences are dropped, since their payload is instructions to the terminal rather than text for
the agent; any other control character left over is replaced by a visible placeholder, so that tampering
shows instead of vanishing.

Rich markup is a separate concern: callers wrap the result in `rich.text.Text`, never in a markup string.
"""

from __future__ import annotations

import re

# String terminators: BEL, ESC \ and the 8-bit ST. Bodies exclude BEL and ESC so the pattern stays linear.
_ST = r"(?:\x07|\x1b\\|\x9c)"
_ESCAPE_SEQUENCE = re.compile(
    "|".join(
        (
            # CSI, 7-bit and 8-bit (0x9B): parameters, intermediates, one final byte.
            r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]",
            # OSC (title, OSC 8 links, OSC 52 clipboard), DCS, SOS, PM and APC up to their terminator.
            r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*" + _ST,
            # Any other escape: ESC, intermediates, one final byte (ESC c resets the terminal).
            r"\x1b[\x20-\x2f]*[\x30-\x7e]",
        )
    )
)

_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Direction marks are invisible but harmless in a left-to-right desk; dropping them keeps names
# comparable without littering right-to-left text with placeholders.
_BIDI_MARKS = "\u200e\u200f\u061c"

_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}{_BIDI_MARKS}]")

# Shown for C1 controls and bidi overrides, which have no control picture of their own.
PLACEHOLDER = "\ufffd"


def _translation_table() -> dict[int, str | None]:
    # C0 controls become their Unicode "control picture" (NUL -> U+2400), so an agent sees which one it was.
    table: dict[int, str | None] = {code: chr(0x2400 + code) for code in range(0x20) if code not in (9, 10)}
    table[0x7F] = "\u2421"
    table.update({code: PLACEHOLDER for code in range(0x80, 0xA0)})
    table.update({ord(ch): PLACEHOLDER for ch in _BIDI_CONTROLS})
    table.update({ord(ch): None for ch in _BIDI_MARKS})
    return table


_TRANSLATION = _translation_table()


def safe_text(s: str) -> str:
    """Return `s` without escape sequences, with other controls (except newline and tab) made visible.

    Line endings are normalised to "\\n". The result contains no ESC, C1, DEL, NUL or bidi control,
    and `safe_text(safe_text(s)) == safe_text(s)`.
    """
    if _UNSAFE.search(s) is None:
        return s
    s = _ESCAPE_SEQUENCE.sub("", s)
    s = _LINE_BREAKS.sub("\n", s)
    return s.translate(_TRANSLATION)


def storable(s: str) -> str:
    """`s` as the database can keep it: NUL becomes its control picture (U+2400), as the display shows it.

    PostgreSQL text cannot hold NUL at all, and SQLite would keep it only for the display to replace it; doing it
    before storing makes both databases keep the same text, and the reply is stored rather than refused.
    """
    return s.replace("\x00", "\u2400")


def one_line(s: str) -> str:
    """`safe_text` for a table cell: whitespace runs (newlines, tabs) become one space.

    Cutting to the cell's width is the renderer's job (Rich counts terminal cells, CJK as two).
    """
    return " ".join(safe_text(s).split())
