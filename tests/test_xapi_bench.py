"""The X API benchmarks run (tiny, once each); their timings are for ``workbench bench``."""

from __future__ import annotations

import pytest

from workbench.bench import xapi


@pytest.mark.slow
def test_the_xapi_benchmarks_run(monkeypatch):
    monkeypatch.setattr(xapi, "TRIALS", 1)
    for fn in (xapi.ingest_mentions, xapi.outbox_replies, xapi.dm_offer_latency):
        result = fn(0.0)
        assert result.name.startswith("xapi: ") and result.unit == "s"
        assert result.ours > 0 and result.baseline > 0
