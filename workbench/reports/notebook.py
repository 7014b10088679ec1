"""The HTML report: the shipped ``workbench/notebooks/analyst_report.ipynb`` run by papermill,
converted by nbconvert."""

from __future__ import annotations

import tempfile
from importlib.resources import as_file
from pathlib import Path

import pandas as pd

from workbench.lab import notebooks_dir

TEMPLATE = "analyst_report.ipynb"


def render_html(ledger: pd.DataFrame, output: Path, title: str = "Interactions report") -> Path:
    """Run the report notebook on ``ledger`` and write it as HTML without the code cells."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="workbench-report-") as tmp:
        data = Path(tmp) / "ledger.parquet"
        ledger.to_parquet(data, index=False)
        executed = Path(tmp) / "report.ipynb"
        with as_file(notebooks_dir() / TEMPLATE) as template:
            papermill.execute_notebook(
                str(template),
                str(executed),
                parameters={"ledger_path": str(data), "title": title, "renderer": "notebook"},
                progress_bar=False,
                cwd=tmp,
            )
        exporter = HTMLExporter(
            # cells tagged "report-hide" explain the notebook to its users, not to readers
            config=Config({"TagRemovePreprocessor": {"remove_cell_tags": ["report-hide"]}}),
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        nb = nbformat.read(executed, as_version=4)
        nb.metadata.pop("widgets", None)  # a report carries no widget state
        body, _ = exporter.from_notebook_node(nb)
    output.write_text(body, encoding="utf-8")
    return output
