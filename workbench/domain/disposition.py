"""Disposition codes: how an interaction ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Disposition:
    """A code an agent may set, its label, and whether it means "no action was needed"."""

    code: str
    label: str
    no_action: bool = False

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"Disposition.code: letters, digits, _ or - only, got {self.code!r}")
