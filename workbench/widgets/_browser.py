"""What the page knows that the kernel does not: the browser's language (``navigator.language``).

A tiny anywidget: its front end sets ``language`` when it is drawn, and the kernel observes it
(the desk app's sign-in form takes it as the default language).
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  el.classList.add("wb-browser-language");
  el.style.display = "none";
  const tag = (navigator.languages && navigator.languages[0]) || navigator.language || "";
  if (tag && model.get("language") !== tag) {
    model.set("language", tag);
    model.save_changes();
  }
}

export default { render };
"""


class BrowserLanguage(anywidget.AnyWidget):
    """``language``: the browser's language tag (``fr-FR``), "" until the page has said it."""

    _esm = _ESM
    language = traitlets.Unicode("").tag(sync=True)
