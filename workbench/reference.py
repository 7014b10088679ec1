"""The reference data the project ships in ``data/``: dispositions, standard responses, queues,
routing rules and a small contact directory."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.domain import Contact, Disposition


def data_dir() -> Path:
    """The project's ``data/`` folder (beside the package in a checkout, or installed copy)."""
    for candidate in (
        Path(__file__).resolve().parent.parent / "data",
        Path(sys.prefix) / "share" / "workbench" / "data",
    ):
        if (candidate / "dispositions.json").exists():
            return candidate
    raise FileNotFoundError("the workbench's data/ folder is missing from this installation")


def _read(directory: Path, name: str) -> Any:
    path = directory / name
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
    contacts: list[Contact]


def load_reference(directory: Path | None = None) -> Reference:
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
        contacts=[Contact(**c) for c in _read(directory, "contacts.json")],
    )
