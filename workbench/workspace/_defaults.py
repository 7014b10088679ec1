"""The outbox a workspace uses when it is handed none: the store's durable outbox, as before.

This is the one place the workspace names the outbox's module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from workbench.config import Settings
from workbench.store import Store, Transaction
from workbench.workspace.ports import GatewayPort, OutboxPort


class _Outbox(OutboxPort, Protocol):
    gateway: GatewayPort | None


def default_outbox(
    store: Store, settings: Settings, gateway: GatewayPort | None, send: bool
) -> OutboxPort:
    """The durable outbox on ``store``, sending through ``gateway``; when sending without one,
    through the gateway the settings describe, made when it first sends (a desk that only
    writes to the outbox never needs X's credentials)."""
    from workbench.outbox import Outbox

    outbox: _Outbox = Outbox(store, gateway)
    if gateway is None and send:
        return _GatewayOnFirstSend(outbox, settings)
    return outbox


class _GatewayOnFirstSend:
    """An outbox whose gateway is made from the settings on its first send."""

    def __init__(self, outbox: _Outbox, settings: Settings) -> None:
        self._outbox = outbox
        self._settings = settings

    def enqueue(
        self,
        action: str,
        timeline: str,
        payload: Mapping[str, str],
        *,
        interaction_id: str | None,
        conn: Transaction,
    ) -> str:
        return self._outbox.enqueue(
            action, timeline, payload, interaction_id=interaction_id, conn=conn
        )

    def run_once(self) -> object:
        if self._outbox.gateway is None:
            from workbench.xapi.gateway import Gateway

            self._outbox.gateway = Gateway.from_settings(self._settings)
        return self._outbox.run_once()
