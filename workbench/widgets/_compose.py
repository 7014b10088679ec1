"""The reply box and its characters-remaining counter, shared by every composer.

The text belongs to the page. ipywidgets' own Textarea sends its keystrokes to the kernel
throttled (one update in flight, the rest buffered), while a button's click goes at once: a click
on Send could overtake the last keystrokes, and the kernel's "" after a send could be overwritten
by a late echo of the text, or erase what the agent typed since. So the reply box is a small
anywidget (``ReplyBox``): its page sends the exact text with the send (a click on the composer's
Send button, or the shortcut), and after a send the kernel says which text went out (``sent``)
and the page removes just that, keeping whatever was typed after it. The page never takes a
value from the kernel except when the kernel means it (``set_text``: a standard response, a
refused message to edit).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as W
import traitlets

from workbench.i18n import _, format_number

POST_LIMIT = 280
"""X's weighted length of a post (a reply, a quote): URLs count 23, emoji 2."""

_ESM = """
function render({ model, el }) {
  const box = document.createElement("textarea");
  box.className = "wb-reply-box";
  box.value = model.get("value");
  const sync = () => {
    box.placeholder = model.get("placeholder");
    box.setAttribute("aria-label", model.get("label") || model.get("placeholder"));
    box.disabled = model.get("disabled");
  };
  sync();
  el.appendChild(box);
  function typed() {
    model.set("value", box.value);
    model.save_changes();
  }
  box.addEventListener("input", typed);
  model.on("change:placeholder", sync);
  model.on("change:label", sync);
  model.on("change:disabled", sync);
  model.on("msg:custom", (msg) => {
    if (!msg) return;
    if (typeof msg.set === "string") {
      box.value = msg.set;
      typed();
    } else if (typeof msg.sent === "string") {
      // Remove what went out; what was typed after the send stays.
      if (box.value.startsWith(msg.sent)) {
        box.value = box.value.slice(msg.sent.length).replace(/^\\s+/, "");
      }
      typed();
    }
  });
  // A click on this composer's Send button carries the text as the agent sees it; the
  // button's own click (which would reach the kernel before the last keystrokes) is dropped.
  function onClick(e) {
    const button = e.target && e.target.closest && e.target.closest(model.get("send_selector"));
    if (!button || button.disabled) return;
    const scope = el.closest(".wb-compose-scope");
    if (!scope || button.closest(".wb-compose-scope") !== scope) return;
    e.preventDefault();
    e.stopPropagation();
    model.send({ send: box.value });
  }
  document.addEventListener("click", onClick, true);
  return () => document.removeEventListener("click", onClick, true);
}
export default { render };
"""

_CSS = """
.wb-reply-box {
  width: 100%;
  height: 70px;
  box-sizing: border-box;
  resize: vertical;
  font: inherit;
  padding: 4px 8px;
  color: var(--jp-widgets-input-color, inherit);
  background: var(--jp-widgets-input-background-color, #fff);
  border: var(--jp-widgets-border-width, 1px) solid var(--jp-widgets-input-border-color, #9e9e9e);
}
.wb-reply-box:focus {
  outline: none;
  border-color: var(--jp-widgets-input-focus-border-color, #64b5f6);
}
"""


class ReplyBox(anywidget.AnyWidget):
    """A textarea whose page owns the text: ``value`` follows what is typed, ``on_send`` is
    called with the page's text when the composer's Send button is clicked."""

    _esm = _ESM
    _css = _CSS
    value = traitlets.Unicode("", help="The text as typed (the page's, as last received).").tag(
        sync=True
    )
    placeholder = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("", help="The box's accessible name.").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    send_selector = traitlets.Unicode(
        ".wb-send", help="The CSS selector of the Send button whose clicks carry the text."
    ).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_send: list[Callable[[str], None]] = []
        self.on_msg(self._received)

    def on_send(self, callback: Callable[[str], None]) -> None:
        """``callback(text)`` when Send is clicked in the page, with the text the page had."""
        self._on_send.append(callback)

    def set_text(self, text: str) -> None:
        """Put ``text`` in the box, in the kernel and on the page."""
        self.value = text
        self.send({"set": text})

    def sent(self, text: str) -> None:
        """``text`` went out: the page removes it from the box (what was typed since stays)."""
        self.value = self.value[len(text) :].lstrip() if self.value.startswith(text) else ""
        self.send({"sent": text})

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and isinstance(content.get("send"), str):
            for callback in list(self._on_send):
                callback(content["send"])


def dm_remaining(text: str) -> int:
    """Characters left in a direct message (X takes 10,000 characters)."""
    from workbench.workspace import DM_MAX_LENGTH

    return DM_MAX_LENGTH - len(text)


class Composer(W.VBox):
    """Reply box (``wb-reply-text``) and counter (``wb-remaining``): "Characters remaining",
    counted as X counts the kind of message being written (a post's weighted 280, a direct
    message's 10,000 characters)."""

    def __init__(
        self,
        placeholder: str = "",
        text_class: str = "wb-reply-text",
        send_selector: str = ".wb-send",
    ) -> None:
        self.text = ReplyBox(placeholder=placeholder, send_selector=send_selector)
        self.text.layout = W.Layout(width="100%")
        self.text.add_class(text_class)
        self.remaining = W.HTML()
        self.remaining.add_class("wb-remaining")
        self._final: Callable[[str], str] = lambda text: text
        self._dm = False
        self.text.observe(self._on_value, names="value")
        super().__init__([self.text, self.remaining], layout=W.Layout(width="100%"))
        self._on_value({"new": ""})

    def counting(self, final: Callable[[str], str] | None, *, dm: bool = False) -> None:
        """Count what will be sent from the text, ``final(text)`` (a reply's @mentions put in
        front, say; None: the text as typed), against a direct message's limit when ``dm``."""
        self._final = final or (lambda text: text)
        self._dm = dm
        self._on_value({"new": self.text.value})

    @property
    def limit(self) -> int:
        """The most the message being written may hold, as X counts it."""
        from workbench.workspace import DM_MAX_LENGTH

        return DM_MAX_LENGTH if self._dm else POST_LIMIT

    @property
    def left(self) -> int:
        """Characters left for the text in the box."""
        return self.left_for(self.text.value)

    def left_for(self, text: str) -> int:
        """Characters left for ``text``, as X counts the kind being written."""
        from workbench.text import remaining

        if self._dm:
            return dm_remaining(text)
        try:
            return remaining(self._final(text))
        except (TypeError, ValueError):
            return remaining(text)

    @property
    def sendable(self) -> bool:
        """Whether the text in the box may be sent (not blank, within the limit)."""
        return self.can_send(self.text.value)

    def can_send(self, text: str) -> bool:
        return bool(text.strip()) and self.left_for(text) >= 0

    def _on_value(self, _change: dict[str, object]) -> None:
        left = self.left
        color = "#d62728" if left < 0 else ("#9a6700" if left <= 20 else "#57606a")
        tip = html.escape(
            _("at most {limit} characters, as X counts them").format(
                limit=format_number(self.limit)
            )
        )
        label = html.escape(_("Characters remaining:"))
        self.remaining.value = (
            f'<span style="color:{color}" title="{tip}">{label} <b>{format_number(left)}</b></span>'
        )
