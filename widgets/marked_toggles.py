"""Radio buttons, checkboxes and selection lists whose state shows in their shape, not only in their colour.

Textual draws a toggle's mark whether it is on or off, and tells the two apart by colour alone (a green or a grey
`●`/`X`). Under `NO_COLOR`, in greyscale, and to an agent who cannot tell green from grey, every button reads as
on. These draw the mark only when on: `▐●▌` is chosen, `▐ ▌` is not.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

Value = TypeVar("Value")


# Textual reads `BUTTON_INNER` each time it draws the button. Each class says it itself: Textual's queries and
# CSS know a widget by its first bases only, so a mixin ahead of RadioButton would hide it from its RadioSet.
class MarkedRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a class constant in Textual, read via the instance
        return RadioButton.BUTTON_INNER if self.value else " "


class MarkedCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # a class constant in Textual, read via the instance
        return Checkbox.BUTTON_INNER if self.value else " "


class MarkedSelectionList(SelectionList[Value]):
    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        # SelectionList puts its button's left side, mark and right side first on each option's line.
        segments = list(line)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return line
        _, scroll_y = self.scroll_offset
        try:
            option = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:
            return line
        if option.value in self.selected:
            return line
        segments[1] = Segment(" ", segments[1].style)
        return Strip(segments, line.cell_length)
