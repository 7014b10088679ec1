"""The HTML report: the shipped ``workbench/notebooks/analyst_report.ipynb`` run by papermill,
converted by nbconvert."""

from __future__ import annotations

import tempfile
from importlib.resources import as_file
from pathlib import Path

import pandas as pd

from workbench.lab import notebooks_dir

TEMPLATE = "analyst_report.ipynb"
OFFLINE = (
    "{%- extends 'lab/index.html.j2' -%}\n"
    # the lab template loads require.js and MathJax from a CDN: a report opens with no network
    "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_css -%}<style>\n"
    "body { max-width: 760px; margin: 0 auto; }\n"
    ".jp-OutputArea-output { overflow: visible !important; }\n"
    ".plotly-graph-div, table { break-inside: avoid; page-break-inside: avoid; }\n"
    "h1, h2, h3 { break-after: avoid; page-break-after: avoid; }\n"
    "@media print { @page { margin: 0.5in; } body { max-width: none; } }\n"
    "</style>{%- endblock html_head_css -%}\n"
)


def render_html(
    ledger: pd.DataFrame, output: Path, title: str = "Interactions report", tz: str = "UTC"
) -> Path:
    """Run the report notebook on ``ledger`` and write it as HTML without the code cells, its
    times, days and hours in the time zone ``tz``."""
    import nbformat
    import papermill
    from jinja2 import DictLoader
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
                parameters={
                    "ledger_path": str(data),
                    "title": title,
                    "renderer": "report",
                    "tz": tz,
                },
                progress_bar=False,
                cwd=tmp,
                # the kernel's own start-up warnings are not the analyst's business
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        exporter = HTMLExporter(
            extra_loaders=[DictLoader({"offline.html.j2": OFFLINE})],
            template_file="offline.html.j2",
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
