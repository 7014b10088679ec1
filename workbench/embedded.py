"""The embedded default: with no X API configured, a notebook starts its own sandbox with
seeded customer traffic, plus ingest and the outbox in background threads.

``make run`` starts these once for all notebooks (``workbench lab --demo``) and passes
``WORKBENCH_X_API_URL`` on; then ``ensure_x_api()`` only reports that URL.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from workbench.config import Settings

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
        from workbench.outbox import Outbox
        from workbench.store import Store
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
        outbox = Outbox(store, gateway)
        for name, target, kwargs in (
            ("ingest", ingest.run_forever, {"interval": interval}),
            ("outbox", outbox.run_forever, {}),
        ):
            thread = threading.Thread(
                target=target,
                args=(api.stop_event,),
                kwargs=kwargs,
                name=f"embedded-{name}",
                daemon=True,
            )
            thread.start()
            api.threads.append(thread)
        _RUNNING = api
        return api
