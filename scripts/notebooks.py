"""Write the notebooks in workbench/notebooks/ (shipped in the package) from the cells below,
without outputs or widget state.

Run ``python scripts/notebooks.py`` after changing a cell here, then ``make notebooks`` to
execute them and store their outputs for nbval.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "workbench" / "notebooks"

AGENT = [
    new_markdown_cell(
        "# Agent workspace\n\n"
        "Tweets and DMs routed to you arrive as toasts: **Accept** opens the interaction view, "
        "**Reject** offers it to another agent. In the view, reply publicly (the contact's "
        "@mention goes in front), send a direct message, retweet, quote or favorite any customer "
        "message, follow the contact, transfer, conference or consult, call or e-mail when the "
        "contact record has a phone or e-mail, insert a standard response, set a disposition and a "
        "note, and mark the interaction done. Below the tabs, post a tweet on a timeline.\n\n"
        "With no X credentials the workbench talks to the local X API sandbox: `make run` starts "
        "one with seeded customer traffic; run alone, this notebook starts its own."
    ),
    new_code_cell(
        'agent = "ann"  # your agent name\nlive = True  # offers appear as they are routed to you',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "from workbench.embedded import ensure_x_api\n"
        "from workbench.widgets import AgentWorkspaceView\n"
        "from workbench.workspace import Workspace\n\n"
        "x_api = ensure_x_api()\n"
        "ws = Workspace(agent)\n"
        "view = AgentWorkspaceView(ws, live=live)\n"
        "view.ready()\n"
        "view"
    ),
    new_markdown_cell(
        "Everything the view does is a method of `ws` (the `Workspace`), so a script can do it "
        "too, e.g. `ws.accept(id)`, `ws.reply(id, 'text')`, `ws.done(id)`. The store keeps every "
        "action in its event log; the supervisor dashboard charts it."
    ),
    new_code_cell(
        "print(f'{agent}: {len(ws.offers)} offered, {len(ws.interactions)} open')",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
]

SUPERVISOR = [
    new_markdown_cell(
        "# Supervisor dashboard\n\n"
        "Live charts of volume, queues, response times, dispositions and sentiment, computed with "
        "pandas from the ledger of handled interactions (`workbench.analytics.ledger`). The "
        "dashboard keeps a live ledger (`LiveLedger`): it loads the ledger once, then each refresh "
        "applies only the events appended since. Tick **Live** to refresh as things happen (at "
        "most once a second, at least every `interval` seconds); **Refresh** does it now."
    ),
    new_code_cell(
        "db_url = None  # None: WORKBENCH_DB_URL\ninterval = 5.0\nlive = True",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "from workbench.analytics import LiveLedger\n"
        "from workbench.store import Store\n"
        "from workbench.widgets import SupervisorDashboardView\n\n"
        "store = Store(db_url)\n"
        "feed = store.changes()  # wakes the Live loop when something happens\n"
        "ledger = LiveLedger(store)  # loaded once; a refresh reads only the new events\n"
        "dashboard = SupervisorDashboardView(\n"
        "    ledger, interval=interval, live=live, wake=feed.wait\n"
        ")\n"
        "dashboard"
    ),
    new_markdown_cell("The ledger itself, one row per interaction, newest first:"),
    new_code_cell(
        "frame = ledger.refresh()\nframe.sort_values('arrived_at', ascending=False).head(20)",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
]

ANALYST = [
    new_markdown_cell(
        "# Interactions report\n\n"
        "A parameterized report: `workbench report --format html` runs this notebook with "
        "papermill and converts it to HTML without the code. Run it here to explore; the same "
        "ledger exports as CSV, Excel or Parquet: "
        "`workbench report --format csv|xlsx|parquet`.",
        metadata={"tags": ["report-hide"]},
    ),
    new_code_cell(
        'title = "Interactions report"\n'
        "ledger_path = None  # a Parquet ledger; None: read the store\n"
        "db_url = None  # None: WORKBENCH_DB_URL\n"
        'renderer = "plotly_mimetype+notebook_connected"',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import pandas as pd\n"
        "import plotly.io as pio\n"
        "from IPython.display import Markdown, display\n\n"
        "from workbench.analytics import ledger\n"
        "from workbench.reports import figures, summarize\n\n"
        "pio.renderers.default = renderer\n"
        "frame = pd.read_parquet(ledger_path) if ledger_path else ledger(db_url)\n"
        "first, last = frame['arrived_at'].min(), frame['arrived_at'].max()\n"
        "period = f'{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC' if len(frame) else '-'\n"
        "display(Markdown(f'## {title}\\n\\n{len(frame)} interactions, {period}.'))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_markdown_cell("## Headline figures"),
    new_code_cell(
        "summary = summarize(frame)\n"
        "pd.DataFrame(summary.rows(), columns=['figure', 'value']).set_index('figure')",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_markdown_cell("## Charts"),
    new_code_cell(
        "for build in figures.ALL.values():\n    build(frame).show()",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_markdown_cell("## By queue and agent"),
    new_code_cell(
        "by_queue = frame.groupby('queue').agg(\n"
        "    interactions=('interaction_id', 'size'),\n"
        "    done=('state', lambda s: int((s == 'done').sum())),\n"
        "    median_first_response_min=('first_response_seconds', lambda s: s.median() / 60),\n"
        "    median_handle_min=('handle_seconds', lambda s: s.median() / 60),\n"
        ")\n"
        "by_agent = frame.dropna(subset=['agent']).groupby('agent').agg(\n"
        "    interactions=('interaction_id', 'size'),\n"
        "    replies=('replies', 'sum'),\n"
        "    transfers=('transfers', 'sum'),\n"
        "    median_handle_min=('handle_seconds', lambda s: s.median() / 60),\n"
        ")\n"
        "display(by_queue.round(1))\n"
        "display(by_agent.round(1))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
]


def write(name: str, cells: list) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, OUT / name)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    write("agent_workspace.ipynb", AGENT)
    write("supervisor_dashboard.ipynb", SUPERVISOR)
    write("analyst_report.ipynb", ANALYST)
