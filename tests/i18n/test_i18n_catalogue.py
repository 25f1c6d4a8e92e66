"""The catalogue (issue 15): the template matches the code, every message is translated into zh_CN, the compiled
catalogue the desk reads is the one the .po says, and Textual's own strings the desk shows are in it."""

from __future__ import annotations

import gettext
import inspect
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from textual.app import App
from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Checkbox, Input, OptionList, RadioSet, Select, SelectionList, TextArea
from textual.widgets._select import SelectOverlay

from lifer_desk.i18n import DOMAIN, LOCALE_DIR
from lifer_desk.ui import textual_strings
from widgets.virtual_table import VirtualTable

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
CHINESE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
# The Textual classes whose bindings a desk screen can show (in the footer, help, or the palette).
TEXTUAL_CLASSES = (
    App,
    Screen,
    CommandPalette,
    Checkbox,
    Input,
    OptionList,
    Select,
    SelectOverlay,
    SelectionList,
    RadioSet,
    TextArea,
    VerticalScroll,
)
UPDATE = (
    "pybabel extract -F babel.cfg -c Translators: --sort-by-file --project lifer-desk --version 0.1.0 "
    "-o lifer_desk/locale/lifer_desk.pot . && pybabel update -i lifer_desk/locale/lifer_desk.pot "
    "-d lifer_desk/locale -D lifer_desk -l zh_CN --no-fuzzy-matching -w 120"
)


# A message's id: its text, or (singular, plural) for one `ngettext` picks a form of.
MessageId = str | tuple[str, ...]


def _msgids(path: Path) -> set[MessageId]:
    with path.open("rb") as source:
        return {message.id for message in read_po(source) if message.id}


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def test_the_template_lists_every_message_of_the_code() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted = {
        message if isinstance(message, str) else tuple(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }
    assert extracted == _msgids(TEMPLATE), f"the template is stale: run `{UPDATE}`"


def test_every_message_has_a_chinese_translation() -> None:
    """Fails when someone adds a string and nobody translates it (or leaves a fuzzy guess)."""
    with CHINESE.open("rb") as source:
        catalogue = read_po(source)
    missing = sorted(
        message
        for message in _msgids(TEMPLATE)
        if (entry := catalogue.get(message)) is None or not _translated(entry.string) or entry.fuzzy
    )
    assert missing == [], f"{len(missing)} messages have no zh_CN translation (`{UPDATE}`, then translate)"


def test_the_compiled_catalogue_is_the_po() -> None:
    """`pip install -e .` (and every wheel) compiles the .mo (hatch_build.py); one older than its .po shows
    stale text."""
    compiled = CHINESE.with_suffix(".mo")
    assert compiled.is_file(), "no compiled catalogue: run `pip install -e .` (hatch_build.py compiles it)"
    with compiled.open("rb") as mo:
        shown = gettext.GNUTranslations(mo)
    with CHINESE.open("rb") as source:
        wanted = {m.id: m.string for m in read_po(source) if m.id and _translated(m.string) and not m.fuzzy}

    def shows(msgid: MessageId) -> str | tuple[str, ...]:
        # Chinese has one plural form: what any count shows.
        return shown.gettext(msgid) if isinstance(msgid, str) else (shown.ngettext(msgid[0], msgid[1], 1),)

    stale = sorted(str(msgid) for msgid, text in wanted.items() if shows(msgid) != text)
    assert stale == [], "the compiled catalogue is older than its .po: run `pip install -e .`"


def _descriptions(owner: type[DOMNode]) -> set[str]:
    bindings = owner._merged_bindings
    assert bindings is not None
    return {
        text
        for key_bindings in bindings.key_to_bindings.values()
        for binding in key_bindings
        for text in (binding.description, binding.tooltip)
        if text
    }


@pytest.mark.parametrize("owner", TEXTUAL_CLASSES, ids=lambda owner: owner.__name__)
def test_textuals_own_binding_descriptions_are_in_the_catalogue(owner: type[DOMNode]) -> None:
    listed = {*textual_strings.BINDING_DESCRIPTIONS, *textual_strings.SYSTEM_COMMANDS}
    assert _descriptions(owner) - listed == set(), "new strings in Textual: list them in ui/textual_strings.py"


@pytest.mark.parametrize("owner", [VirtualTable], ids=lambda owner: owner.__name__)
def test_the_generic_widgets_binding_descriptions_are_in_the_catalogue(owner: type[DOMNode]) -> None:
    assert _descriptions(owner) - set(textual_strings.WIDGET_DESCRIPTIONS) == set()


async def test_the_palette_key_textual_adds_is_in_the_catalogue() -> None:
    app: App[None] = App()
    async with app.run_test():
        added = app.screen.active_bindings[app.COMMAND_PALETTE_BINDING].binding
    assert {added.description, added.tooltip} == set(textual_strings.PALETTE_BINDING)


def test_the_palette_placeholder_is_textuals() -> None:
    default = inspect.signature(CommandPalette.__init__).parameters["placeholder"].default
    assert default == textual_strings.PALETTE_PLACEHOLDER


async def test_textuals_system_commands_are_in_the_catalogue() -> None:
    app: App[None] = App()
    async with app.run_test():
        commands = list(App.get_system_commands(app, app.screen))
    shown = {text for command in commands for text in (command.title, command.help)}
    assert shown - set(textual_strings.SYSTEM_COMMANDS) == set()
