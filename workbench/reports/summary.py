"""Headline figures of a ledger: counts, response times, service level."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.i18n import _

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
            (_("arrived"), _count(self.arrived)),
            (_("waiting"), _count(self.waiting)),
            (_("in progress"), _count(self.in_progress)),
            (_("done"), _count(self.done)),
            (_("median first response"), _minutes(self.median_first_response_seconds)),
            (_("median handle time"), _minutes(self.median_handle_seconds)),
            (_("first replies within 15 min"), _share(self.service_level)),
            (_("negative (of those with a sentiment)"), _share(self.negative_share)),
            (_("classifier kept by agents"), _share(self.classifier_kept)),
        ]

    def figures(self) -> list[tuple[str, float | None, str]]:
        """The figures typed, for a spreadsheet: (label, number or None, kind), the kind one
        of ``count``, ``minutes`` or ``share`` (a fraction, shown as a percentage)."""

        def minutes(seconds: float | None) -> float | None:
            return None if seconds is None else seconds / 60

        return [
            (_("arrived"), self.arrived, "count"),
            (_("waiting"), self.waiting, "count"),
            (_("in progress"), self.in_progress, "count"),
            (_("done"), self.done, "count"),
            (
                _("median first response (minutes)"),
                minutes(self.median_first_response_seconds),
                "minutes",
            ),
            (_("median handle time (minutes)"), minutes(self.median_handle_seconds), "minutes"),
            (_("first replies within 15 min"), self.service_level, "share"),
            (_("negative (of those with a sentiment)"), self.negative_share, "share"),
            (_("classifier kept by agents"), self.classifier_kept, "share"),
        ]


def _count(value: int) -> str:
    from workbench.i18n import format_number

    return format_number(value)


def _minutes(seconds: float | None) -> str:
    from workbench.i18n import format_number

    if seconds is None:
        return "–"
    if seconds >= 2 * 3600:
        return _("{hours} h").format(hours=format_number(seconds / 3600, decimals=1))
    return _("{minutes} min").format(minutes=format_number(seconds / 60, decimals=1))


def _share(value: float | None) -> str:
    from workbench.i18n import format_percent

    return "–" if value is None else format_percent(value)


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
        """The narrative as short sentences (markdown), in the current language."""
        from workbench.i18n import format_percent as pct
        from workbench.i18n import ngettext

        if not self.arrived:
            return [_("No interactions arrived in this range, so there is nothing to report.")]
        busiest = (
            ngettext(
                "The busiest hour was **{when}** with {count} interaction.",
                "The busiest hour was **{when}** with {count} interactions.",
                self.busiest_count,
            )
            if self.busiest_unit == "hour"
            else ngettext(
                "The busiest day was **{when}** with {count} interaction.",
                "The busiest day was **{when}** with {count} interactions.",
                self.busiest_count,
            )
        )
        out = [busiest.format(when=self.busiest, count=_count(self.busiest_count))]
        minutes = f"{self.threshold / 60:g}"
        if self.service_level is None:
            out.append(
                _(
                    "No first response was due yet, so there is no service level "
                    "({minutes} minutes)."
                ).format(minutes=minutes)
            )
        else:
            said = (
                _(
                    "Service level: **{level}** of inbound interactions were answered within "
                    "{minutes} minutes (an interaction still unanswered after that counts as "
                    "missed), meeting the goal of {goal}."
                )
                if self.service_level >= self.goal
                else _(
                    "Service level: **{level}** of inbound interactions were answered within "
                    "{minutes} minutes (an interaction still unanswered after that counts as "
                    "missed), below the goal of {goal}."
                )
            )
            out.append(
                said.format(level=pct(self.service_level), minutes=minutes, goal=pct(self.goal))
            )
        if self.biggest_disposition is None:
            out.append(_("No interaction was finished with a disposition."))
        else:
            out.append(
                _(
                    "The most common outcome was **{label}** ({share} of finished interactions)."
                ).format(
                    label=_(self.biggest_disposition), share=_share(self.biggest_disposition_share)
                )
            )
        if self.negative_share is None:
            out.append(_("No arriving interaction had a sentiment."))
        else:
            first, second = self.negative_first_half, self.negative_second_half
            share = pct(self.negative_share)
            if first is None or second is None:
                said = _("**{share}** of inbound arrivals were negative.")
            elif pct(first) == pct(second):
                said = _(
                    "**{share}** of inbound arrivals were negative, steady from the first half "
                    "of the range to the second ({first})."
                )
            elif second > first:
                said = _(
                    "**{share}** of inbound arrivals were negative, up from {first} in the "
                    "first half of the range to {second}."
                )
            else:
                said = _(
                    "**{share}** of inbound arrivals were negative, down from {first} in the "
                    "first half of the range to {second}."
                )
            out.append(
                said.format(
                    share=share,
                    first=pct(first) if first is not None else "",
                    second=pct(second) if second is not None else "",
                )
            )
        return out

    def markdown(self) -> str:
        return " ".join(self.sentences())


def day_text(at: pd.Timestamp, hour: bool = False, minute: bool = False) -> str:
    """A day (and its hour, or its time to the minute) as the current language writes it
    briefly: ``Mon 02 Mar 2026`` (``, 14:00``; `` 14:05``), ``lun. 02 mars 2026``."""
    from babel.dates import format_datetime

    from workbench.i18n import language

    lang = language()
    if lang == "en":
        return (
            f"{at:%a %d %b %Y, %H:00}"
            if hour
            else f"{at:%a %d %b %Y %H:%M}"
            if minute
            else (f"{at:%a %d %b %Y}")
        )
    pattern = "EEE dd MMM y" + (", HH:00" if hour else " HH:mm" if minute else "")
    naive = at.tz_localize(None) if at.tzinfo is not None else at
    return str(format_datetime(naive.to_pydatetime(), pattern, locale=lang))


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
        busiest = day_text(top, hour=unit == "hour")
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
