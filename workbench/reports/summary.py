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
            ("first replies within 15 min", _share(self.service_level)),
            ("negative (of those with a sentiment)", _share(self.negative_share)),
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


@dataclass(frozen=True)
class Narrative:
    """What a reader should take away from the range, computed from the metrics."""

    arrived: int
    busiest: str | None
    """The busiest day (or hour, for a range of two days or less), as text."""
    busiest_unit: str
    busiest_count: int
    service_level: float | None
    goal: float
    threshold: float
    biggest_disposition: str | None
    """The label of the most frequent disposition of finished interactions."""
    biggest_disposition_share: float | None
    negative_share: float | None
    negative_first_half: float | None
    negative_second_half: float | None

    def sentences(self) -> list[str]:
        """The narrative as short sentences (markdown)."""
        if not self.arrived:
            return ["No interactions arrived in this range, so there is nothing to report."]
        out = [
            f"The busiest {self.busiest_unit} was **{self.busiest}** "
            f"with {self.busiest_count} interaction{'' if self.busiest_count == 1 else 's'}."
        ]
        minutes = f"{self.threshold / 60:g} minutes"
        if self.service_level is None:
            out.append(f"No first response was due yet, so there is no service level ({minutes}).")
        else:
            verdict = "meeting" if self.service_level >= self.goal else "below"
            out.append(
                f"Service level: **{self.service_level:.0%}** of inbound interactions were "
                f"answered within {minutes} (an interaction still unanswered after that "
                f"counts as missed), "
                f"{verdict} the goal of {self.goal:.0%}."
            )
        if self.biggest_disposition is None:
            out.append("No interaction was finished with a disposition.")
        else:
            out.append(
                f"The most common outcome was **{self.biggest_disposition}** "
                f"({_share(self.biggest_disposition_share)} of finished interactions)."
            )
        if self.negative_share is None:
            out.append("No arriving interaction had a sentiment.")
        else:
            first, second = self.negative_first_half, self.negative_second_half
            if first is None or second is None:
                trend = ""
            elif f"{first:.0%}" == f"{second:.0%}":
                trend = f", steady from the first half of the range to the second ({first:.0%})"
            else:
                moved = "up" if second > first else "down"
                trend = f", {moved} from {first:.0%} in the first half of the range to {second:.0%}"
            out.append(f"**{self.negative_share:.0%}** of inbound arrivals were negative{trend}.")
        return out

    def markdown(self) -> str:
        return " ".join(self.sentences())


def narrative(ledger: pd.DataFrame) -> Narrative:
    """The narrative of ``ledger``: busiest day or hour, service level against the goal (the
    ``WORKBENCH_SL_*`` settings), the biggest disposition, the negative share and its trend
    (first half of the arrival range against the second)."""
    from workbench.analytics import metrics

    sl = metrics.service_level(ledger)
    busiest, unit, count = None, "day", 0
    arrived = ledger["arrived_at"].dropna()
    if len(arrived):
        first, last = arrived.min(), arrived.max()
        unit = "hour" if last - first <= pd.Timedelta(days=2) else "day"
        buckets = arrived.dt.floor("h" if unit == "hour" else "D").value_counts()
        top = buckets.sort_index().idxmax()
        count = int(buckets[top])
        busiest = f"{top:%a %d %b %Y, %H:00}" if unit == "hour" else f"{top:%a %d %b %Y}"
    table = metrics.dispositions(ledger).table
    biggest = share_of = None
    if table is not None and len(table):
        biggest = str(table["label"].iloc[0])
        share_of = float(table["share"].iloc[0])
    negative = metrics.shares(ledger)["negative"] if len(ledger) else None
    halves: list[float | None] = [None, None]
    if len(arrived):
        middle = first + (last - first) / 2
        early = ledger["arrived_at"] <= middle
        for k, part in enumerate((ledger[early], ledger[~early])):
            halves[k] = metrics.shares(part)["negative"] if len(part) else None
    return Narrative(
        arrived=len(ledger),
        busiest=busiest,
        busiest_unit=unit,
        busiest_count=count,
        service_level=sl["service_level"],
        goal=float(sl["goal"]),
        threshold=float(sl["threshold"]),
        biggest_disposition=biggest,
        biggest_disposition_share=share_of,
        negative_share=negative,
        negative_first_half=halves[0],
        negative_second_half=halves[1],
    )
