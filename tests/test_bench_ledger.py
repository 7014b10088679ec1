"""The ledger's bench rows run (at their smallest store) and measure what they say: a bench
that no longer matches the store's layout fails here, not in front of a supervisor."""

from __future__ import annotations

import pytest

from workbench.bench import Result
from workbench.bench import ledger as bench

SMALL = 0.0001  # the smallest store the bench fills: 2,000 interactions


@pytest.fixture(scope="module", autouse=True)
def _no_cache(monkeypatch_module: pytest.MonkeyPatch) -> None:
    monkeypatch_module.delenv("WORKBENCH_BENCH_CACHE", raising=False)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_first_load_row_reads_every_interaction() -> None:
    result = bench.first_load_sqlite(SMALL)
    assert isinstance(result, Result) and result.ours > 0 and result.baseline > 0
    live, _ = bench._load("sqlite", 2_000)
    assert len(live.frame) == 2_000
    assert set(live.frame["state"].unique()) == {"done", "accepted", "offered", "queued"}
    assert live.frame["text"].str.startswith("@brand ").all()


def test_the_memory_row_compares_compact_and_plain_dtypes() -> None:
    result = bench.memory(SMALL)
    assert 0 < result.ours < result.baseline


def test_the_refresh_row_applies_its_hundred_events() -> None:
    result = bench.refresh(SMALL)  # asserts inside that every written event was applied
    assert result.name.startswith("dashboard: refresh after 100 new events")
    assert result.ours > 0 and result.baseline > 0


def test_the_saved_copy_row_starts_from_the_copy_and_catches_up() -> None:
    result = bench.saved_load(SMALL)  # asserts inside: restored, every new event applied
    assert "saved copy" in result.name and result.ours > 0 and result.baseline > 0
