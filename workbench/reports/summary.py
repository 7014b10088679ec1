"""Headline figures of a ledger: counts, response times, service level."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SERVICE_LEVEL_SECONDS = 15 * 60
"""A first response within this many seconds counts as within the service level."""


@dataclass(frozen=True)
class Summary:
    """What a supervisor reads first."""

    arrived: int
    waiting: int
    in_progress: int
    done: int
    median_first_response_seconds: float | None
    median_handle_seconds: float | None
    service_level: float | None
    """Share of first responses within ``SERVICE_LEVEL_SECONDS`` (None before any reply)."""
    negative_share: float | None
    classifier_kept: float | None = None
    """Share of finished interactions whose sentiment and actionability the agent left as the
    classifier set them (None when the ledger has no corrections column or nothing is done)."""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def rows(self) -> list[tuple[str, str]]:
        """The figures as a person reads them: (label, formatted value)."""
        return [
            ("arrived", str(self.arrived)),
            ("waiting", str(self.waiting)),
            ("in progress", str(self.in_progress)),
            ("done", str(self.done)),
            ("median first response", _minutes(self.median_first_response_seconds)),
            ("median handle time", _minutes(self.median_handle_seconds)),
            ("answered within 15 min", _share(self.service_level)),
            ("negative", _share(self.negative_share)),
            ("classifier kept by agents", _share(self.classifier_kept)),
        ]


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _median(series: pd.Series) -> float | None:
    values = series.dropna()
    return float(values.median()) if len(values) else None


def summarize(ledger: pd.DataFrame) -> Summary:
    """The headline figures of ``ledger`` (one row per interaction)."""
    states = ledger["state"].value_counts() if len(ledger) else pd.Series(dtype=int)
    responded = ledger["first_response_seconds"].dropna()
    judged = ledger[ledger["sentiment"] != "undeclared"]
    done = ledger[ledger["state"] == "done"]
    kept = (
        float((done["corrections"] == 0).mean())
        if "corrections" in ledger.columns and len(done)
        else None
    )
    return Summary(
        arrived=len(ledger),
        waiting=int(states.get("queued", 0) + states.get("offered", 0)),
        in_progress=int(states.get("accepted", 0)),
        done=int(states.get("done", 0)),
        median_first_response_seconds=_median(ledger["first_response_seconds"]),
        median_handle_seconds=_median(ledger["handle_seconds"]),
        service_level=float((responded <= SERVICE_LEVEL_SECONDS).mean())
        if len(responded)
        else None,
        negative_share=float((judged["sentiment"] == "negative").mean()) if len(judged) else None,
        classifier_kept=kept,
    )
