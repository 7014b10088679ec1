"""The notebooks the package ships open clean in JupyterLab: no stored output of a widget view,
whose text form (``AgentWorkspaceView(children=(HBox(...``) Lab would show, stale, until the
cell runs again (the notebooks are stored without widget state)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "workbench" / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STALE = re.compile(r"^\w+\(children=")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_widget_view(path):
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert WIDGET_VIEW not in data, (path.name, "".join(cell["source"])[:80])
            text = "".join(data.get("text/plain", []))
            assert not STALE.match(text), (path.name, text[:80])
