"""The durable outbox: every outbound action is written before it is sent, and sent once."""

from __future__ import annotations

from workbench.outbox.outbox import PAYLOADS, Outbox, RunReport

__all__ = ["PAYLOADS", "Outbox", "RunReport"]
