"""The HTML report: the shipped ``workbench/notebooks/analyst_report.ipynb`` run by papermill,
converted by nbconvert, titled and sized for its paper (the PDF is this page printed)."""

from __future__ import annotations

import html
import json
import tempfile
from importlib.resources import as_file
from pathlib import Path

import pandas as pd

from workbench.i18n import N_
from workbench.lab import notebooks_dir
from workbench.reports._labels import Labels

TEMPLATE = "analyst_report.ipynb"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
"""CSS page sizes of the report's papers."""


def _template(paper: str) -> str:
    """nbconvert's lab template, offline and printed on ``paper``."""
    return (
        "{%- extends 'lab/index.html.j2' -%}\n"
        # the lab template loads require.js and MathJax from a CDN: a report opens with no network
        "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n"
        "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
        "{%- block html_head_css -%}<style>\n"
        "body { max-width: 760px; margin: 0 auto; }\n"
        ".jp-OutputArea-output { overflow: visible !important; }\n"
        ".plotly-graph-div, table { break-inside: avoid; page-break-inside: avoid; }\n"
        "section.wb-case { break-inside: avoid; page-break-inside: avoid; }\n"
        "section.wb-case h4 { margin: 12px 0 2px; font-size: 0.9em; }\n"
        "table.wb-transcript { width: 100%; font-size: 0.85em; table-layout: fixed; }\n"
        "table.wb-transcript td, table.wb-transcript th { text-align: left !important;"
        " vertical-align: top; white-space: normal !important; }\n"
        "table.wb-transcript td:nth-child(1), table.wb-transcript th:nth-child(1) { width: 9%; }\n"
        "table.wb-transcript td:nth-child(2), table.wb-transcript th:nth-child(2) { width: 20%; }\n"
        "table.wb-transcript td:nth-child(3), table.wb-transcript th:nth-child(3) { width: 13%; }\n"
        "h1, h2, h3 { break-after: avoid; page-break-after: avoid; }\n"
        "table.dataframe td:first-child, table.dataframe th:first-child { text-align: left; }\n"
        f"@media print {{ @page {{ size: {PAGE_SIZES.get(paper, 'A4')}; margin: 12mm; }}"
        " body { max-width: none; } }\n"
        "</style>{%- endblock html_head_css -%}\n"
    )


