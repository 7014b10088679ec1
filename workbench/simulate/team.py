"""The live simulated team: N agents, each a ``Workspace`` like a person's, in one process.

Each agent goes Ready, takes the offers the router makes (rejecting one now and then), answers
the customer (a reply, or a DM for a DM interaction), sometimes consults a colleague or
transfers the interaction to another queue, sets a disposition and a note, and finishes; now and
then it goes Not Ready for a short break. Handle times are lognormal: a median of about 30
seconds, from a few seconds to a few minutes (``pace`` scales them).

Traffic left for the notebook's agent: every simulated agent holds one interaction at a time and
wraps up for a few seconds after each, and the router offers to the least loaded, longest idle
agent first, so a person who is Ready and idle gets the next offer ahead of the team.

Choices (which offer to reject, what to write, how long to take) come from ``random.Random`` seeded
per agent from ``seed``: the same seed makes the same choices for the same offers.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from workbench.domain import Channel, Interaction
from workbench.errors import WorkbenchError
from workbench.simulate.phrases import Phrases, load_phrases
from workbench.workspace import Workspace

log = logging.getLogger(__name__)

REJECT_SHARE = 0.06
"""Share of offers a simulated agent rejects."""
TRANSFER_SHARE = 0.06
"""Share of interactions transferred to another queue instead of finished."""
CONSULT_SHARE = 0.10
"""Share of interactions on which the agent consults a colleague."""
BREAK_SHARE = 0.08
"""Share of finished interactions after which the agent takes a short break (Not Ready)."""
HANDLE_MEDIAN = 30.0
"""Median handle time in seconds (lognormal, sigma ``HANDLE_SIGMA``), before ``pace``."""
HANDLE_SIGMA = 0.7
HANDLE_RANGE = (4.0, 300.0)
WRAP_UP = (2.0, 8.0)
"""Seconds of wrap-up after each interaction, before the next offer (After Call Work)."""
BREAK_RANGE = (20.0, 90.0)
ACCEPT_DELAY = (0.5, 4.0)
"""Seconds from an offer to accepting or rejecting it (under the offer time-out)."""


def handle_seconds(rng: random.Random, pace: float = 1.0) -> float:
    """A lognormal handle time, clamped to ``HANDLE_RANGE``, times ``pace``."""
    low, high = HANDLE_RANGE
    return pace * min(high, max(low, rng.lognormvariate(math.log(HANDLE_MEDIAN), HANDLE_SIGMA)))


@dataclass
class _Plan:
    """What an agent will do with one interaction in hand, and when."""

    interaction_id: str
    steps: list[tuple[float, str]]
    """(monotonic time, step) in order: answer, consult, transfer, disposition, done."""


@dataclass
class SimAgent:
    """One simulated agent at their desk."""

    workspace: Workspace
    rng: random.Random
    phrases: Phrases
    pace: float = 1.0
    clock: Callable[[], float] = time.monotonic
    decisions: dict[str, float] = field(default_factory=dict)
    """Offers seen: interaction id -> when to accept or reject it."""
    plans: dict[str, _Plan] = field(default_factory=dict)
    busy_until: float = 0.0
    on_break_until: float | None = None
    handled: int = 0
    rejected: int = 0
    transferred: int = 0

    @property
    def name(self) -> str:
        return self.workspace.agent

    def _later(self, span: tuple[float, float]) -> float:
        return self.clock() + self.pace * self.rng.uniform(*span)

    def step(self) -> None:
        """Poll, then do whatever is due."""
        ws = self.workspace
        now = self.clock()
        if self.on_break_until is not None:
            if now < self.on_break_until:
                ws.poll()
                return
            self.on_break_until = None
            ws.ready()
        offers = ws.poll()
        for offer in offers:
            due = self.decisions.setdefault(offer.id, self._later(ACCEPT_DELAY))
            if due <= now:
                self._decide(offer)
        held = {it.id: it for it in ws.interactions if it.agent == self.name}
        for iid in [i for i in self.plans if i not in held]:
            del self.plans[iid]  # taken back (reclaimed, a supervisor's transfer)
        for iid, it in held.items():
            plan = self.plans.get(iid) or self._plan(it)
            while plan.steps and plan.steps[0][0] <= now:
                _, what = plan.steps.pop(0)
                if not self._do(it, what):
                    plan.steps.clear()
            if not plan.steps:
                self.plans.pop(iid, None)
                self._after_one()
        self.decisions = {k: v for k, v in self.decisions.items() if k in {o.id for o in offers}}

    def _decide(self, offer: Interaction) -> None:
        ws = self.workspace
        try:
            if self.rng.random() < REJECT_SHARE:
                ws.reject(offer.id)
                self.rejected += 1
            else:
                ws.accept(offer.id)
        except WorkbenchError as exc:  # timed out meanwhile, or taken back
            log.info("%s: offer %s: %s", self.name, offer.id, exc)

    def _plan(self, it: Interaction) -> _Plan:
        rng = self.rng
        total = handle_seconds(rng, self.pace)
        start = self.clock()
        steps: list[tuple[float, str]] = [(start + total * rng.uniform(0.15, 0.4), "answer")]
        if rng.random() < CONSULT_SHARE:
            steps.append((start + total * rng.uniform(0.45, 0.6), "consult"))
        if rng.random() < TRANSFER_SHARE:
            steps.append((start + total * rng.uniform(0.65, 0.8), "transfer"))
        else:
            steps.append((start + total * rng.uniform(0.8, 0.95), "disposition"))
            steps.append((start + total, "done"))
        plan = self.plans[it.id] = _Plan(it.id, steps)
        return plan

    def _do(self, it: Interaction, what: str) -> bool:
        """Do one step; False when the interaction has left this agent's hands."""
        ws, rng, p = self.workspace, self.rng, self.phrases
        try:
            if what == "answer":
                contact = ws.contact(it.id)
                name = (contact.name or contact.username).split()[0]
                if it.channel is Channel.DM:
                    ws.dm(it.id, p.dm(rng, name))
                else:
                    ws.reply(it.id, p.reply(rng, name))
            elif what == "consult":
                others = [c for c in ws.colleagues() if c != self.name]
                if others:
                    ws.consult(it.id, rng.choice(sorted(others)), text=p.consult_note(rng))
            elif what == "transfer":
                queues = sorted(q.name for q in ws.queues() if q.name != it.queue)
                if queues:
                    ws.transfer(it.id, to_queue=rng.choice(queues))
                    self.transferred += 1
                    return False
                return self._do(it, "disposition") and self._do(it, "done")
            elif what == "disposition":
                codes = [d.code for d in ws.dispositions]
                ws.set_disposition(it.id, p.disposition(rng, codes), p.note(rng))
            elif what == "done":
                ws.done(it.id)
                self.handled += 1
                return False
        except WorkbenchError as exc:
            log.info("%s: %s on %s: %s", self.name, what, it.id, exc)
            return what not in {"done", "transfer"}
        return True

    def _after_one(self) -> None:
        ws = self.workspace
        if self.plans:
            return
        try:
            if self.rng.random() < BREAK_SHARE:
                ws.not_ready(self.rng.choice(self.phrases.breaks))
                self.on_break_until = self._later(BREAK_RANGE)
            else:
                ws.after_call_work()
                self.on_break_until = self._later(WRAP_UP)
        except WorkbenchError as exc:
            log.info("%s: state: %s", self.name, exc)

    def sign_off(self) -> None:
        """Go Not Ready (no more offers), then decline pending offers and hand back what is in
        hand (to its queue); each step is tried twice (the store may be busy a moment)."""
        ws = self.workspace
        self._try("not ready", lambda: ws.not_ready("end of shift"))
        self._try("poll", lambda: ws.poll())
        for offer in ws.offers:
            self._try(f"reject {offer.id}", partial(ws.reject, offer.id))
        for it in ws.interactions:
            if it.agent == self.name:
                self._try(f"hand back {it.id}", partial(ws.transfer, it.id, to_queue=it.queue))
            else:
                self._try(f"leave {it.id}", partial(ws.leave_conference, it.id))

    def _try(self, what: str, do: Callable[[], object]) -> None:
        for attempt in (1, 2):
            try:
                do()
                return
            except WorkbenchError as exc:
                if attempt == 2:
                    log.warning("%s: sign off: %s: %s", self.name, what, exc)
                time.sleep(0.2)


