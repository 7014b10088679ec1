"""One agent's workspace: their session (``session.py``) and every action they can take on an
interaction (``actions.py``), wired to a store, a router and an outbox.

The model behind the interaction views, with no widget imports: every button a view shows is a
method here, and views observe ``revision`` (and ``state``, ``offers``, ``interactions``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from workbench.config import Settings
from workbench.domain import Delivery
from workbench.routing.agents import HEARTBEAT_STALE
from workbench.routing.router import Router
from workbench.store import Store
from workbench.workspace._defaults import default_outbox
from workbench.workspace.actions import Actions
from workbench.workspace.ports import GatewayPort, OutboxPort
from workbench.workspace.session import Session

P = ParamSpec("P")
R = TypeVar("R")


def _action(method: Callable[Concatenate[Actions, P], R]) -> Callable[Concatenate[Workspace, P], R]:
    """``Workspace.<name>``: the action of ``Actions`` by that name, done by this workspace."""

    @functools.wraps(method)
    def act(ws: Workspace, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(ws.actions, *args, **kwargs)

    return act


class Workspace(Session):
    """One agent's desk: ``Workspace("ann").ready()``, then ``poll()`` for offers, then the
    actions (``accept``, ``reply``, ``transfer``, ``done``, ...).

    ``db_url`` and ``x_api_url`` default to the settings (``WORKBENCH_DB_URL``,
    ``WORKBENCH_X_API_URL``). ``poll()`` also runs a routing pass (``route=False`` turns that off
    when a separate router runs) and, when ``send`` is true (the default when ``x_api_url``, a
    ``gateway`` or an ``outbox`` is given), one round of the outbox, so a notebook alone is a
    working desk. ``outbox`` defaults to the store's durable outbox, sending through ``gateway``
    (default: the one the settings describe).
    """

    def __init__(
        self,
        agent: str,
        db_url: str | None = None,
        x_api_url: str | None = None,
        *,
        display_name: str = "",
        capacity: int | None = None,
        queues: Sequence[str] | None = None,
        store: Store | None = None,
        settings: Settings | None = None,
        route: bool = True,
        send: bool | None = None,
        heartbeat_stale: float = HEARTBEAT_STALE,
        mail_dir: str | Path | None = None,
        gateway: GatewayPort | None = None,
        outbox: OutboxPort | None = None,
    ) -> None:
        settings = settings or Settings.from_env(
            workbench_db_url=db_url, workbench_x_api_url=x_api_url
        )
        self._own_store = store is None
        if store is None:
            store = Store(settings.db_url)
            store.load_reference_data()
        if send is None:
            send = x_api_url is not None or gateway is not None or outbox is not None
        router = (
            Router(
                store,
                offer_timeout=float(settings["WORKBENCH_OFFER_TIMEOUT"]),
                heartbeat_stale=heartbeat_stale,
                reclaim_after=float(settings["WORKBENCH_RECLAIM_AFTER"]),
                missed_offers=int(settings["WORKBENCH_MISSED_OFFERS"]),
            )
            if route
            else None
        )
        if outbox is None:
            outbox = default_outbox(store, settings, gateway, send)
        super().__init__(
            agent,
            store,
            settings,
            outbox,
            router=router,
            send=send,
            display_name=display_name,
            capacity=capacity,
            queues=queues,
        )
        self.x_api_url = settings.x_api_url
        from workbench.xapi.gateway import is_real_x

        self.sandbox_url = None if is_real_x(self.x_api_url) else self.x_api_url
        """The X API sandbox this workspace talks to (the views may show the media it serves
        itself), None when it talks to X."""
        self.actions = Actions(
            self.agent,
            store,
            outbox,
            settings,
            mail_dir=Path(mail_dir) if mail_dir else None,
            # Whether a colleague is online: as the router judges it (the default without one).
            heartbeat_stale=heartbeat_stale if route else HEARTBEAT_STALE,
            on_change=self._refresh,
        )

    def post_delivery(self, interaction_id: str) -> Delivery | None:
        """Where the tweet of a post (the interaction ``post_tweet`` made) is: queued, sent with
        X's id, or refused with X's reason; None when it has no send."""
        return next(
            (line.delivery for line in self.transcript(interaction_id) if line.delivery),
            None,
        )

    def close(self) -> None:
        """Stop the live loop and release the store (when this workspace opened it)."""
        super().close()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the actions on an interaction (``actions.py``) ---------------------------------------

    accept = _action(Actions.accept)
    reject = _action(Actions.reject)
    reply = _action(Actions.reply)
    dm = _action(Actions.dm)
    retweet = _action(Actions.retweet)
    like = _action(Actions.like)
    quote = _action(Actions.quote)
    follow = _action(Actions.follow)
    unfollow = _action(Actions.unfollow)
    post_tweet = _action(Actions.post_tweet)
    transfer = _action(Actions.transfer)
    conference = _action(Actions.conference)
    leave_conference = _action(Actions.leave_conference)
    consult = _action(Actions.consult)
    internal_note = _action(Actions.internal_note)
    pend = _action(Actions.pend)
    resume = _action(Actions.resume)
    call = _action(Actions.call)
    email = _action(Actions.email)
    insert_standard_response = _action(Actions.insert_standard_response)
    correct = _action(Actions.correct)
    set_disposition = _action(Actions.set_disposition)
    retry_send = _action(Actions.retry_send)
    done = _action(Actions.done)
