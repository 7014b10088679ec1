"""The reference data the package ships in ``workbench/data/``: dispositions, standard responses,
queues, routing, priority and screening rules and a small contact directory, read through
``importlib.resources`` (so an installed wheel reads the same files as a checkout)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from workbench.domain import Contact, Disposition
from workbench.domain.contact import is_username
from workbench.domain.screening import LANGUAGE, ScreeningAction, ScreeningRule


def data_dir() -> Traversable:
    """The package's ``data/`` folder (``workbench/data`` in a checkout and in an installation)."""
    return files("workbench") / "data"


def _read(directory: Path | Traversable, name: str) -> Any:
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from this installation of the workbench")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


@dataclass(frozen=True)
class Reference:
    dispositions: list[dict[str, Any]]
    standard_responses: list[dict[str, Any]]
    queues: list[dict[str, Any]]
    routing_rules: list[dict[str, Any]]
    priority_rules: list[dict[str, Any]]
    contacts: list[Contact]
    screening_rules: list[dict[str, Any]] = field(default_factory=list)


def load_reference(directory: Path | Traversable | None = None) -> Reference:
    """Read and check the shipped reference data."""
    directory = directory or data_dir()
    dispositions = _read(directory, "dispositions.json")
    for d in dispositions:
        Disposition(**d)  # validates the code
    routing = _read(directory, "queues.json")
    screening = _screening_rules(directory, {d["code"] for d in dispositions})
    return Reference(
        dispositions=dispositions,
        standard_responses=_read(directory, "standard_responses.json"),
        queues=routing["queues"],
        routing_rules=routing["routing_rules"],
        priority_rules=routing.get("priority_rules", []),
        contacts=[Contact(**c) for c in _read(directory, "contacts.json")],
        screening_rules=screening,
    )


def _screening_rules(directory: Path | Traversable, codes: set[str]) -> list[dict[str, Any]]:
    """The shipped screening rules (``screening.json``, optional), checked: a known action and
    disposition, at least one condition, usernames and lang codes well formed."""
    if not (directory / "screening.json").is_file():
        return []
    rules: list[dict[str, Any]] = _read(directory, "screening.json")["screening_rules"]
    actions = {a.value for a in ScreeningAction}
    for k, r in enumerate(rules):
        where = f"{directory / 'screening.json'}: screening_rules[{k}]"
        rule = ScreeningRule(
            0,
            r["position"],
            r["name"],
            r["action"],
            r["disposition"],
            tuple(r.get("words") or ()),
            tuple(r.get("languages") or ()),
            tuple(r.get("handles") or ()),
            bool(r.get("retweets")),
        )
        if rule.action not in actions:
            raise ValueError(f"{where}: action {rule.action!r} is not one of {sorted(actions)}")
        if rule.disposition not in codes:
            raise ValueError(f"{where}: disposition {rule.disposition!r} is not in dispositions")
        if not rule.has_condition:
            raise ValueError(f"{where}: a rule needs at least one condition")
        bad = [h for h in rule.handles if not is_username(h)]
        bad += [x for x in rule.languages if not LANGUAGE.fullmatch(x)]
        if bad:
            raise ValueError(f"{where}: not X usernames (without @) or lang codes: {bad}")
    return rules
