"""What a printed report looks like: its title and its paper.

The report's locale is the language it speaks (``workbench.i18n``) and the country of its time
zone (CLDR's zone territories through Babel: Europe/Paris is France), else of the process's
locale (``LC_PAPER``, ``LC_ALL``, ``LANG``). Paper is Letter in the United States and Canada,
A4 everywhere else.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from workbench.i18n import N_, _, language

PAPERS = ("a4", "letter")
LETTER_TERRITORIES = frozenset({"US", "CA"})
"""Where reports are printed on Letter (the issue's rule: A4 outside the US and Canada)."""
NAME = N_("Care desk report")
"""What a report is called, before its period and its zone."""


def territory(tz: str) -> str | None:
    """The country of the time zone ``tz`` (``FR`` for Europe/Paris), else of the process's
    locale (``en_US.UTF-8`` gives ``US``), else None."""
    from babel.core import get_global

    found = get_global("zone_territories").get(tz)
    if found and found != "001":
        return str(found)
    for name in ("LC_PAPER", "LC_ALL", "LANG"):
        value = os.environ.get(name, "")
        tag = value.split(".", 1)[0].split("@", 1)[0]
        if "_" in tag:
            return tag.split("_", 1)[1].upper() or None
    return None


def paper_for(tz: str, given: str | None = None) -> str:
    """``given`` (``--paper``), else Letter for a report of the US or Canada, A4 elsewhere."""
    if given:
        return given
    return "letter" if territory(tz) in LETTER_TERRITORIES else "a4"


def _locale(tz: str) -> str:
    """The locale dates are written in: the language, in its country's form for English."""
    lang = language()
    if lang != "en":
        return lang
    return "en_US" if territory(tz) in LETTER_TERRITORIES else "en_150"


def period(first: date, last: date, tz: str) -> str:
    """The days from ``first`` to ``last`` as the report's locale writes a range: ``1–7 Dec
    2026`` (``Dec 1 – 7, 2026`` in the US), one day alone when they are the same."""
    from babel.dates import format_interval

    return str(format_interval(first, last, "yMMMd", locale=_locale(tz)))


def title_for(
    tz: str,
    start: datetime | None = None,
    end: datetime | None = None,
    first_arrival: datetime | None = None,
    last_arrival: datetime | None = None,
) -> str:
    """``Care desk report, 1–7 Dec 2026, Europe/Paris``: the period asked for (``--from``,
    ``--to``: the last day is the one before ``--to``), else the days interactions arrived on,
    in the zone ``tz``."""
    zone = ZoneInfo(tz)
    first = start or first_arrival
    last = (end - timedelta(microseconds=1)) if end is not None else last_arrival
    if first is None and last is not None:
        first = last
    if last is None and first is not None:
        last = first
    if first is None or last is None:
        return _("{name}, {zone}").format(name=_(NAME), zone=tz)
    days = (first.astimezone(zone).date(), last.astimezone(zone).date())
    return _("{name}, {period}, {zone}").format(
        name=_(NAME), period=period(min(days), max(days), tz), zone=tz
    )