def render_html(
    ledger: pd.DataFrame,
    output: Path,
    title: str = "Care desk report",
    tz: str = "UTC",
    labels: Labels | None = None,
    paper: str = "a4",
    transcript: pd.DataFrame | None = None,
) -> Path:
    """Run the report notebook on ``ledger`` and write it as HTML without the code cells, its
    times, days and hours in the time zone ``tz``, dispositions and queues by their labels,
    and ``transcript``'s lines as an appendix when given."""
    import nbformat
    import papermill
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from workbench.i18n import language

    labels = labels or Labels.shipped()
    with tempfile.TemporaryDirectory(prefix="workbench-report-") as tmp:
        data = Path(tmp) / "ledger.parquet"
        ledger.to_parquet(data, index=False)
        lines = None
        if transcript is not None:
            lines = Path(tmp) / "transcript.parquet"
            transcript.to_parquet(lines, index=False)
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
                    "labels": json.dumps(labels.as_dict()),
                    "transcript_path": str(lines) if lines is not None else None,
                    "language": language(),
                },
                progress_bar=False,
                cwd=tmp,
                # the kernel's own start-up warnings are not the analyst's business
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        exporter = HTMLExporter(
            extra_loaders=[DictLoader({"offline.html.j2": _template(paper)})],
            template_file="offline.html.j2",
            # cells tagged "report-hide" explain the notebook to its users, not to readers
            config=Config({"TagRemovePreprocessor": {"remove_cell_tags": ["report-hide"]}}),
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        nb = nbformat.read(executed, as_version=4)
        nb.metadata.pop("widgets", None)  # a report carries no widget state
        nb.metadata["title"] = title  # the page's <title> (nbconvert's default: "Notebook")
        exporter.language_code = language()  # <html lang="...">
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    output.write_text(body, encoding="utf-8")
    return output


DASH = "–"
"""Shown where a figure has no value."""
HEADINGS = {
    "short": N_("In short"),
    "figures": N_("Headline figures"),
    "charts": N_("Charts"),
    "tables": N_("By queue and agent"),
    "appendix": N_("Appendix: transcripts"),
}
"""The report's section headings (translated where shown)."""


def heading(section: str) -> str:
    """A section's heading as markdown, in the current language."""
    from workbench.i18n import _

    return "## " + _(HEADINGS[section])


def period_line(frame: pd.DataFrame, tz: str) -> str:
    """Under the title: how many interactions arrived, from when to when, in which zone."""
    from workbench.i18n import _, format_number
    from workbench.reports.summary import day_text

    if not len(frame):
        return "**" + _("No interactions arrived in this range.") + "**"
    first, last = frame["arrived_at"].min(), frame["arrived_at"].max()
    if len(frame) == 1:
        return _("1 interaction arrived, on {when} ({zone}).").format(
            when=day_text(first, minute=True), zone=tz
        )
    return _("{count} interactions arrived from {first} to {last} ({zone}).").format(
        count=format_number(len(frame)),
        first=day_text(first, minute=True),
        last=day_text(last, minute=True),
        zone=tz,
    )


def nothing_note(long: bool = False) -> str:
    """The footnote saying what a dash means."""
    from workbench.i18n import _

    said = (
        _("no value, there was nothing to measure (no interaction answered or finished yet).")
        if long
        else _("no value, there was nothing to measure.")
    )
    return f"<small>{DASH} : {html.escape(said)}</small>"


def _shown(table: pd.DataFrame, counts: set[str]) -> str:
    """``table`` as HTML: counts with the language's grouping, minutes to a tenth, a dash
    where there is nothing to measure; every text escaped."""
    from workbench.i18n import format_number

    out = table.astype(object)
    for column in table.columns:
        values = table[column]
        if column in counts:
            out[column] = [format_number(int(v)) for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            out[column] = [DASH if pd.isna(v) else format_number(v, decimals=1) for v in values]
    return str(out.to_html(index=False, border=0, escape=True))


def queue_and_agent_tables(frame: pd.DataFrame, labels: Labels) -> list[str]:
    """The per-queue table (the queue's label, then its code) and the per-agent table, as
    HTML with words for headers; a sentence instead of an empty one."""
    from workbench.i18n import _

    def minutes(values: pd.Series) -> float:
        return float(values.median() / 60)

    by_queue = frame.groupby("queue", observed=True).agg(
        interactions=("interaction_id", "size"),
        done=("state", lambda s: int((s == "done").sum())),
        first_response=("first_response_seconds", minutes),
        handle=("handle_seconds", minutes),
    )
    by_agent = (
        frame.dropna(subset=["agent"])
        .groupby("agent", observed=True)
        .agg(
            interactions=("interaction_id", "size"),
            replies=("replies", "sum"),
            transfers=("transfers", "sum"),
            handle=("handle_seconds", minutes),
        )
    )
    words = {
        "label": _("Queue"),
        "queue": _("Code"),
        "agent": _("Agent"),
        "interactions": _("Interactions"),
        "done": _("Done"),
        "replies": _("Replies"),
        "transfers": _("Transfers"),
        "first_response": _("Median first response (minutes)"),
        "handle": _("Median handle time (minutes)"),
    }
    counts = {words[c] for c in ("interactions", "done", "replies", "transfers")}
    out = []
    if len(by_queue):
        by_queue = by_queue.reset_index()
        by_queue.insert(0, "label", [labels.queue(q) for q in by_queue["queue"]])
        out.append(_shown(by_queue.rename(columns=words), counts))
    else:
        out.append(html.escape(_("No interactions were handled in this range.")))
    if len(by_agent):
        out.append(_shown(by_agent.reset_index().rename(columns=words), counts))
    else:
        out.append(html.escape(_("No agent handled an interaction in this range.")))
    return out


NO_LINES = N_("No transcript lines in this range.")

_WHAT = {
    "mention": N_("mention"),
    "dm": N_("DM"),
    "reply": N_("reply"),
    "quote": N_("quote"),
    "message": N_("message"),
}
"""What a transcript line is, by its action, as the appendix says it."""
_KINDS = {"internal": N_("between agents"), "system": N_("workbench note")}


def transcript_html(
    lines: pd.DataFrame, ledger: pd.DataFrame, labels: Labels, tz: str, limit: int | None = None
) -> str:
    """The transcript appendix: each interaction headed by its arrival, contact, queue and
    disposition (labels), then its lines (time, author, what, text), in a small table of its
    own (one table of thousands of rows takes a browser minutes to lay out on pages). Every
    text is escaped: tweets are written by anyone."""
    from workbench.i18n import _
    from workbench.reports.summary import day_text

    heads = "".join(
        f"<th>{html.escape(h)}</th>" for h in (_("Time"), _("Author"), _("What"), _("Text"))
    )
    known = ledger.drop_duplicates("interaction_id").set_index("interaction_id")
    arrived = pd.to_datetime(known["arrived_at"], utc=True).dt.tz_convert(tz)
    contact, queue = known["contact"].astype(object), known["queue"].astype(object)
    disposition = known["disposition"].astype(object)
    at = pd.to_datetime(lines["at"], utc=True).dt.tz_convert(tz).dt.strftime("%H:%M")
    out: list[str] = []
    groups = lines.assign(at=at).groupby("interaction_id", sort=False)
    for k, (iid, group) in enumerate(groups):
        if limit is not None and k >= limit:
            break
        head = [str(iid)]
        if iid in known.index:
            who = contact[iid]
            head = [
                day_text(arrived[iid], minute=True),
                f"@{who}" if isinstance(who, str) else "",
                labels.queue(queue[iid]),
                labels.disposition(disposition[iid]),
            ]
        caption = html.escape(" · ".join(h for h in head if h))
        out.append(
            f'<section class="wb-case"><h4>{caption}</h4><table class="wb-transcript">'
            f"<thead><tr>{heads}</tr></thead><tbody>"
        )
        for line in group.itertuples(index=False):
            text = _("(deleted by the author)") if bool(line.deleted) else str(line.text or "")
            what = _(_KINDS.get(str(line.kind)) or _WHAT.get(str(line.action), str(line.action)))
            out.append(
                f"<tr><td>{html.escape(str(line.at))}</td>"
                f"<td>{html.escape(str(line.author))}</td>"
                f"<td>{html.escape(what)}</td><td>{html.escape(text)}</td></tr>"
            )
        out.append("</tbody></table></section>")
    return "".join(out)
