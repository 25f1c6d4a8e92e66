"""`MaskedValue`: a label and a value that arrives already masked (`j***@qq.com`)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from widgets.plain_text import plain_line


class MaskedValue(Widget):
    """One line: `label` then `masked`. Masking is the caller's job; this widget never sees raw values,
    and shows `placeholder` when there is no value at all."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"masked-value--label"}

    DEFAULT_CSS = """
    MaskedValue {
        height: 1;
        & > .masked-value--label { color: $text-muted; }
    }
    """

    def __init__(
        self,
        label: str,
        masked: str | None = None,
        *,
        placeholder: str = "—",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._label = label
        self._masked = masked
        self._placeholder = placeholder

    @property
    def masked(self) -> str | None:
        return self._masked

    @masked.setter
    def masked(self, value: str | None) -> None:
        self._masked = value
        self.refresh()

    def render(self) -> Text:
        label = plain_line(self._label)
        label.stylize(self.get_component_rich_style("masked-value--label"))
        return Text.assemble(label, " ", plain_line(self._placeholder if self._masked is None else self._masked))
