"""Exports at the writer's speed, in bounded memory: rows reach each writer a batch at a time
(from the store in one snapshot, or slices of a frame), each writer streams them."""

from __future__ import annotations

import importlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.ledger_sample import sample_ledger
from tests.report_store import make_store
from workbench.analytics.ledger import chunks, ledger
from workbench.reports.export import Report, write
from workbench.store import Store

ex = importlib.import_module("workbench.reports.export")  # the module, not its export()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    s = Store(make_store(tmp_path_factory.mktemp("store")))
    yield s
    s.close()


def test_batches_from_the_store_equal_the_ledger(store):
    whole = ledger(store=store)
    total, frames = chunks(store, size=40, replies=True)
    parts = list(frames)
    assert total == len(whole) and all(len(p) <= 40 for p in parts) and len(parts) > 5
    joined = pd.concat([p.drop(columns="first_reply_text").astype(object) for p in parts])
    pd.testing.assert_frame_equal(joined.reset_index(drop=True), whole.astype(object))
    replies = pd.concat([p["first_reply_text"] for p in parts], ignore_index=True)
    assert replies.notna().sum() > len(whole) / 2  # the brand's first words, where it answered


def test_a_reader_stopped_early_stops_reading(store):
    _, frames = chunks(store, size=10)
    first = next(frames)
    frames.close()  # the analyst's Ctrl+C: the reading thread ends with the iterator
    assert len(first) == 10


def test_parquet_is_written_a_row_group_per_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(ex, "BATCH", 10)
    frame = sample_ledger(25)
    path = write(Report(frame), "parquet", tmp_path / "out.parquet")
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame, check_dtype=False)


def test_excel_goes_on_in_a_second_sheet_past_its_row_limit(tmp_path, monkeypatch):
    import openpyxl

    from workbench.reports import _excel

    monkeypatch.setattr(_excel, "EXCEL_MAX_ROWS", 11)  # ten rows a sheet
    monkeypatch.setattr(ex, "BATCH", 7)
    frame = sample_ledger(25)
    book = openpyxl.load_workbook(write(Report(frame), "xlsx", tmp_path / "out.xlsx"))
    sheets = [s for s in book.sheetnames if s.startswith("interactions")]
    assert sheets == ["interactions", "interactions (2)", "interactions (3)"]
    ids = [r[0].value for s in sheets for r in book[s].iter_rows(min_row=2)]
    assert ids == frame["interaction_id"].tolist()
    notes = [c.value for row in book["summary"].iter_rows() for c in row if c.value]
    assert any("split into 3 sheets" in str(n) for n in notes)
