"""X's published rules as the workbench ships them: the access plans (``data/x_plans.json``), the
rate limits (``data/x_limits.json``) and the pay-per-use prices (``data/x_prices.json``), read
once and typed by the domain.

The sandbox enforces these tables and the workbench paces itself by them: one copy of each.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from workbench.domain.budget import LimitTable
from workbench.domain.cost import PriceTable, Tariff
from workbench.domain.plan import Plan, PlanTable


def read_table(name: str) -> Any:
    """The parsed JSON of ``workbench/data/NAME`` (in a checkout and in an installation)."""
    path = files("workbench") / "data" / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


@cache
def plans() -> PlanTable:
    """Every X access plan and what it allows (``x_plans.json``)."""
    return PlanTable.from_dict(read_table("x_plans.json"))


def plan(name: str) -> Plan:
    """One plan by name: ``pay-per-use``, ``basic``, ``pro`` or ``enterprise``."""
    return plans().plan(name)


@cache
def limits() -> LimitTable:
    """X's rate limits per endpoint, per app and per user (``x_limits.json``)."""
    return LimitTable.from_dict(read_table("x_limits.json"))


@cache
def prices() -> PriceTable:
    """X's pay-per-use prices per kind of call, with the date they were read (``x_prices.json``)."""
    return PriceTable.from_dict(read_table("x_prices.json"))


def tariff(plan_name: str) -> Tariff:
    """The prices as they apply to ``plan_name`` (0 on every plan but pay-per-use)."""
    plans().plan(plan_name)  # a plan X has
    return Tariff(prices(), plan_name)
