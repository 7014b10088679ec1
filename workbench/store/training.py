"""What the classifier learns from: agents' corrections of actionability, with the customer's text.

An agent's ``corrected`` event holds ``{"actionability": {"from": ..., "to": ...}}``; the text is
the interaction's first inbound transcript line (what the customer wrote and ingest classified),
or its subject when it has none. Each interaction counts once, with its latest correction; a
correction to ``undeclared`` teaches nothing and is left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from workbench.domain import Action, Actionability, EntryKind
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store

#: Interactions looked up per query (bound parameters stay well under every database's limit).
_CHUNK = 500


@dataclass(frozen=True)
class Correction:
    """One interaction's latest actionability as an agent set it, with the customer's text."""

    interaction_id: str
    text: str
    actionable: bool
    agent: str | None

    @property
    def pair(self) -> tuple[str, bool]:
        """(text, actionable), as ``ActionabilityModel.train`` takes it."""
        return self.text, self.actionable


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Corrections:
    """Agents' corrections kept in the store; built by ``Store.training``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def actionability(self) -> list[Correction]:
        """Every interaction whose actionability an agent corrected, oldest correction first."""
        latest: dict[str, tuple[bool, str | None]] = {}
        events = t.events
        query = (
            select(events.c.interaction_id, events.c.agent, events.c.details)
            .where(events.c.action == Action.CORRECTED.value)
            .where(events.c.interaction_id.is_not(None))
            .order_by(events.c.id)
        )
        with self._store.engine.connect() as conn:
            for row in conn.execute(query):
                answer = _answer(row.details)
                if answer is None:
                    continue
                latest.pop(row.interaction_id, None)  # keep the order of the latest correction
                latest[row.interaction_id] = (answer, row.agent)
            texts = self._texts(conn, list(latest))
        return [
            Correction(iid, texts[iid], actionable, agent)
            for iid, (actionable, agent) in latest.items()
            if texts.get(iid, "").strip()
        ]

    @staticmethod
    def _texts(conn: Any, ids: Sequence[str]) -> dict[str, str]:
        """The first inbound line of each interaction, else its subject."""
        texts: dict[str, str] = {}
        tr = t.transcript
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(tr.c.interaction_id, tr.c.text)
                .where(tr.c.interaction_id.in_(chunk))
                .where(tr.c.kind == EntryKind.INBOUND.value)
                .order_by(tr.c.at, tr.c.id)
            )
            for row in rows:
                texts.setdefault(row.interaction_id, row.text)
            missing = [i for i in chunk if i not in texts]
            if missing:
                it = t.interactions
                for row in conn.execute(select(it.c.id, it.c.subject).where(it.c.id.in_(missing))):
                    texts[row.id] = row.subject
        return texts


def _answer(details: Any) -> bool | None:
    """Whether ``details`` correct actionability to actionable (True) or not (False)."""
    if not isinstance(details, dict):
        return None
    change = details.get("actionability")
    if not isinstance(change, dict):
        return None
    to = change.get("to")
    if to == Actionability.ACTIONABLE.value:
        return True
    if to == Actionability.NOT_ACTIONABLE.value:
        return False
    return None
