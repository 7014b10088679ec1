"""What a report shows for a code: the labels of dispositions and queues, as the desk shows them.

The store holds the labels (from ``workbench/data`` or as a supervisor renamed them); a report
says them in the current language (``workbench.i18n``: the catalog has the shipped labels) and
keeps the code beside them, in a column of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.i18n import _

if TYPE_CHECKING:
    from workbench.store import Store


@dataclass(frozen=True)
class Labels:
    """Code -> label for dispositions and queues (a code without a label is shown as is)."""

    dispositions: Mapping[str, str] = field(default_factory=dict)
    queues: Mapping[str, str] = field(default_factory=dict)

    def disposition(self, code: object) -> str:
        return _label(self.dispositions, code)

    def queue(self, name: object) -> str:
        return _label(self.queues, name)

    def as_dict(self) -> dict[str, dict[str, str]]:
        """Each label said in the current language (what a report's notebook is handed)."""
        return {
            "dispositions": {c: self.disposition(c) for c in self.dispositions},
            "queues": {q: self.queue(q) for q in self.queues},
        }

    @classmethod
    def of(cls, store: Store) -> Labels:
        """The labels the store holds."""
        return cls(
            {d.code: d.label for d in store.dispositions()},
            {q.name: q.label or q.name for q in store.routing.queues()},
        )

    @classmethod
    def shipped(cls) -> Labels:
        """The labels of the package's data files (for a ledger read without its store)."""
        from workbench.reference import load_reference

        ref = load_reference()
        return cls(
            {d["code"]: d["label"] for d in ref.dispositions},
            {q["name"]: q.get("label") or q["name"] for q in ref.queues},
        )


def _label(labels: Mapping[str, str], code: object) -> str:
    if code is None or code != code:  # None or NaN: nothing to say
        return ""
    text = str(code)
    found = labels.get(text)
    return _(found) if found else text
