"""The agent's session: who is at the desk, in which state, and what they have in hand.

It registers the agent, keeps their state (Ready, Not Ready, After Call Work) and heartbeat,
and holds the observable picture of their work: ``offers`` and ``interactions``, and
``revision``, which goes up each time that picture (or a transcript in it) may have changed. A
view observes ``revision`` and redraws once per change. ``poll()`` brings the picture up to
date; ``start()`` runs a live loop that polls as soon as the store changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from workbench.config import Settings
from workbench.costs import CostMeter, send_quote
from workbench.domain import (
    Channel,
    Contact,
    Delivery,
    Disposition,
    Interaction,
    TranscriptEntry,
)
from workbench.domain.cost import DailyBudget, Tariff
from workbench.domain.plan import Plan
from workbench.errors import WorkbenchError
from workbench.i18n import tell
from workbench.routing.agents import (
    HEARTBEAT_INTERVAL,
    Agent,
    AgentState,
    agents,
    heartbeat,
    register_agent,
    set_agent_state,
)
from workbench.routing.queues import Queue
from workbench.routing.queues import queues as all_queues
from workbench.routing.router import Router
from workbench.store import Store
from workbench.workspace import _checks, _plan
from workbench.workspace._observable import Observable
from workbench.workspace.ports import OutboxPort

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
"""Seconds between polls of the live loop (``start``) when nothing happens."""
MIN_POLL_GAP = 0.01  # after a change: wait this long for the rest of a burst, then poll


class Session(Observable):
    """One agent at the desk: ``ready()``, then ``poll()`` (or ``start()``) for offers.

    ``poll()`` beats the heartbeat, runs a routing pass with ``router`` (None when a separate
    router runs) and, when ``send``, one round of ``outbox``.
    """

    OBSERVABLE = ("state", "reason", "offers", "interactions", "workbin", "revision")

    def __init__(
        self,
        agent: str,
        store: Store,
        settings: Settings,
        outbox: OutboxPort,
        *,
        router: Router | None = None,
        send: bool = False,
        display_name: str = "",
        capacity: int | None = None,
        queues: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.router = router
        self.send = send
        self._outbox = outbox
        self.plan: Plan = _plan.plan_of(settings)
        """The brand's X access plan (``WORKBENCH_X_PLAN``): what the desk may do on X."""
        from workbench.x_rules import tariff

        self.tariff: Tariff = tariff(settings.x_plan)
        """What X calls cost on that plan (pay-per-use prices, else 0)."""
        budget = DailyBudget.of_usd(float(settings["WORKBENCH_DAILY_BUDGET"]))
        self._spend = CostMeter(store, self.tariff, budget)  # reads the day's spend, cached
        info = register_agent(store, agent, display_name, capacity, queues)
        self.agent = info.name
        self.display_name = info.display_name
        self._state: AgentState = info.state
        self._reason: str = info.reason
        self._offers: tuple[Interaction, ...] = ()
        self._interactions: tuple[Interaction, ...] = ()
        self._workbin: tuple[Interaction, ...] = ()
        self._revision = 0
        self._versions: dict[str, int] = {}
        self._mark: tuple[int, int] | None = None  # the newest event and line the last read saw
        self._beat_at = 0.0
        self._lock = threading.RLock()
        self._loop: threading.Thread | None = None
        self._stop = threading.Event()
        self._refresh()

    def __repr__(self) -> str:
        name, state = type(self).__name__, self._state.value
        return f"{name}({self.agent!r}, state={state!r}, store={self.store!r})"

    # --- observable state ---------------------------------------------------------------------

    @property
    def state(self) -> AgentState:
        """Ready, Not Ready or After Call Work."""
        return self._state

    @property
    def reason(self) -> str:
        """Why the agent is Not Ready ("" otherwise)."""
        return self._reason

    @property
    def offers(self) -> tuple[Interaction, ...]:
        """Interactions offered to this agent, waiting for accept or reject (oldest first)."""
        return self._offers

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """Interactions this agent handles now: owned, or joined in a conference."""
        return self._interactions

    @property
    def workbin(self) -> tuple[Interaction, ...]:
        """This agent's interactions set aside waiting on the customer (oldest first): out of
        their capacity, back to them as an offer when the customer answers."""
        return self._workbin

    @property
    def revision(self) -> int:
        """Goes up each time what this session shows may have changed: the agent's state, the
        offers and interactions, or what is in them (a transcript line, a colleague's action).
        Views observe it and redraw."""
        return self._revision

    def version(self, interaction_id: str) -> int | None:
        """Goes up each time the interaction ``interaction_id`` (offered to this agent or in
        their hands) may have changed: its row, an event or a transcript line added to it (a
        message, a send's answer from X, a colleague's action on it). None for one neither
        offered nor in hand. A view of one interaction redraws when this moves, not at each
        ``revision``: a colleague's work elsewhere leaves it alone."""
        return self._versions.get(interaction_id)

    # --- agent state --------------------------------------------------------------------------

    def ready(self) -> Agent:
        """Take offers."""
        return self._agent_state(AgentState.READY)

    def not_ready(self, reason: str) -> Agent:
        """Stop taking offers, saying why (break, training, ...)."""
        return self._agent_state(AgentState.NOT_READY, reason)

    def after_call_work(self) -> Agent:
        """Stop taking offers while wrapping up."""
        return self._agent_state(AgentState.AFTER_CALL_WORK)

    def _agent_state(self, state: AgentState, reason: str = "") -> Agent:
        info = set_agent_state(self.store, self.agent, state, reason)
        with self._lock:
            moved = self._set("state", info.state) | self._set("reason", info.reason)
            if moved:
                self._set("revision", self._revision + 1)
        return info

    # --- polling and the live loop ------------------------------------------------------------

    def poll(self) -> tuple[Interaction, ...]:
        """Beat the heartbeat, run a routing pass, send what waits in the outbox, and fetch this
        agent's offers and interactions now. Returns the offers."""
        return self._poll(changed=True)

    def _poll(self, changed: bool) -> tuple[Interaction, ...]:
        if time.monotonic() - self._beat_at >= HEARTBEAT_INTERVAL / 2:
            heartbeat(self.store, self.agent)  # before routing: a live agent is never "gone"
            self._beat_at = time.monotonic()
        if self.router is not None:
            self.router.run_once()
        if self.send:
            try:
                self._outbox.run_once()
            except WorkbenchError as exc:  # X unreachable or not configured: offers still come
                log.warning("workspace %s: outbox not sent: %s", self.agent, exc)
        self._refresh(changed)
        return self._offers

    @property
    def live(self) -> bool:
        """Whether the live loop (``start``) runs."""
        return self._loop is not None and self._loop.is_alive()

    def start(self, interval: float = POLL_INTERVAL) -> None:
        """Keep polling in a background thread until ``stop()``: at once when anything happens
        in the store (a new tweet, an offer, a colleague's action; see
        ``workbench.store.changes``), and at least every ``interval`` seconds (heartbeat,
        offer time-outs). Observers are called from that thread."""
        if self.live:
            return
        self._stop.clear()

        def loop() -> None:
            woke = True  # the first poll shows whatever happened before the loop started
            with self.store.changes() as feed:
                while not self._stop.is_set():
                    try:
                        self._poll(changed=woke)
                    except Exception as exc:  # the loop goes on; the next poll retries
                        log.warning("workspace %s: poll failed: %s", self.agent, exc)
                    woke = feed.wait(interval, self._stop)
                    if woke:
                        self._stop.wait(MIN_POLL_GAP)  # let a burst of changes land together

        self._loop = threading.Thread(target=loop, name=f"workspace-{self.agent}", daemon=True)
        self._loop.start()

    def stop(self) -> None:
        """Stop the live loop (if running)."""
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=30)
            self._loop = None

    def close(self) -> None:
        """Stop the live loop."""
        self.stop()

    def _refresh(self, changed: bool = True) -> None:
        """Read the agent's offers, interactions and state; ``changed``: something in them
        surely moved (an action was taken), so views redraw even if these did not."""
        with self._lock:
            work = self.store.reads.open_work(self.agent, self._mark)
            self._count_versions((*work.interactions, *work.offers), work.touched)
            self._mark = work.mark
            moved = self._set("offers", work.offers)
            moved |= self._set("interactions", work.interactions)
            moved |= self._set("workbin", work.workbin)
            if work.agent_state is not None:
                moved |= self._set("state", AgentState(work.agent_state))
                moved |= self._set("reason", work.agent_reason)
            if changed or moved:
                self._set("revision", self._revision + 1)

    def _count_versions(self, now: tuple[Interaction, ...], touched: frozenset[str]) -> None:
        """Move the version of each interaction offered or in hand that is new, whose row
        changed, or that events or lines were added to since the last read."""
        before = {it.id: it for it in (*self._interactions, *self._offers)}
        self._versions = {
            it.id: self._versions.get(it.id, 0) + int(it.id in touched or before.get(it.id) != it)
            for it in now
        }

    # --- reading: what the views render -------------------------------------------------------

    def interaction(self, interaction_id: str) -> Interaction:
        return self.store.interaction(interaction_id)

    def transcript(self, interaction_id: str, *, after: int = 0) -> list[TranscriptEntry]:
        """The interaction's messages and notes in order (anyone may read; only parties act);
        with ``after``, only the lines stored after that ``row_id``."""
        return self.store.reads.transcript(interaction_id, after=after)

    def deliveries(self, keys: Sequence[str]) -> dict[str, Delivery]:
        """Where these sends (outbox keys of transcript lines) are now."""
        return self.store.reads.deliveries(keys)

    def contact(self, interaction_id: str) -> Contact:
        """The contact of the interaction."""
        return self.store.reads.contact_of(interaction_id)

    # --- what the plan and the contact allow (views disable what is refused) -----------------

    def refused(self, action: str) -> str | None:
        """Why the plan does not allow ``action`` (like, quote, follow, ...), with X's rule and
        its date; None when it does."""
        refusal = self.plan.allows(action)
        return None if refusal is None else refusal.reason

    def reply_refused(
        self, it: Interaction, lines: Sequence[TranscriptEntry], tweet_id: str | None = None
    ) -> str | None:
        """Why a reply to the customer's tweet ``tweet_id`` (None: the latest) of ``it`` would be
        refused by the plan: on self-serve plans, a post that did not mention or quote the
        brand. ``lines`` is the interaction's transcript. None when the plan allows it (and for
        DMs, which are not replies)."""
        if it.channel is Channel.DM or not _plan.refuses_unsummoned(self.plan):
            return None
        line = _plan.target_line(lines, tweet_id)
        timeline = it.timeline or self.settings.brand
        # Its text or links say so mostly; the brand's posts are looked for only otherwise.
        if _plan.summoned(line, timeline) or _plan.summoned(
            line, timeline, _plan.brand_posts(lines)
        ):
            return None
        refusal = self.plan.allows("reply", summoned=False)
        return None if refusal is None else refusal.reason

    def send_cost(self, kind: str, text: str) -> str | None:
        """What sending ``text`` as ``kind`` (reply, dm, quote, post) will cost, as the composer
        says it ("this reply costs $0.20: it has a URL"), in the reader's language, on
        pay-per-use; None on the other plans. From the text alone: no store read (it is asked on
        each keystroke)."""
        if not self.tariff.priced:
            return None
        quote = send_quote(self.tariff, kind, text)
        return quote.sentence if quote.said is None else tell(quote.said)

    def budget_warning(self) -> str | None:
        """``today's X budget of $5.00 is spent: $5.12 so far`` once the daily budget
        (``WORKBENCH_DAILY_BUDGET``) is spent, else None. Sends still go: nothing is refused.
        The day's spend is read again at most every 30 seconds. In the reader's language."""
        said = self._spend.budget_said()
        return None if said is None else tell(said)

    def dm_refused(self, it: Interaction, contact: Contact) -> str | None:
        """Why the brand cannot DM ``contact`` on ``it`` (None: it can)."""
        return self.refused("dm") or _checks.dm_refusal(contact, it.channel)

    @property
    def dispositions(self) -> list[Disposition]:
        """The disposition codes with their labels."""
        return self.store.reads.dispositions()

    def standard_responses(self, search: str = "") -> dict[str, str]:
        """Standard responses (name -> text) whose name, category or text contains ``search``."""
        return self.store.reads.standard_responses(search)

    def standard_response_labels(self) -> dict[str, str]:
        """Every standard response's name and the label an agent picks it by (English, as the
        data file or a supervisor wrote it: the views translate it)."""
        return self.store.reads.standard_response_labels()

    @property
    def timelines(self) -> list[str]:
        """Brand accounts this workbench posts on: the brand first, then those seen in traffic."""
        brand = self.settings.brand
        seen = self.store.reads.timelines()
        return [brand] + sorted(s for s in seen if s.lower() != brand.lower())

    def queues(self) -> list[Queue]:
        """The queues an interaction can be transferred to."""
        return all_queues(self.store)

    def colleagues(self) -> list[str]:
        """The other agents' names: to transfer to, bring into a conference or consult."""
        return [a.name for a in agents(self.store) if a.name != self.agent]
