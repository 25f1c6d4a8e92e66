import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.text_safety import PLACEHOLDER, one_line, safe_text

# Everything that must never reach the terminal: C0 but newline and tab, DEL, C1, bidi controls and marks.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

ESC = "\x1b"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"hi{ESC}]0;pwned\x07 there", "hi there", id="osc0-title-bel"),
        pytest.param(f"{ESC}]0;pwned{ESC}\\title", "title", id="osc0-title-st"),
        pytest.param(f"see {ESC}]8;;http://evil.example/{ESC}\\here{ESC}]8;;{ESC}\\ now", "see here now", id="osc8"),
        pytest.param(f"copy{ESC}]52;c;cm0gLXJmIH4=\x07!", "copy!", id="osc52"),
        pytest.param(f"{ESC}[31mred{ESC}[0m {ESC}[2J{ESC}[?1049h", "red ", id="csi"),
        pytest.param("a\x9b2Jb\x9b31mc", "abc", id="8-bit-csi"),
        pytest.param("a\x9d0;title\x9cb", "ab", id="8-bit-osc"),
        pytest.param(f"{ESC}P1$r{ESC}\\kitty{ESC}_Gf=100\x07", "kitty", id="dcs-apc"),
        pytest.param(f"reset{ESC}c!", "reset!", id="esc-c"),
        pytest.param("nul\x00byte", "nul\u2400byte", id="nul"),
        pytest.param("bell\x07 bs\x08 del\x7f", "bell\u2407 bs\u2408 del\u2421", id="c0-del"),
        pytest.param("c1\x85\x9f", f"c1{PLACEHOLDER}{PLACEHOLDER}", id="c1"),
        pytest.param("lone esc \x1b", "lone esc \u241b", id="lone-esc"),
        pytest.param(f"open {ESC}]0;title never ends", "open 0;title never ends", id="unterminated-osc"),
        pytest.param("invoice_\u202efdp.exe", f"invoice_{PLACEHOLDER}fdp.exe", id="rlo"),
        pytest.param("a\u2066b\u2069c", f"a{PLACEHOLDER}b{PLACEHOLDER}c", id="isolates"),
        pytest.param("mark\u200e\u200f\u061cs", "marks", id="bidi-marks-dropped"),
        pytest.param("line1\r\nline2\rline3\u2028line4", "line1\nline2\nline3\nline4", id="line-endings"),
        pytest.param("keep\ttabs\nand newlines", "keep\ttabs\nand newlines", id="tab-newline"),
        pytest.param("退款申请：请尽快处理 🙏", "退款申请：请尽快处理 🙏", id="cjk-emoji"),
        pytest.param("[@click=app.quit]x[/] [link='http://x']y[/] [b]", None, id="markup-is-text"),
    ],
)
def test_safe_text_corpus(raw: str, expected: str | None) -> None:
    # Markup is not a terminal control: it passes unchanged and the UI renders it as plain Text.
    assert safe_text(raw) == (raw if expected is None else expected)


@given(st.text())
def test_safe_text_never_leaves_controls_and_is_idempotent(raw: str) -> None:
    cleaned = safe_text(raw)
    assert FORBIDDEN.search(cleaned) is None
    assert safe_text(cleaned) == cleaned


_HOSTILE = st.text(
    alphabet=st.sampled_from([ESC, "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "P", "_", ";", "0", "m", "a", "\r"])
    | st.characters(),
    max_size=60,
)


@given(_HOSTILE)
def test_safe_text_on_escape_heavy_input(raw: str) -> None:
    cleaned = safe_text(raw)
    assert FORBIDDEN.search(cleaned) is None
    assert safe_text(cleaned) == cleaned


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs"))))
def test_safe_text_keeps_ordinary_text(raw: str) -> None:
    assert safe_text(raw) == raw


def test_one_line_flattens_whitespace_and_controls() -> None:
    assert one_line("  退款\n\n申请\t\tplease\x1b[2J  now ") == "退款 申请 please now"


@given(st.text())
def test_one_line_is_one_safe_line(raw: str) -> None:
    flat = one_line(raw)
    assert "\n" not in flat and "\t" not in flat
    assert FORBIDDEN.search(flat) is None
