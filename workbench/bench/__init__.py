"""Benchmarks: our code against the bare library doing the same work, in one run.

A benchmark is a function ``fn(scale: float) -> Result`` registered with ``@benchmark(name)``
in a module of this package listed in ``MODULES``. ``scale`` shrinks the work (1.0 is the
full size named in the benchmark; tests run with a small scale).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

MODULES = ("store", "xapi", "classify", "routing", "metrics", "ledger", "reports", "views")


@dataclass(frozen=True)
class Result:
    """One row of the bench table: ours and the baseline in the same unit (lower is better)."""

    name: str
    ours: float
    baseline: float
    unit: str

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ours": round(self.ours, 6),
            "baseline": round(self.baseline, 6),
            "ratio": round(self.ratio, 3),
            "unit": self.unit,
        }


Benchmark = Callable[[float], Result]
_REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register ``fn`` under ``name``."""

    def register(fn: Benchmark) -> Benchmark:
        _REGISTRY[name] = fn
        return fn

    return register


def registry() -> dict[str, Benchmark]:
    """Every registered benchmark, importing the benchmark modules on first use."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return dict(_REGISTRY)


def run(only: str | None = None, scale: float = 1.0) -> list[Result]:
    """Run the benchmarks whose name contains ``only`` (all when None)."""
    return [fn(scale) for name, fn in registry().items() if only is None or only in name]
