"""plotly's FigureWidget with its JavaScript loaded once per page (``Chart``).

A FigureWidget carries plotly's whole front end (plotly.js and its widget code, one 5 MB module,
anywidget's ``_esm``) in its own state, and the page imports that module once per chart: six
times for the dashboard, which made the first chart take seconds. Worse, anywidget gives a model
2 s to load its module; a chart that took longer (the fourth, fifth and sixth) never applied a
later change, because its messages wait on the load that timed out, so it went on showing the
window it was first drawn with.

Here each chart carries a module of a few lines, and one ``PlotlyCode`` widget per kernel (never
shown) carries plotly's: the page imports it once, and the charts draw with it as soon as it is
there. A chart's model is ready at once, so none times out. Changes made before plotly's code
is loaded reach the chart through its synced figure (``_widget_data``, ``_widget_layout``),
which the dashboard keeps current after every update (``charts._resync``).
"""

from __future__ import annotations

from typing import Any

import anywidget
import plotly.graph_objects as go
import traitlets
from plotly.basewidget import BaseFigureWidget

_SHARED = """
const KEY = Symbol.for("workbench.plotly");
function shared() {
  if (!globalThis[KEY]) {
    const s = { started: false };
    s.loaded = new Promise((resolve, reject) => { s.resolve = resolve; s.reject = reject; });
    globalThis[KEY] = s;
  }
  return globalThis[KEY];
}
"""

CODE_ESM = (
    _SHARED
    + """
export default {
  initialize({ model }) {
    const s = shared();
    if (s.started) return;
    s.started = true;
    const url = URL.createObjectURL(new Blob([model.get("code")], { type: "text/javascript" }));
    import(url).then(
      (mod) => {
        URL.revokeObjectURL(url);
        s.resolve(mod);
      },
      (error) => {
        console.error("workbench: plotly's module did not load:", String(error));
        s.reject(error);
      },
    );
  },
};
"""
)
"""The loader's module: imports plotly's module (the ``code`` it carries) once per page."""

CHART_ESM = (
    _SHARED
    + """
export default () => {
  let ready = null;
  return {
    initialize({ model }) {
      // Not awaited: loading plotly can take longer than anywidget waits for a model.
      ready = shared().loaded.then((mod) => {
        const widget = mod.default();
        widget.initialize({ model });
        return widget;
      });
    },
    async render({ model, el }) {
      const widget = await ready;
      const remove = widget.render({ el });
      if (!(model.get("_config") || {}).responsive) return remove;
      // A responsive chart fills its element: plotly sizes it when the window resizes, so
      // say the window did when the element's size changes (the first time: once laid out).
      const observer = new ResizeObserver(() => window.dispatchEvent(new Event("resize")));
      observer.observe(el);
      return () => {
        observer.disconnect();
        remove();
      };
    },
  };
};
"""
)
"""A chart's module: plotly's own widget, once the page has loaded plotly's module."""


class PlotlyCode(anywidget.AnyWidget):
    """Carries plotly's front-end module to the page (one per kernel, never shown)."""

    _esm = CODE_ESM
    code = traitlets.Unicode("").tag(sync=True)


_code: PlotlyCode | None = None


def plotly_code() -> PlotlyCode:
    """The kernel's ``PlotlyCode`` (made again if it was closed, as ``Widget.close_all`` does)."""
    global _code
    if _code is None or _code.comm is None:
        _code = PlotlyCode(code=str(BaseFigureWidget._esm))  # plotly's own module, read once
    return _code


class Chart(go.FigureWidget):
    """A plotly FigureWidget whose front end shares the page's one copy of plotly."""

    _esm = CHART_ESM

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        plotly_code()
        super().__init__(*args, **kwargs)
