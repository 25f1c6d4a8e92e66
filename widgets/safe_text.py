"""`SafeText`: shows untrusted text exactly as written, with no markup, no clickable links, no controls."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from widgets.plain_text import plain_text


class SafeText(Widget):
    """A `Static` for text nobody on the desk wrote. Only `str` and `rich.text.Text` are accepted, and a
    `str` is never parsed as markup; `Text` keeps its colours but loses links and click actions."""

    DEFAULT_CSS = """
    SafeText { height: auto; }
    """

    def __init__(
        self,
        text: str | Text = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = plain_text(text)

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: str | Text) -> None:
        self._text = plain_text(text)
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._text
