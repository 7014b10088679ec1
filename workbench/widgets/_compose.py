"""A text box with X's characters-remaining counter, shared by every composer."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W

from workbench.i18n import _


class Composer(W.VBox):
    """Textarea (``wb-reply-text``) and counter (``wb-remaining``) counting as X does."""

    def __init__(self, placeholder: str = "", text_class: str = "wb-reply-text") -> None:
        self.text = W.Textarea(
            placeholder=placeholder,
            continuous_update=True,
            layout=W.Layout(width="100%", height="70px"),
        )
        self.text.add_class(text_class)
        self.remaining = W.HTML()
        self.remaining.add_class("wb-remaining")
        self._final: Callable[[str], str] = lambda text: text
        self.text.observe(self._on_value, names="value")
        super().__init__([self.text, self.remaining], layout=W.Layout(width="100%"))
        self._on_value({"new": ""})

    def counting(self, final: Callable[[str], str] | None) -> None:
        """Count what will be sent from the text, ``final(text)`` (a reply's @mentions put in
        front, say); None: the text as typed."""
        self._final = final or (lambda text: text)
        self._on_value({"new": self.text.value})

    @property
    def left(self) -> int:
        from workbench.text import remaining

        try:
            return remaining(self._final(self.text.value))
        except (TypeError, ValueError):
            return remaining(self.text.value)

    @property
    def sendable(self) -> bool:
        return bool(self.text.value.strip()) and self.left >= 0

    def _on_value(self, _change: dict[str, object]) -> None:
        left = self.left
        color = "#d62728" if left < 0 else ("#d4a72c" if left <= 20 else "#57606a")
        tip = html.escape(_("characters remaining, as X counts them"))
        self.remaining.value = f'<span style="color:{color}" title="{tip}">{left}</span>'
