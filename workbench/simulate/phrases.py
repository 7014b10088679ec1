"""The simulated team's phrase table (``workbench/data/simulate.json``): agents' names, replies
and DMs with the contact's name, notes, break reasons and how often each disposition is used."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class Phrases:
    table: dict[str, Any]

    def agents(self, n: int) -> list[tuple[str, str]]:
        """``n`` (name, display name) pairs: the table's, then numbered ones."""
        known = [(a, b) for a, b in self.table["agents"]]
        extra = [(f"sim_{i + 1:02d}", f"Simulated {i + 1}") for i in range(len(known), n)]
        return (known + extra)[:n]

    def reply(self, rng: random.Random, name: str) -> str:
        return str(rng.choice(self.table["replies"])).format(name=name)

    def dm(self, rng: random.Random, name: str) -> str:
        return str(rng.choice(self.table["dms"])).format(name=name)

    def note(self, rng: random.Random) -> str:
        return str(rng.choice(self.table["notes"]))

    def consult_note(self, rng: random.Random) -> str:
        return str(rng.choice(self.table["consult_notes"]))

    @property
    def breaks(self) -> list[str]:
        return list(self.table["breaks"])

    def disposition(self, rng: random.Random, codes: Sequence[str]) -> str:
        """One of the store's ``codes``, weighted by the table (unknown codes weigh 1)."""
        weights = self.table["dispositions"]
        ordered = sorted(codes)
        return rng.choices(ordered, [float(weights.get(c, 1)) for c in ordered])[0]


def load_phrases() -> Phrases:
    text = (files("workbench") / "data" / "simulate.json").read_text(encoding="utf-8")
    return Phrases(json.loads(text))
