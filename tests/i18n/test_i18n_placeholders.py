"""The zh_CN catalogue keeps what the code fills in or relies on: every placeholder, and the spacing at its ends.

A translation that drops `{id}` or renames it raises KeyError (or silently loses the figure) at run time; one that
loses a leading space runs into the text it is appended to.
"""

from __future__ import annotations

import re
from collections import Counter
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from lifer_desk.i18n import DOMAIN, LOCALE_DIR

PO_FILE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
# printf-style fields: %s, %d, %(name)s, and the %% escape.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")


def placeholders(text: str) -> Counter[str]:
    """Every brace field (with its conversion and format spec) and printf field in `text`, with how often."""
    found: Counter[str] = Counter(_PERCENT.findall(text))
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        # Not a brace-format string (a stray brace); such text is not passed to str.format.
        return found
    for _literal, field, spec, conversion in parsed:
        if field is not None:
            found["{" + field + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"] += 1
    return found


def _leading(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trailing(text: str) -> str:
    return text[len(text.rstrip()) :]


def problems(message: Message) -> list[str]:
    """What the translation of `message` breaks; empty when nothing. A plural message's every form keeps the
    plural msgid's fields (Chinese has one form)."""
    if isinstance(message.id, tuple):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return [found for form in forms for found in problems(Message(message.id[-1], form))]
    source, translated = str(message.id), str(message.string)
    found = []
    if placeholders(source) != placeholders(translated):
        found.append(f"placeholders {sorted(placeholders(source))} became {sorted(placeholders(translated))}")
    if _leading(source) != _leading(translated):
        found.append(f"leading whitespace {_leading(source)!r} became {_leading(translated)!r}")
    if _trailing(source) != _trailing(translated):
        found.append(f"trailing whitespace {_trailing(source)!r} became {_trailing(translated)!r}")
    if source.count("\n") != translated.count("\n"):
        found.append("a different number of lines")
    return found


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def load_catalogue() -> Catalog:
    with PO_FILE.open("rb") as po:
        return read_po(po)


def test_every_translation_keeps_the_placeholders_and_spacing_of_its_msgid() -> None:
    broken = {
        str(message.id): found
        for message in load_catalogue()
        if message.id and message.string and (found := problems(message))
    }
    assert broken == {}


def test_the_catalogue_is_whole() -> None:
    """Every msgid has a translation, none fuzzy, so the check above covers every string."""
    catalogue = load_catalogue()
    untranslated = [str(m.id) for m in catalogue if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    assert untranslated == []
    assert len([m for m in catalogue if m.id]) > 0


@pytest.mark.parametrize(
    ("source", "translated", "expected"),
    [
        ("no ticket #{id}", "没有工单 #{ticket}", "placeholders"),
        ("imported {n:,} items", "已导入 {n} 条", "placeholders"),
        ("got {text!r}", "收到 {text}", "placeholders"),
        ("%(count)s events", "事件", "placeholders"),
        (" (sandbox)", "（沙盒）", "leading whitespace"),
        ("Request #{id} · ", "请求 #{id} ·", "trailing whitespace"),
        ("a\nb", "ab", "a different number of lines"),
    ],
)
def test_a_broken_translation_is_caught(source: str, translated: str, expected: str) -> None:
    found = problems(Message(source, translated))
    assert any(problem.startswith(expected) for problem in found), found


def test_a_plural_messages_forms_are_each_checked() -> None:
    plural = ("{n} other ticket", "{n} other tickets")
    assert problems(Message(plural, ("其他 {n} 个工单",))) == []
    assert problems(Message(plural, ("其他工单",)))[0].startswith("placeholders")


def test_a_faithful_translation_passes() -> None:
    assert problems(Message(" · ticket #{id} (enter opens it)", " · 工单 #{id}（enter 打开）")) == []
    assert problems(Message("{n:,} more at {at:%Y-%m-%d %H:%M}", "另有 {n:,} 个，{at:%Y-%m-%d %H:%M}")) == []
