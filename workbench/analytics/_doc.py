"""The metrics' definitions as one Markdown page (``docs/metrics.md``), from their docstrings.

``python -m workbench.analytics._doc > docs/metrics.md`` rewrites the page; a test checks that
it is current, so the page and the code cannot drift apart.
"""

from __future__ import annotations

import inspect

INTRO = """\
# Supervisor metrics: definitions

Generated from the docstrings of `workbench/analytics/metrics.py` by
`python -m workbench.analytics._doc > docs/metrics.md` (`tests/test_metrics.py` checks that
this page is current).

Every metric is a plain function of the ledger DataFrame (`workbench.analytics.ledger`, one
row per interaction; agent metrics also take the event log as a DataFrame,
`events_frame(store.events())`; the spend metrics take the recorded X calls, `LiveLedger.spend`)
and returns a `Metric`:

- `figures`: the named numbers (`metric.value` is the first; `metric["p90"]` any other);
- `table`: the DataFrame behind them (per interval, queue, agent, code...), or None;
- `excluded`: what the metric left out and why, as reason -> number of rows.

A metric takes the DataFrame itself or a `View` of it (`workbench.analytics._frame.View`, what
`every_metric` builds): the same ledger with each column's times and codes converted once and
kept, so many metrics over one ledger do not convert the same column again.

Rules shared by all of them:

- Times are UTC. Intervals (`freq`: `15min`, `1h`, `1D`, ...) start on the hour or at midnight
  UTC and run from the first arrival's interval to the last one's, empty ones included.
- Outbound interactions (the brand's own posts) are left out of first response, service level
  and the sentiment and actionability shares: nobody waited for an answer.
- A time that comes before the one it follows (a reply before the arrival, done before
  accepted) is clock skew: the row is left out of that metric and counted under a reason.
- Percentiles interpolate linearly between ranks (numpy's default); the median is the 50th.
- A figure with nothing to measure is None, never a division by zero; an empty ledger gives
  empty tables.
- Columns may be object or categorical; a ledger without `timeline` counts every row under
  `unknown` when grouped by timeline.
- Settings: `WORKBENCH_SL_THRESHOLD` (seconds, default 900) and `WORKBENCH_SL_GOAL` (share,
  default 0.8) are the service-level defaults.
"""

ORDER = (
    "volume",
    "queue_now",
    "queue_over_time",
    "first_response",
    "service_level",
    "handle_time",
    "rates",
    "dispositions",
    "shares",
    "agent_table",
    "occupancy",
    "agreement",
    "staffing",
    "agents_needed",
    "spend",
    "cost_per_handled",
    "every_metric",
    "events_frame",
    "between",
)


def _signature(fn: object) -> str:
    """``(name: annotation = default, ...) -> annotation`` with the annotations as written."""
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    params = []
    for p in sig.parameters.values():
        text = p.name
        if p.annotation is not inspect.Parameter.empty:
            text += f": {p.annotation}"
        if p.default is not inspect.Parameter.empty:
            text += f" = {p.default!r}"
        params.append(text)
    returns = sig.return_annotation
    tail = "" if returns is inspect.Signature.empty else f" -> {returns}"
    return f"({', '.join(params)}){tail}"


def page() -> str:
    """The Markdown page of every metric's definition, in dashboard order."""
    from workbench.analytics import metrics

    parts = [INTRO]
    for name in ORDER:
        fn = getattr(metrics, name)
        signature = _signature(fn)
        parts.append(f"## `{name}`\n\n```python\n{name}{signature}\n```\n\n{inspect.getdoc(fn)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(page(), end="")
