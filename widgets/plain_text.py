"""Turn whatever a widget is asked to show into inert `Text`: no markup, no live links, no terminal controls.

The app cleans untrusted text before display (whole escape sequences dropped); this is the widgets' own
last line, so that no caller mistake can put an ESC byte on an agent's terminal or a clickable action on
the screen. Replacements are one character for one, which keeps a `Text`'s style spans in place.
"""

from __future__ import annotations

from rich.errors import StyleSyntaxError
from rich.style import Style
from rich.text import Span, Text

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_PLACEHOLDER = "\ufffd"


def _table(keep: str) -> dict[int, str]:
    # C0 controls show as their Unicode control picture (ESC as U+241B) so tampering is visible.
    table = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in keep}
    table[0x7F] = "\u2421"
    table.update({code: _PLACEHOLDER for code in range(0x80, 0xA0)})
    table.update({ord(ch): _PLACEHOLDER for ch in _BIDI_CONTROLS})
    return table


_MULTI_LINE = _table(keep="\n\t")
# A table cell is one line: line breaks and tabs become spaces rather than pictures.
_ONE_LINE = {**_table(keep=""), ord("\n"): " ", ord("\t"): " ", ord("\r"): " "}


def _inert(style: str | Style) -> Style | None:
    if isinstance(style, str):
        try:
            style = Style.parse(style)
        except StyleSyntaxError:
            # A theme name ("repr.str") means nothing outside its console; dropping it loses only colour.
            return None
    return style.clear_meta_and_links()


def _plain(value: str | Text, table: dict[int, str]) -> Text:
    if isinstance(value, str):
        return Text(value.translate(table), end="")
    if not isinstance(value, Text):
        raise TypeError(f"expected str or rich.text.Text, not {type(value).__name__}")
    spans = [Span(span.start, span.end, style) for span in value.spans if (style := _inert(span.style))]
    base = _inert(value.style) or ""
    return Text(value.plain.translate(table), style=base, spans=spans, justify=value.justify, end="")


def plain_text(value: str | Text) -> Text:
    """`value` as inert `Text`, keeping newlines and tabs. A `str` is never parsed as markup."""
    return _plain(value, _MULTI_LINE)


def plain_line(value: str | Text) -> Text:
    """`plain_text` for a single line (a table cell): newlines and tabs become spaces."""
    return _plain(value, _ONE_LINE)
