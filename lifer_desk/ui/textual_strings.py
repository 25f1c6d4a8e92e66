"""Strings written in English outside lifer_desk that the desk shows: Textual's bindings' descriptions (in the
footer, help and the command palette), its system commands and the palette's placeholder, and the bindings of
the generic `widgets`. Listed here with `N_` so that `pybabel extract` puts them in the catalogue; translated
where the desk shows them (`ui.desk_screen.translated_bindings`, `ui.palette`). `tests/i18n` checks the lists
against the code installed, so that an upgrade adding a string cannot leave it in English unseen.
"""

from __future__ import annotations

from lifer_desk.i18n import N_

# The command palette's search field (`textual.command.CommandPalette`).
PALETTE_PLACEHOLDER = N_("Search for commands…")

# The palette's own key, which `App.__init__` adds to the app's bindings (so no class lists it).
PALETTE_BINDING = (N_("palette"), N_("Open the command palette"))

# The bindings of the desk's generic widgets (`widgets/`, which import nothing of lifer_desk).
WIDGET_DESCRIPTIONS = (N_("Up"), N_("Down"), N_("Page up"), N_("Page down"), N_("First"), N_("Last"), N_("Open"))

# `App.get_system_commands`: titles and their help lines.
SYSTEM_COMMANDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)

# The bindings of the Textual classes the desk uses (App, Screen, the palette and its widgets), by description.
BINDING_DESCRIPTIONS = (
    N_("Quit the app and return to the command prompt."),  # App
    N_("Focus Next"),  # Screen
    N_("Focus Previous"),  # Screen
    N_("Copy selected text"),  # Screen
    N_("Go to bottom"),  # CommandPalette
    N_("Go to top"),  # CommandPalette
    N_("Next command"),  # CommandPalette
    N_("Exit the command palette"),  # CommandPalette
    N_("Next page"),  # CommandPalette
    N_("Previous page"),  # CommandPalette
    N_("Previous command"),  # CommandPalette
    N_("Toggle"),  # Checkbox
    N_("Scroll Up"),  # Input
    N_("Scroll Down"),  # Input
    N_("Move cursor left"),  # Input
    N_("Move cursor right or accept the completion suggestion"),  # Input
    N_("Go to start"),  # Input
    N_("Go to end"),  # Input
    N_("Page Up"),  # Input
    N_("Page Down"),  # Input
    N_("Page Left"),  # Input
    N_("Page Right"),  # Input
    N_("Move cursor left and select"),  # Input
    N_("Move cursor left a word"),  # Input
    N_("Move cursor left a word and select"),  # Input
    N_("Move cursor right and select"),  # Input
    N_("Move cursor right a word"),  # Input
    N_("Move cursor right a word and select"),  # Input
    N_("Delete character left"),  # Input
    N_("Select all"),  # Input
    N_("Select line start"),  # Input
    N_("Select line end"),  # Input
    N_("Delete character right"),  # Input
    N_("Submit"),  # Input
    N_("Delete left to start of word"),  # Input
    N_("Delete all to the left"),  # Input
    N_("Delete right to start of word"),  # Input
    N_("Delete all to the right"),  # Input
    N_("Cut selected text"),  # Input
    N_("Paste text from the clipboard"),  # Input
    N_("Up"),  # OptionList
    N_("Down"),  # OptionList
    N_("Scroll Left"),  # OptionList
    N_("Scroll Right"),  # OptionList
    N_("First"),  # OptionList
    N_("Last"),  # OptionList
    N_("Select"),  # OptionList
    N_("Show menu"),  # Select
    N_("Dismiss menu"),  # SelectOverlay
    N_("Toggle option"),  # SelectionList
    N_("Previous option"),  # RadioSet
    N_("Next option"),  # RadioSet
    N_("Scroll Home"),  # RadioSet
    N_("Scroll End"),  # RadioSet
    N_("Cursor up"),  # TextArea
    N_("Cursor down"),  # TextArea
    N_("Cursor left"),  # TextArea
    N_("Cursor right"),  # TextArea
    N_("Cursor line start"),  # TextArea
    N_("Cursor line end"),  # TextArea
    N_("Cursor page up"),  # TextArea
    N_("Cursor page down"),  # TextArea
    N_("Cursor word left"),  # TextArea
    N_("Cursor word right"),  # TextArea
    N_("Cursor left word select"),  # TextArea
    N_("Cursor right word select"),  # TextArea
    N_("Cursor line start select"),  # TextArea
    N_("Cursor line end select"),  # TextArea
    N_("Cursor up select"),  # TextArea
    N_("Cursor down select"),  # TextArea
    N_("Cursor left select"),  # TextArea
    N_("Cursor right select"),  # TextArea
    N_("Select line"),  # TextArea
    N_("Cut"),  # TextArea
    N_("Copy"),  # TextArea
    N_("Paste"),  # TextArea
    N_("Delete to line start"),  # TextArea
    N_("Delete to line end"),  # TextArea
    N_("Delete line"),  # TextArea
    N_("Undo"),  # TextArea
    N_("Redo"),  # TextArea
)
