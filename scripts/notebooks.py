"""Write the notebooks in workbench/notebooks/ (shipped in the package) from the cells below,
without outputs or widget state.

Run ``python scripts/notebooks.py`` after changing a cell here, then ``make notebooks`` to
execute them and store their outputs for nbval; it ends with ``--strip-views``, which drops
the outputs that show a widget view (see ``strip_views``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "workbench" / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SHOWS_A_VIEW = {"tags": ["nbval-ignore-output"]}
"""The metadata of a cell that shows a widget view: its output is not stored (``strip_views``),
so nbval does not compare it."""

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
        "view",
        metadata=SHOWS_A_VIEW,
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
        "Pick a time window (last hour, today, last 7 days or a range) and, if you like, one "
        "queue, timeline, channel or agent: every figure follows. The strip on top shows what "
        "is in the queue now, the oldest wait, the service level against its goal (green at or "
        "above it, amber within 10 points, red below), what was handled today, the negative "
        "share, the agents needed (Erlang C) against those logged in, and how long the agents "
        "in Ready take to clear the queue (hover a figure for what it rests on). Click a bar, "
        "or an agent in the table, to list the interactions behind it; from that list you can "
        "requeue one or transfer it, and you can set an agent Not Ready. Every action goes "
        "through the same use cases as an agent's and is kept in the event log with your name. "
        "The figures are defined in `docs/metrics.md`. With **Live** ticked the dashboard "
        "refreshes as the store changes (at most once a second, at least every `interval` "
        "seconds), reading only what changed."
    ),
    new_code_cell(
        "db_url = None  # None: WORKBENCH_DB_URL\n"
        "interval = 5.0\n"
        "live = True\n"
        'supervisor = "sam"  # your name, in the event log',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "from workbench.store import Store\n"
        "from workbench.supervisor import DashboardModel\n"
        "from workbench.widgets import SupervisorDashboardView\n\n"
        "store = Store(db_url)\n"
        "model = DashboardModel(store, supervisor)  # the live ledger and the change feed\n"
        "dashboard = SupervisorDashboardView(model, interval=interval, live=live)\n"
        "dashboard",
        metadata=SHOWS_A_VIEW,
    ),
    new_markdown_cell(
        "The figures are plain data too: `model.snapshot.kpis`, `model.snapshot.metrics` "
        "(each a `Metric` with its `excluded` reasons) and the rows in the window:"
    ),
    new_code_cell(
        "snap = model.refresh()\nsnap.rows.sort_values('arrived_at', ascending=False).head(20)",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_markdown_cell(
        "## Priorities\n\n"
        "The router offers the highest priority first, then the longest wait. An interaction's "
        "priority is the sum of the points of the rules it matches: who the customer is (a VIP "
        "list of handles, X's verified badge, a follower count), what the message is (sentiment, "
        "actionability), and how long the customer has waited (a waiting-time rule adds its "
        "points once the wait reaches its minutes, so nobody waits forever behind VIPs). "
        "*Next offers* on the dashboard shows the queue in that order with the rules behind each. "
        "Edit the rules here; a new rule counts for interactions routed from then on (a "
        "waiting-time rule for every waiting one at once)."
    ),
    new_code_cell(
        "from dataclasses import fields\n\n"
        "import pandas as pd\n\n"
        "from workbench import routing\n\n"
        "columns = [f.name for f in fields(routing.PriorityRule)]  # also when there is none\n"
        "pd.DataFrame(routing.priority_rules(store), columns=columns).set_index('id')",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "# For example:\n"
        "# routing.add_priority_rule(store, 'Press', 40, handles=['techcrunch', 'verge'])\n"
        "# routing.update_priority_rule(store, rule_id, points=25)\n"
        "# routing.delete_priority_rule(store, rule_id)\n"
        "# The queue as the router will offer it, and why:\n"
        "shown = ['position', 'queue', 'contact', 'subject', 'waited', 'priority', 'reasons']\n"
        "pd.DataFrame(routing.next_offers(store, limit=10), columns=shown)",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
]

WALLBOARD = [
    # No markdown: Voila shows it, and the page is the wallboard alone.
    new_code_cell(
        "db_url = None  # None: WORKBENCH_DB_URL\n"
        "interval = 5.0\n"
        "query = None  # None: the page's URL parameters (?queue=billing&window=1h)",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "# The wallboard: what `workbench wallboard` serves as a page (Voila: no code shown).\n"
        "# The page's URL picks what it shows: ?queue=billing&window=1h (1h, today or 7d;\n"
        "# from=...&to=... for a range; timeline, channel or agent too).\n"
        "import os\n\n"
        "from workbench.store import Store\n"
        "from workbench.supervisor import DashboardModel\n"
        "from workbench.widgets.dashboard import WallboardView\n\n"
        "model = DashboardModel(Store(db_url), 'wallboard')\n"
        "board = WallboardView(model, interval=interval, live=False)\n"
        "if os.environ.get('VOILA_PREHEAT') == 'True':\n"
        "    # A kernel Voila keeps ready (the store read, the charts made) waits for its page.\n"
        "    from voila.utils import wait_for_request\n\n"
        "    wait_for_request()\n"
        "asked = os.environ.get('QUERY_STRING', '') if query is None else query\n"
        "board.set_filters(asked, refresh=True)  # and what changed in the store meanwhile\n"
        "board.set_live(True)\n"
        "board",
        metadata=SHOWS_A_VIEW,
    ),
]

DESK = [
    # No markdown: Voila shows it, and the app is the sign-in form alone.
    new_code_cell(
        "db_url = None  # None: WORKBENCH_DB_URL\nlive = True",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "# The agent desk: what `workbench desk` serves as an app (Voila: no code shown, one\n"
        "# kernel per agent). Sign in with your name and the queues you take.\n"
        "from workbench.embedded import ensure_x_api\n"
        "from workbench.store import Store\n"
        "from workbench.widgets.desk import DeskApp\n"
        "from workbench.workspace.desk import Desk\n\n"
        "x_api = ensure_x_api()  # the configured X API, else a sandbox in this kernel\n"
        "store = Store(db_url)\n"
        "store.load_reference_data()\n"
        "DeskApp(Desk(store), live=live)",
        metadata=SHOWS_A_VIEW,
    ),
]

ANALYST = [
    new_markdown_cell(
        "# Care desk report\n\n"
        "A parameterized report: `workbench report --format html` runs this notebook with "
        "papermill and converts it to HTML without the code; cells tagged `report-hide` (like "
        "this one) are for you, the analyst, and are left out of the report. Run it here to "
        "explore; the same ledger exports as CSV, Excel or Parquet: "
        "`workbench report --format csv|xlsx|parquet`.",
        metadata={"tags": ["report-hide"]},
    ),
    new_code_cell(
        'title = "Care desk report"\n'
        "ledger_path = None  # a Parquet ledger; None: read the store\n"
        "db_url = None  # None: WORKBENCH_DB_URL\n"
        'renderer = "plotly_mimetype+notebook_connected"  # "report": one standalone HTML file\n'
        'tz = "UTC"  # the time zone of the times, days and hours shown (IANA name)\n'
        "labels = None  # JSON: dispositions' and queues' labels by code; None: the shipped ones\n"
        "transcript_path = None  # a Parquet of transcript lines: shown as an appendix\n"
        "language = None  # en or fr; None: WORKBENCH_LANGUAGE, else English",
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import json\n\n"
        "import pandas as pd\n"
        "from IPython.display import HTML, Markdown, display\n\n"
        "from workbench.analytics import ledger\n"
        "from workbench.i18n import _, set_language\n"
        "from workbench.reports import figures, in_zone, summarize\n"
        "from workbench.reports import notebook as page\n"
        "from workbench.reports._labels import Labels\n"
        "from workbench.reports.summary import narrative\n\n"
        "set_language(language)\n"
        "if renderer == 'report':\n"
        "    display(HTML(figures.plotly_script()))  # plotly.js, embedded once\n"
        "frame = in_zone(pd.read_parquet(ledger_path) if ledger_path else ledger(db_url), tz)\n"
        "names = Labels(**json.loads(labels)) if labels else Labels.shipped()\n"
        "display(Markdown(f'# {title}\\n\\n{page.period_line(frame, tz)}'))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "display(Markdown(page.heading('short') + '\\n\\n' + narrative(frame).markdown()))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "headline = pd.DataFrame(summarize(frame).rows(), columns=['figure', 'value'])\n"
        "display(Markdown(page.heading('figures')))\n"
        "display(headline.set_index('figure').rename_axis(None).rename(columns={'value': ''}))\n"
        "if (headline['value'] == page.DASH).any():\n"
        "    display(Markdown(page.nothing_note()))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "display(Markdown(page.heading('charts')))\n"
        "for name, build in figures.ALL.items():\n"
        "    fig = build(frame, names)\n"
        "    if figures.is_empty(fig):\n"
        "        display(Markdown(f'**{fig.layout.title.text}**: {_(figures.EMPTY[name])}'))\n"
        "    else:\n"
        "        figures.show(fig, renderer)",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "display(Markdown(page.heading('tables')))\n"
        "for table in page.queue_and_agent_tables(frame, names):\n"
        "    display(HTML(table))\n"
        "display(Markdown(page.nothing_note(long=True)))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_code_cell(
        "if transcript_path:\n"
        "    lines = pd.read_parquet(transcript_path)\n"
        "    display(Markdown(page.heading('appendix')))\n"
        "    if len(lines):\n"
        "        display(HTML(page.transcript_html(lines, frame, names, tz)))\n"
        "    else:\n"
        "        display(Markdown(_(page.NO_LINES)))",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
    new_markdown_cell(
        "## For analysts: the ledger in pandas\n\n"
        "`frame` above is the ledger: one row per interaction, times in the zone `tz`, "
        "`queue`, `agent`, `state`, `channel`, `sentiment`, `disposition` as categoricals. "
        "Load it yourself with "
        "`workbench.analytics.ledger()` (the store of `WORKBENCH_DB_URL`, or "
        "`ledger(db_url)`), or from an export with `pd.read_parquet('report.parquet')`.",
        metadata={"tags": ["report-hide"]},
    ),
    new_code_cell(
        "frame.dtypes.head(12)",
        metadata={"tags": ["report-hide", "nbval-ignore-output"]},
    ),
    new_markdown_cell(
        "Slice it like any DataFrame: by queue, by agent, by a window of arrival times. "
        "Categoricals keep every known value, so pass `observed=True` to `groupby`.",
        metadata={"tags": ["report-hide"]},
    ),
    new_code_cell(
        "vip = frame[frame['queue'] == 'vip']\n"
        "ann = frame[frame['agent'] == 'ann']\n"
        "end = frame['arrived_at'].max() if len(frame) else pd.Timestamp.now(tz='UTC')\n"
        "window = frame[frame['arrived_at'].between(end - pd.Timedelta(hours=2), end)]\n"
        "print(f'vip: {len(vip)}, ann: {len(ann)}, last 2 hours: {len(window)}')\n"
        "# per hour and queue, the median first response in minutes\n"
        "(\n"
        "    frame.set_index('arrived_at')\n"
        "    .groupby([pd.Grouper(freq='h'), 'queue'], observed=True)['first_response_seconds']\n"
        "    .median()\n"
        "    .div(60)\n"
        "    .unstack()\n"
        "    .tail()\n"
        ")",
        metadata={"tags": ["report-hide", "nbval-ignore-output"]},
    ),
    new_markdown_cell(
        "The metrics behind the narrative are in `workbench.analytics.metrics` "
        "(`service_level`, `dispositions`, `shares`, ...), each taking a ledger. For a ledger "
        "that follows the store as agents work, keep a `LiveLedger`: it loads once, then each "
        "`refresh()` applies only the events appended since.",
        metadata={"tags": ["report-hide"]},
    ),
    new_code_cell(
        "from workbench.analytics import LiveLedger, metrics\n"
        "from workbench.store import Store\n\n"
        "print(metrics.service_level(frame).figures)\n"
        "if ledger_path is None:  # reading the store, not a saved file\n"
        "    store = Store(db_url)\n"
        "    live = LiveLedger(store)\n"
        "    print(f'{len(live.refresh())} interactions in the live ledger')\n"
        "    store.close()",
        metadata={"tags": ["report-hide", "nbval-ignore-output"]},
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


def strip_views(path: Path) -> bool:
    """Drop the outputs of ``path`` that show a widget view; True when it had some.

    The notebooks are stored without widget state, so a view's output has nothing to draw when
    the notebook is opened: JupyterLab would show its text form instead
    (``AgentWorkspaceView(children=(HBox(...``), stale, until the cell runs again."""
    nb = nbformat.read(path, as_version=4)
    stripped = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
        if len(kept) != len(cell.outputs):
            cell.outputs, stripped = kept, True
    if stripped:
        nbformat.write(nb, path)
    return stripped


if __name__ == "__main__" and sys.argv[1:] == ["--strip-views"]:
    for notebook in sorted(OUT.glob("*.ipynb")):
        strip_views(notebook)
elif __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    write("agent_workspace.ipynb", AGENT)
    write("supervisor_dashboard.ipynb", SUPERVISOR)
    write("desk.ipynb", DESK)
    write("analyst_report.ipynb", ANALYST)
    write("wallboard.ipynb", WALLBOARD)