class Team:
    """``n`` simulated agents over one store, sending through the X API (the sandbox).

    ``step()`` moves every agent once; ``run(stop)`` steps every ``interval`` seconds until
    ``stop`` is set, then signs everyone off (Not Ready).
    """

    def __init__(
        self,
        n: int = 6,
        *,
        seed: int = 0,
        db_url: str | None = None,
        x_api_url: str | None = None,
        pace: float = 1.0,
        phrases: Phrases | None = None,
        names: Sequence[tuple[str, str]] | None = None,
        **workspace: Any,
    ) -> None:
        self.phrases = phrases or load_phrases()
        roster = list(names or self.phrases.agents(n))
        self.agents: list[SimAgent] = []
        try:
            for i, (name, display) in enumerate(roster[:n]):
                # One routing pass and one round of the outbox per step, by the first agent:
                # they serve the whole store, so the others need not repeat them.
                lead = {} if i == 0 else {"route": False, "send": False}
                ws = Workspace(
                    name, db_url, x_api_url, display_name=display, **{**workspace, **lead}
                )
                rng = random.Random(f"{seed}:{i}:{name}")
                self.agents.append(SimAgent(ws, rng, self.phrases, pace=pace))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Team:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.agents]

    def ready(self) -> None:
        for agent in self.agents:
            agent.workspace.ready()

    def step(self) -> None:
        for agent in self.agents:
            try:
                agent.step()
            except WorkbenchError as exc:  # the store or X hiccups: the next step retries
                log.warning("%s: %s", agent.name, exc)

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        self.ready()
        try:
            while not stop.is_set():
                self.step()
                stop.wait(interval)
        finally:
            self.sign_off()

    def sign_off(self) -> None:
        """Everyone Not Ready first (no offer goes to a colleague about to leave), then each
        hands back what they hold."""
        for agent in self.agents:
            agent._try("not ready", partial(agent.workspace.not_ready, "end of shift"))
        for agent in self.agents:
            agent.sign_off()

    def close(self) -> None:
        for agent in self.agents:
            agent.workspace.close()
