from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.ledger_sample import sample_ledger
from workbench.errors import ValidationError
from workbench.reports import export, figures, summarize
from workbench.reports.export import between


@pytest.fixture
def ledger():
    return sample_ledger()


def test_summary_counts_agree_with_the_rows(ledger):
    s = summarize(ledger)
    assert s.arrived == len(ledger)
    assert s.done == (ledger["state"] == "done").sum()
    assert s.waiting + s.in_progress + s.done == len(ledger)
    assert s.median_first_response_seconds == ledger["first_response_seconds"].median()
    assert 0 <= s.service_level <= 1


def test_summary_of_an_empty_ledger(ledger):
    s = summarize(ledger.iloc[:0])
    assert (s.arrived, s.median_first_response_seconds, s.service_level) == (0, None, None)


@pytest.mark.parametrize("name", list(figures.ALL))
def test_each_figure_is_built_complete(ledger, name):
    fig = figures.ALL[name](ledger)
    assert fig.layout.title.text
    assert len(fig.data) >= 1
    empty = figures.ALL[name](ledger.iloc[:0])
    assert empty.layout.title.text == fig.layout.title.text


def test_volume_adds_up(ledger):
    fig = figures.volume(ledger)
    assert sum(sum(trace.y) for trace in fig.data) == len(ledger)


def test_queue_chart_shows_only_open_interactions(ledger):
    fig = figures.queues(ledger)
    assert sum(sum(trace.y) for trace in fig.data) == (ledger["state"] != "done").sum()


def test_between_filters_by_arrival(ledger):
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    end = datetime(2026, 3, 2, 12, tzinfo=UTC)
    rows = between(ledger, start, end)
    assert len(rows) and rows["arrived_at"].min() >= start and rows["arrived_at"].max() < end


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_round_trips(ledger, tmp_path, fmt):
    path = export(ledger, fmt, tmp_path / f"out.{fmt}")
    if fmt == "csv":
        back = pd.read_csv(path)
        assert list(back["interaction_id"].str.len().unique()) == [32]
    elif fmt == "xlsx":
        back = pd.read_excel(path, sheet_name="interactions")
        assert "arrived_at (UTC)" in back.columns
        assert set(pd.read_excel(path, sheet_name="summary")["figure"]) >= {"arrived", "done"}
    else:
        back = pd.read_parquet(path)
        assert back["arrived_at"].dt.tz is not None
        pd.testing.assert_frame_equal(back, ledger, check_dtype=False)
    assert len(back) == len(ledger)
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{fmt}"]


def test_export_refuses_bad_format_and_missing_folder(ledger, tmp_path):
    with pytest.raises(
        ValidationError, match="--format: must be one of csv, xlsx, parquet, html, pdf"
    ):
        export(ledger, "docx", tmp_path / "x.docx")
    with pytest.raises(ValidationError, match="--output: folder .* does not exist"):
        export(ledger, "csv", tmp_path / "nope" / "x.csv")


def test_html_report_runs_the_notebook_without_code(ledger, tmp_path):
    path = export(ledger, "html", tmp_path / "report.html")
    body = path.read_text()
    assert "Care desk report" in body and "Headline figures" in body
    assert "median first response" in body
    assert "papermill and converts it" not in body  # the notebook's own intro is left out
    assert "ledger_path = None" not in body  # no code
    assert body.count("plotly-graph-div") >= 5


def test_classifier_kept_counts_finished_interactions_without_corrections(ledger):
    assert summarize(ledger).classifier_kept is None  # no corrections column
    frame = ledger.assign(corrections=0)
    done = frame.index[frame["state"] == "done"]
    frame.loc[done[:4], "corrections"] = 1
    kept = summarize(frame).classifier_kept
    assert kept == pytest.approx(1 - 4 / len(done))
    assert ("classifier kept by agents", f"{kept:.0%}") in summarize(frame).rows()


@pytest.mark.parametrize("name", ["volume", "sentiment"])
def test_a_lone_time_bucket_is_drawn_as_wide_as_its_bucket(name):
    ledger = sample_ledger(1)  # one interaction: one bucket, no gap to size the bar by
    bars = [t for t in figures.ALL[name](ledger).data if t.x is not None and len(t.x)]
    assert bars and all(t.width == pytest.approx(5 * 60 * 1000 * 0.9) for t in bars)


def test_the_busiest_hour_of_one_interaction_says_interaction():
    from workbench.reports.summary import narrative

    text = " ".join(narrative(sample_ledger(1)).sentences())
    assert "with 1 interaction." in text
