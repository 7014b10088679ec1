"""Run the sandbox: uvicorn in a background thread, startable from a notebook or a test."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from workbench.sandbox.app import Sandbox, create_app
from workbench.sandbox.limits import RateLimits
from workbench.sandbox.seed import LiveTraffic
from workbench.sandbox.world import World


def default_brands(brand: str | None = None) -> tuple[str, str]:
    """The brand accounts ("timelines"): ``WORKBENCH_BRAND`` first, then a second one."""
    if brand is None:
        from workbench.config import Settings

        brand = Settings.from_env().brand
    other = "AcmeDeals" if brand.lower() != "acmedeals" else "AcmeSupport"
    return brand, other


class RunningSandbox:
    """A sandbox answering at ``url``; ``stop()`` ends it (also on leaving a ``with`` block)."""

    def __init__(
        self,
        sandbox: Sandbox,
        server: Any,
        thread: threading.Thread,
        url: str,
        traffic: LiveTraffic | None,
    ) -> None:
        self.sandbox = sandbox
        self.server = server
        self.thread = thread
        self.url = url
        self.traffic = traffic

    @property
    def world(self) -> World:
        return self.sandbox.world

    def __repr__(self) -> str:
        return f"RunningSandbox({self.url!r}, plan={self.sandbox.plan.name!r})"

    def stop(self, timeout: float = 10.0) -> None:
        if self.traffic is not None:
            self.traffic.stop()
        self._halt(timeout)

    def _halt(self, timeout: float) -> None:
        # Stop accepting first, then end the open streams: a client that reconnects at once
        # (xdk does after a stream ends) is refused instead of opening a stream that uvicorn
        # would cancel, with a traceback, at the end of its graceful wait.
        self.server.should_exit = True
        deadline = time.monotonic() + 1.0
        while any(s.is_serving() for s in self.server.servers) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.sandbox.streams.close_all()
        self.sandbox.activity.close_all()
        self.thread.join(timeout)

    def restart(self, down: float = 0.0, timeout: float = 10.0) -> None:
        """Stop answering (every connection drops), wait ``down`` seconds, answer again on the
        same port; the world, subscriptions and tokens are kept, as X keeps them."""
        self._halt(timeout)
        time.sleep(down)
        parts = urlsplit(self.url)
        host = (parts.hostname or "127.0.0.1").strip("[]")
        self.server, self.thread, _ = _serve(self.sandbox, host, parts.port or 0, 15.0)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.request("GET", "/sandbox/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def _serve(
    sandbox: Sandbox, host: str, port: int, startup_timeout: float
) -> tuple[Any, threading.Thread, str]:
    """uvicorn serving ``sandbox`` on ``host:port`` in a thread, once it answers."""
    import uvicorn

    # proto IPPROTO_TCP (not 0) lets asyncio set TCP_NODELAY on each connection; without it a
    # response's head and body wait out the peer's delayed ACK (40 ms a call).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"sandbox: cannot listen on {host}:{port}: {exc.strerror}") from None
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    sandbox.world.base_url = f"http://{shown}:{bound_port}"
    config = uvicorn.Config(
        create_app(sandbox),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sandbox-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not (server.started and _answers(host, bound_port)):
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"sandbox: did not start on {host}:{bound_port}")
        time.sleep(0.02)
    return server, thread, sandbox.world.base_url


def start(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int | None = None,
    traffic: float | None = None,
    brands: Sequence[str] | None = None,
    rate_limit_scale: float = 1.0,
    window_seconds: float | None = None,
    plan: str | None = None,
    startup_timeout: float = 15.0,
) -> RunningSandbox:
    """Start a sandbox (port 0 picks a free port) and return once it answers.

    ``seed`` plays a seeded history of customer traffic; ``traffic`` adds that many new
    customer tweets and DMs per minute in the background; ``plan`` is the X access plan it
    enforces (pay-per-use, basic, pro, enterprise; default: the ``WORKBENCH_X_PLAN`` setting).
    """
    world = World(brands or default_brands())
    limits = RateLimits(scale=rate_limit_scale)
    if window_seconds:
        limits.configure(window=window_seconds)
    sandbox = Sandbox(world, limits, seed=seed, plan=plan)
    server, thread, url = _serve(sandbox, host, port, startup_timeout)
    live = None
    if traffic:
        live = LiveTraffic(sandbox.live_player, traffic, seed or 0).start()
    return RunningSandbox(sandbox, server, thread, url, live)
