"""The reference data the package ships in ``workbench/data/``: dispositions, standard responses,
queues, routing and priority rules and a small contact directory, read through
``importlib.resources`` (so an installed wheel reads the same files as a checkout)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from workbench.domain import Contact, Disposition


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


def load_reference(directory: Path | Traversable | None = None) -> Reference:
    """Read and check the shipped reference data."""
    directory = directory or data_dir()
    dispositions = _read(directory, "dispositions.json")
    for d in dispositions:
        Disposition(**d)  # validates the code
    routing = _read(directory, "queues.json")
    return Reference(
        dispositions=dispositions,
        standard_responses=_read(directory, "standard_responses.json"),
        queues=routing["queues"],
        routing_rules=routing["routing_rules"],
        priority_rules=routing.get("priority_rules", []),
        contacts=[Contact(**c) for c in _read(directory, "contacts.json")],
    )
