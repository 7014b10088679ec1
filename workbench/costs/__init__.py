"""What the workbench's X calls cost: the meter that records them, the daily budget."""

from __future__ import annotations

from workbench.costs.meter import CostMeter, send_quote

__all__ = ["CostMeter", "send_quote"]
