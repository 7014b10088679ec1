"""What a supervisor may do from the dashboard, through the same store transactions as agents'
actions: set an agent Not Ready, requeue an interaction, transfer it to an agent or a queue,
close many at once with a disposition. Each is recorded in the event log with the supervisor's
name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from workbench.domain import (
    Action,
    Disposition,
    EntryKind,
    Event,
    Interaction,
    State,
    TranscriptEntry,
)
from workbench.errors import ValidationError
from workbench.routing.agents import Agent, AgentState, load, lock_agent, set_agent_state
from workbench.store import Change, NotFoundError, Store, Transaction
from workbench.workspace._checks import known_queue, refuse


@dataclass(frozen=True)
class BulkClose:
    """What ``close_many`` did: the interactions it closed, and those it refused with why."""

    disposition: str
    closed: tuple[str, ...] = ()
    refused: dict[str, str] = field(default_factory=dict)
    """Interaction id -> why it was not closed (already done, not in the store)."""

    def summary(self) -> str:
        """One line for a person: how many were closed, and each refusal."""
        said = f"closed {len(self.closed)} as {self.disposition}"
        if self.refused:
            reasons = "; ".join(f"{iid}: {why}" for iid, why in self.refused.items())
            said += f"; {len(self.refused)} not closed ({reasons})"
        return said


def close_many(
    store: Store, supervisor: str, ids: Iterable[str], disposition: str, note: str = ""
) -> BulkClose:
    """Close each open interaction of ``ids`` with ``disposition`` (and ``note``, when given, as
    its disposition note), in one transaction, whoever holds it and whatever its state;
    those already done or not in the store are refused, each with its reason. Each close is in
    the event log (``closed``, by the supervisor) and its transcript."""
    name = (supervisor or "").strip()
    if not name:
        raise ValidationError("supervisor", "a supervisor's name is required")
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationError("ids", "pick at least one interaction to close")
    note = (note or "").strip()
    refused: dict[str, str] = {}
    changes: list[tuple[Interaction, int, Change]] = []
    with store.transaction() as conn:
        known = {d.code for d in store.reads.dispositions(conn)}
        if disposition not in known:
            raise ValidationError(
                "disposition",
                f"no such disposition {disposition!r} (known: {', '.join(sorted(known))})",
            )
        for iid in wanted:
            try:
                it = store.interaction(iid, conn)  # locked until the transaction ends
            except NotFoundError:
                refused[iid] = "not in the store"
                continue
            if it.state is State.DONE:
                refused[iid] = "already done"
                continue
            before = it.version
            event = it.close(name, disposition, reason=note or f"closed by {name}")
            event = replace(event, details={**event.details, "by": name})
            if note:
                it.note = note
            text = f"{name} closed it as {disposition}" + (f": {note}" if note else "")
            line = TranscriptEntry(it.id, event.at, EntryKind.SYSTEM, name, text, event.action)
            changes.append((it, before, Change([event], [line])))
        store.save_many(conn, changes)
    return BulkClose(disposition, tuple(it.id for it, _, _ in changes), refused)


class SupervisorActions:
    """The actions of supervisor ``supervisor`` on ``store``."""

    def __init__(self, supervisor: str, store: Store) -> None:
        name = (supervisor or "").strip()
        if not name:
            raise ValidationError("supervisor", "a supervisor's name is required")
        self.supervisor = name
        self.store = store

    def set_not_ready(self, agent: str, reason: str) -> Agent:
        """Move ``agent`` to Not Ready with ``reason`` (the agent state event names the
        supervisor as ``by``)."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("reason", "Not Ready needs a reason (break, training, ...)")
        text = f"{reason} (set by {self.supervisor})"
        return set_agent_state(self.store, agent, AgentState.NOT_READY, text, by=self.supervisor)

    def requeue(self, interaction_id: str, reason: str = "requeued by a supervisor") -> Interaction:
        """Take the interaction from its agent and put it back in its queue for routing."""

        def use(it: Interaction, conn: Transaction) -> Change:
            event = it.requeue(reason)
            event = replace(event, details={**event.details, "by": self.supervisor})
            return Change([event], [self._line(it, event, f"{self.supervisor} requeued it")])

        return self.store.apply(interaction_id, use)

    def transfer(
        self, interaction_id: str, to_agent: str | None = None, to_queue: str | None = None
    ) -> Interaction:
        """Hand the interaction to a ready agent with room (offered to them) or to a queue,
        whoever holds it now."""

        def use(it: Interaction, conn: Transaction) -> Change:
            replace(it).reassign(self.supervisor, to_agent=to_agent, to_queue=to_queue)
            if to_agent is not None:
                target = self._ready(conn, it, to_agent)
                if load(conn, [to_agent])[to_agent] >= target.capacity:
                    raise refuse(
                        it, "reassign", f"{to_agent} has no room ({target.capacity} at once)"
                    )
                event = it.reassign(self.supervisor, to_agent=to_agent)
                offered = Event(
                    Action.OFFERED,
                    it.id,
                    to_agent,
                    details={
                        "transfer_from": event.details.get("from_agent"),
                        "by": self.supervisor,
                    },
                )
                text = f"{self.supervisor} transferred to {to_agent}"
                return Change([event, offered], [self._line(it, event, text)])
            known_queue(self.store.reads.queue_names(conn), it, "reassign", to_queue)
            event = it.reassign(self.supervisor, to_queue=to_queue)
            text = f"{self.supervisor} transferred to queue {to_queue}"
            return Change([event], [self._line(it, event, text)])

        return self.store.apply(interaction_id, use)

    def close_many(self, ids: Iterable[str], disposition: str, note: str = "") -> BulkClose:
        """Close the open interactions of ``ids`` at once (``close_many``)."""
        return close_many(self.store, self.supervisor, ids, disposition, note)

    def dispositions(self) -> list[Disposition]:
        """The disposition codes a close may use, by code."""
        return self.store.reads.dispositions()

    def _ready(self, conn: Transaction, it: Interaction, name: str) -> Agent:
        try:
            other = lock_agent(conn, name)
        except NotFoundError:
            raise refuse(it, "reassign", f"no agent named {name!r}") from None
        if other.state is not AgentState.READY:
            why = f": {other.reason}" if other.reason else ""
            raise refuse(it, "reassign", f"{name} is not ready ({other.state.value}{why})")
        return other

    def _line(self, it: Interaction, event: Event, text: str) -> TranscriptEntry:
        return TranscriptEntry(
            it.id, event.at, EntryKind.SYSTEM, self.supervisor, text, event.action
        )
