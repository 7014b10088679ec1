"""Keyboard shortcuts for the desk: a small anywidget that listens to the page's keys.

ipywidgets has no keyboard events of its own, so this widget's front end (a few lines of
JavaScript, anywidget's ``_esm``) listens to ``keydown`` on the document and sends the name of
the shortcut pressed to the kernel, where ``on_shortcut`` callbacks act; the kernel can ask it to
move the focus (``focus(selector)``). Keys are matched by ``KeyboardEvent.code`` (the key's
place, not the letter it types: Alt+A types "å" on a Mac), and only while the focus is in the
desk (or on the page's body in the app), so JupyterLab's own shortcuts keep working elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from workbench.i18n import N_, _

SHORTCUTS: dict[str, tuple[str, str]] = {
    "Alt+KeyA": ("accept", N_("Accept the first offer")),
    "Alt+KeyR": ("reject", N_("Reject the first offer")),
    "Ctrl+Enter": ("send", N_("Send the reply")),
    "Alt+KeyN": ("next", N_("Next interaction")),
    "Alt+KeyD": ("done", N_("Done (with the disposition chosen)")),
    "Alt+KeyK": ("kind", N_("Reply kind: Reply, Direct Message, Quote Tweet")),
    "Alt+KeyH": ("help", N_("Show or hide these shortcuts")),
}
"""Key (``KeyboardEvent.code`` with its modifiers) -> (shortcut, what it does)."""


def key_label(key: str) -> str:
    """``Alt+KeyA`` as a person reads it: ``Alt+A``."""
    return "+".join(part[3:] if part.startswith("Key") else part for part in key.split("+"))


_ESM = """
function combo(e) {
  const parts = [];
  if (e.ctrlKey || e.metaKey) parts.push("Ctrl");
  if (e.altKey) parts.push("Alt");
  if (e.shiftKey) parts.push("Shift");
  parts.push(e.code);
  return parts.join("+");
}

function inDesk(target) {
  if (target && target.closest && target.closest(".wb-workspace, .wb-desk")) return true;
  // In the app (Voila) nothing else is on the page: the body counts as the desk.
  return (!target || target === document.body) && !!document.querySelector(".wb-desk");
}

function focusLater(selector, tries) {
  const found = document.querySelector(selector);
  if (found) { found.focus(); return; }
  if (tries > 0) setTimeout(() => focusLater(selector, tries - 1), 50);
}

function render({ model, el }) {
  el.classList.add("wb-shortcuts");
  function onKey(e) {
    const name = (model.get("bindings") || {})[combo(e)];
    if (!name || !inDesk(e.target)) return;
    e.preventDefault();
    e.stopPropagation();
    // The reply box's text as the agent sees it: its last keystrokes may not have reached
    // the kernel yet (widget updates are throttled; this message is not).
    const box = e.target && e.target.closest && e.target.closest(".wb-reply-text");
    const text = box && e.target.value !== undefined ? e.target.value : null;
    model.send({ shortcut: name, text: text });
  }
  document.addEventListener("keydown", onKey, true);
  model.on("msg:custom", (msg) => { if (msg && msg.focus) focusLater(msg.focus, 60); });
  return () => document.removeEventListener("keydown", onKey, true);
}

export default { render };
"""


class Shortcuts(anywidget.AnyWidget):
    """The desk's keyboard: ``on_shortcut(callback)`` is called with the shortcut's name."""

    _esm = _ESM
    bindings = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(bindings={k: name for k, (name, _) in SHORTCUTS.items()}, **kwargs)
        self._callbacks: list[Callable[[str, str | None], None]] = []
        self.on_msg(self._received)

    def on_shortcut(self, callback: Callable[[str, str | None], None]) -> None:
        """``callback(name, text)``: ``text`` is the reply box's text when the key was
        pressed in it (else None)."""
        self._callbacks.append(callback)

    def press(self, name: str, text: str | None = None) -> None:
        """What the page sends when a shortcut is pressed (tests call it too)."""
        for callback in list(self._callbacks):
            callback(name, text)

    def focus(self, selector: str) -> None:
        """Move the page's focus to the first element matching ``selector`` (once it shows)."""
        self.send({"focus": selector})

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and isinstance(content.get("shortcut"), str):
            text = content.get("text")
            self.press(content["shortcut"], text if isinstance(text, str) else None)


def help_html() -> str:
    """The shortcuts as a table (the help overlay)."""
    rows = "".join(
        f"<tr><td><kbd>{key_label(k)}</kbd></td><td>{_(what)}</td></tr>"
        for k, (_name, what) in SHORTCUTS.items()
    )
    title, tab = _("Keyboard shortcuts"), _("(Tab moves between controls)")
    return (
        f'<div class="wb-card wb-help" role="dialog" aria-label="{title}">'
        f"<b>{title}</b> {tab}"
        f"<table>{rows}</table></div>"
    )


_ENTER_ESM = """
function render({ model, el }) {
  el.classList.add("wb-enter-key");
  el.style.display = "none";
  function onKey(e) {
    if (e.key !== "Enter" || e.ctrlKey || e.altKey || e.metaKey || e.shiftKey) return;
    const field = e.target;
    const scope = model.get("scope");
    if (!field || field.tagName !== "INPUT" || !field.closest || !field.closest(scope)) return;
    e.preventDefault();
    // The fields' text as the page has it: the last keystrokes may not have reached the
    // kernel yet (widget updates are throttled; this message is not).
    const values = {};
    for (const [name, selector] of Object.entries(model.get("fields") || {})) {
      const found = document.querySelector(selector);
      if (found && found.value !== undefined) values[name] = found.value;
    }
    model.send({ enter: values });
  }
  document.addEventListener("keydown", onKey, true);
  return () => document.removeEventListener("keydown", onKey, true);
}

export default { render };
"""


class EnterKey(anywidget.AnyWidget):
    """Enter in a text field of the part of the page ``scope`` (a CSS selector) names: calls
    the ``on_enter`` callbacks with the text of each of ``fields`` (name -> CSS selector of its
    input) as the page shows it, so what was typed last is not lost to the widget's throttled
    updates (a text widget's own ``submit`` can reach the kernel before its last letters)."""

    _esm = _ENTER_ESM
    scope = traitlets.Unicode("").tag(sync=True)
    fields = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[dict[str, str]], None]] = []
        self.on_msg(self._received)

    def on_enter(self, callback: Callable[[dict[str, str]], None]) -> None:
        """``callback(values)``: the fields' text when Enter was pressed (name -> text)."""
        self._callbacks.append(callback)

    def press(self, values: dict[str, str]) -> None:
        """What the page sends when Enter is pressed in the scope (tests call it too)."""
        for callback in list(self._callbacks):
            callback(values)

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and isinstance(content.get("enter"), dict):
            values = content["enter"]
            self.press({str(k): v for k, v in values.items() if isinstance(v, str)})
