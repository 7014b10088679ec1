"""The embedded default: with no X API configured, a notebook starts its own sandbox with
seeded customer traffic, plus ingest and the outbox in background threads.

``make run`` starts these once for all notebooks (``workbench lab --demo``) and passes
``WORKBENCH_X_API_URL`` on; then ``ensure_x_api()`` only reports that URL.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.config import Settings

if TYPE_CHECKING:
    from workbench.store import Store
    from workbench.workspace.ports import OutboxPort

log = logging.getLogger(__name__)

_RUNNING: XApi | None = None
_LOCK = threading.Lock()


@dataclass
class XApi:
    """Where the workbench talks to the X API, and what this process started for it."""

    url: str
    sandbox: Any = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def embedded(self) -> bool:
        return self.sandbox is not None

    def __repr__(self) -> str:
        where = "embedded sandbox" if self.embedded else "configured"
        return f"XApi({self.url!r}, {where})"

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=15)
        if self.sandbox is not None:
            self.sandbox.stop()


def ensure_x_api(
    seed: int = 7, traffic: float = 4.0, interval: float = 3.0, plan: str | None = None
) -> XApi:
    """The X API in use; starts the embedded sandbox, ingest and outbox when none is set.

    The embedded sandbox enforces ``plan`` (default: the ``WORKBENCH_X_PLAN`` setting)."""
    global _RUNNING
    with _LOCK:
        if _RUNNING is not None:
            return _RUNNING
        configured = os.environ.get("WORKBENCH_X_API_URL")
        if configured:
            _RUNNING = XApi(Settings.from_env().x_api_url)
            return _RUNNING
        from workbench import sandbox
        from workbench.intake import Ingest
        from workbench.store import Store
        from workbench.workspace._defaults import default_outbox
        from workbench.xapi.gateway import Gateway

        running = sandbox.start(seed=seed, traffic=traffic, plan=plan)
        os.environ["WORKBENCH_X_API_URL"] = running.url
        api = XApi(running.url, sandbox=running)
        settings = Settings.from_env()
        store = Store(settings.db_url)
        store.load_reference_data()
        gateway = Gateway.from_settings(settings)
        ingest = Ingest(store, gateway)
        ingest.run_once()
        outbox = default_outbox(store, settings, gateway, send=True)
        for name, target, args in (
            ("ingest", functools.partial(ingest.run_forever, interval=interval), (api.stop_event,)),
            ("outbox", _send_forever, (outbox, store, api.stop_event)),
        ):
            thread = threading.Thread(
                target=target,
                args=args,
                name=f"embedded-{name}",
                daemon=True,
            )
            thread.start()
            api.threads.append(thread)
        _RUNNING = api
        return api


def _send_forever(outbox: OutboxPort, store: Store, stop: threading.Event) -> None:
    """Send what waits in ``outbox`` until ``stop``; an action queued meanwhile (it appends an
    event) wakes the loop at once, else it looks again every half second."""
    with store.changes() as feed:
        while not stop.is_set():
            try:
                report = outbox.run_once()
            except Exception as exc:  # the store or X went away for a moment: say so, go on
                log.warning("embedded outbox: %s", exc)
                stop.wait(2.0)
                continue
            if not getattr(report, "claimed", 0):
                feed.wait(0.5, stop)
