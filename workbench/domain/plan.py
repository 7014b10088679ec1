"""X's access plans and what each allows: a refusal names X's rule, its date and the reason.

The table is data (``workbench/data/x_plans.json``, read by ``workbench.x_rules``); this module
only gives it types. ``PlanTable.from_dict(parsed)`` checks it, ``table.plan("pay-per-use")``
gives a ``Plan``, and ``plan.allows(Capability.LIKE)`` answers ``None`` (allowed) or a
``Refusal`` fit to show an agent::

    >>> plan.allows(Capability.LIKE)
    Refusal(... reason="X's self-serve plans no longer allow likes (since 2026-04-20)")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from workbench.domain.errors import WorkbenchError
from workbench.domain.said import Said

PLAN_NAMES = ("pay-per-use", "basic", "pro", "enterprise")


class Capability(str, Enum):
    """Something the brand account may do (or read) through the X API.

    A ``str`` enum whose values match ``workbench.domain.Action`` where both name the same act
    (``Capability.REPLY == Action.REPLY == "reply"``; ``DM`` is a sent DM)."""

    POST = "post"
    REPLY = "reply"
    REPLY_UNSUMMONED = "reply_unsummoned"
    """A reply to a post that neither mentions nor quotes the brand account."""
    QUOTE = "quote"
    LIKE = "like"
    UNLIKE = "unlike"
    RETWEET = "retweet"
    UNRETWEET = "unretweet"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    DELETE = "delete"
    DM = "dm"
    DM_READ = "dm_read"
    MENTIONS_READ = "mentions_read"
    SEARCH = "search"
    LOOKUP = "lookup"
    FILTERED_STREAM = "filtered_stream"


class PlanTableError(WorkbenchError):
    """The plan table (``x_plans.json``) breaks one of its rules; names the entry and the rule."""


@dataclass(frozen=True)
class Rule:
    """One of X's dated rules: which plans it binds and what it takes away, in X's words."""

    id: str
    date: date
    wording: str
    plans: frozenset[str]
    refuses: frozenset[Capability]
    reasons: Mapping[Capability, str]


@dataclass(frozen=True)
class Refusal:
    """Why a plan does not allow an action: the rule, its date, and a sentence for an agent."""

    capability: Capability
    plan: str
    rule: str
    date: date
    wording: str
    reason: str
    """The sentence for an agent, with the rule's date (``... (since 2026-04-20)``)."""
    why: str = ""
    """The reason without its date: the data file's sentence (the catalog's msgid)."""

    def __str__(self) -> str:
        return self.reason

    @property
    def said(self) -> Said:
        """What an agent is told: the reason and its date, said in the reader's language."""
        reason = Said(self.why) if self.why else Said(self.reason)
        return Said(
            "The brand's X plan does not allow this: {reason} (since {date}).",
            reason=reason,
            date=self.date,
        )


@dataclass(frozen=True)
class Plan:
    """One access plan: its name, whether it is self-serve, and what it allows."""

    name: str
    label: str
    self_serve: bool
    allowed: frozenset[Capability]
    refusals: Mapping[Capability, Refusal]

    def allows(self, action: Capability | str, *, summoned: bool = True) -> Refusal | None:
        """``None`` if the plan allows ``action``, else the ``Refusal`` saying why.

        ``action`` is a ``Capability`` (or its value, or an ``Action`` of the same name); a
        reply to a post that did not mention or quote the brand is asked with
        ``summoned=False``."""
        capability = _capability(action)
        if capability is Capability.REPLY and not summoned:
            capability = Capability.REPLY_UNSUMMONED
        if capability is Capability.REPLY_UNSUMMONED:
            refused = self.refusals.get(Capability.REPLY)
            if refused is not None:
                return refused
        return self.refusals.get(capability)

    def refuses(self) -> list[Refusal]:
        """Every refusal of this plan, in the capabilities' order."""
        return [self.refusals[c] for c in Capability if c in self.refusals]


def _capability(action: Capability | str) -> Capability:
    if isinstance(action, Capability):
        return action
    value = getattr(action, "value", action)
    try:
        return Capability(value)
    except ValueError:
        known = ", ".join(c.value for c in Capability)
        raise PlanTableError(f"action: {value!r} is not an X capability ({known})") from None


def _date(where: str, raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise PlanTableError(f"{where}: a date YYYY-MM-DD, got {raw!r}") from None


@dataclass(frozen=True)
class PlanTable:
    """All plans, read from the parsed ``x_plans.json``."""

    plans: Mapping[str, Plan]
    rules: Mapping[str, Rule]
    read_on: date
    default: str

    def plan(self, name: str) -> Plan:
        try:
            return self.plans[name]
        except KeyError:
            raise PlanTableError(
                f"plan: {name!r} is not an X access plan ({', '.join(self.plans)})"
            ) from None

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> PlanTable:
        """Check and type the table: every plan names every capability, every refusal names a
        rule that lists that plan and that capability."""
        rules: dict[str, Rule] = {}
        for rid, raw in table["rules"].items():
            refuses = frozenset(_capability(c) for c in raw["refuses"])
            reasons = {_capability(c): str(r) for c, r in raw.get("reasons", {}).items()}
            missing = sorted(c.value for c in refuses - set(reasons))
            if missing:
                raise PlanTableError(f"rules.{rid}.reasons: no reason for {missing}")
            rules[rid] = Rule(
                id=rid,
                date=_date(f"rules.{rid}.date", raw["date"]),
                wording=str(raw["wording"]),
                plans=frozenset(raw["plans"]),
                refuses=refuses,
                reasons=reasons,
            )
        plans: dict[str, Plan] = {}
        for name, raw in table["plans"].items():
            allows = raw["allows"]
            unnamed = sorted(c.value for c in Capability if c.value not in allows)
            if unnamed:
                raise PlanTableError(f"plans.{name}.allows: says nothing of {unnamed}")
            allowed: set[Capability] = set()
            refusals: dict[Capability, Refusal] = {}
            for key, verdict in allows.items():
                capability = _capability(key)
                if verdict is True:
                    allowed.add(capability)
                    continue
                rule = rules.get(str(verdict))
                if rule is None:
                    raise PlanTableError(
                        f"plans.{name}.allows.{key}: true or a rule id, got {verdict!r}"
                    )
                if name not in rule.plans or capability not in rule.refuses:
                    raise PlanTableError(
                        f"plans.{name}.allows.{key}: rule {rule.id} does not refuse it to {name}"
                    )
                refusals[capability] = Refusal(
                    capability=capability,
                    plan=name,
                    rule=rule.id,
                    date=rule.date,
                    wording=rule.wording,
                    reason=f"{rule.reasons[capability]} (since {rule.date.isoformat()})",
                    why=rule.reasons[capability],
                )
            for rule in rules.values():
                if name in rule.plans:
                    for capability in rule.refuses - set(refusals):
                        raise PlanTableError(
                            f"plans.{name}.allows.{capability.value}: rule {rule.id} refuses it"
                        )
            plans[name] = Plan(
                name=name,
                label=str(raw.get("label", name)),
                self_serve=bool(raw.get("self_serve", False)),
                allowed=frozenset(allowed),
                refusals=refusals,
            )
        unknown = sorted(set(PLAN_NAMES) ^ set(plans))
        if unknown:
            raise PlanTableError(
                f"plans: expected exactly {list(PLAN_NAMES)}, differs in {unknown}"
            )
        default = str(table.get("default", PLAN_NAMES[0]))
        if default not in plans:
            raise PlanTableError(f"default: {default!r} is not one of the plans")
        return cls(plans, rules, _date("read_on", table["read_on"]), default)
