"""CSV for both audiences: ids are quoted text; ``--for data`` reads back in pandas as the
ledger; ``--for excel`` opened by a spreadsheet runs nothing and keeps every digit of an id."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests.conftest import require
from tests.report_store import HOSTILE_NAME, HOSTILE_TEXT, HOSTILE_TWEET, make_store
from tests.test_cli import workbench
from workbench.analytics import ledger
from workbench.store import Store

IDS = ["interaction_id", "tweet_id", "previous_id", "contact"]
TIMES = ["arrived_at", "offered_at", "accepted_at", "first_reply_at", "done_at"]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_store(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("csv")
    out: dict[str, Path] = {}
    said: dict[str, str] = {}
    for audience in ("excel", "data"):
        path = folder / f"{audience}.csv"
        done = workbench(
            "report", "--db-url", store_url, "--format", "csv", "--for", audience,
            "--output", str(path), "--quiet",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        out[audience] = path
        said[audience] = done.stderr
    (folder / "stderr.json").write_text(json.dumps(said))
    out["stderr"] = folder / "stderr.json"
    return out


def _expected(store_url: str) -> pd.DataFrame:
    store = Store(store_url)
    try:
        return ledger(store=store)
    finally:
        store.close()


def test_ids_are_quoted_text_in_both(exports):
    for audience in ("excel", "data"):
        text = exports[audience].read_text(encoding="utf-8")
        assert not re.search(r"(^|,)\d{12,}(,|\r?$)", text, re.M), audience  # never a bare number
        assert (
            f'"{HOSTILE_TWEET}"' in text if audience == "data" else f'"\'{HOSTILE_TWEET}"' in text
        )


def test_for_data_reads_back_in_pandas_as_the_ledger(exports, store_url):
    """The README's way of reading it: ids as strings, times as UTC times."""
    back = pd.read_csv(
        exports["data"], dtype=dict.fromkeys(IDS, "string"), parse_dates=TIMES, keep_default_na=True
    )
    expected = _expected(store_url)
    assert list(back.columns[: len(expected.columns)]) == list(expected.columns)
    assert len(back) == len(expected) > 200
    for column in expected.columns:
        got, want = back[column], expected[column]
        if column in TIMES:
            assert str(got.dt.tz) == "UTC", column
            pd.testing.assert_series_equal(
                got.astype("datetime64[us, UTC]"), want, check_names=False
            )
        elif pd.api.types.is_numeric_dtype(want.dtype) or want.dtype == bool:
            assert np.allclose(got.astype(float), want.astype(float), equal_nan=True), column
        else:  # pandas reads an empty text ("" in the file) as missing, as a text not there
            mine, theirs = got.astype(object).fillna(""), want.astype(object).fillna("")
            assert mine.tolist() == theirs.tolist(), column
    # the customer's words as they are: an @mention stays an @mention, a formula a formula
    assert back["text"].str.startswith("@").any() and not back["text"].str.startswith("'").any()
    assert HOSTILE_TEXT in back["text"].tolist() and HOSTILE_NAME in back["contact_name"].tolist()


def test_for_data_warns_it_is_not_for_a_spreadsheet(exports):
    said = json.loads(exports["stderr"].read_text())
    assert "not safe to open in a spreadsheet" in said["data"] and said["data"].count("\n") == 1
    assert said["excel"] == ""


def _spreadsheet(csv: Path, folder: Path) -> Path:
    """``csv`` opened by a spreadsheet (LibreOffice Calc, headless, as Excel opens a CSV: UTF-8,
    comma-separated, quoted numbers read as numbers), saved as .xlsx."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    require(office is not None, "LibreOffice (libreoffice-calc-nogui) opens the CSV")
    assert office is not None
    profile = folder / "profile"
    done = subprocess.run(
        [
            office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
            "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(folder), str(csv),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = folder / (csv.stem + ".xlsx")
    assert done.returncode == 0 and out.exists(), done.stderr + done.stdout
    return out


def test_for_excel_opened_by_a_spreadsheet_runs_nothing_and_keeps_the_ids(
    exports, store_url, tmp_path
):
    book = openpyxl.load_workbook(_spreadsheet(exports["excel"], tmp_path))
    sheet = book.active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    header = [c.value for c in sheet[1]]
    column = header.index("tweet_id")
    ids = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert all(v is None or isinstance(v, str) for v in ids)  # never a (rounded) number
    expected = _expected(store_url)["tweet_id"].astype(object)
    assert [v.lstrip("'") if v else None for v in ids] == expected.where(
        expected.notna(), None
    ).tolist()
    texts = [row[header.index("text")].value for row in sheet.iter_rows(min_row=2)]
    assert "'" + HOSTILE_TEXT in texts  # shown, not run


def test_pandas_reading_a_spreadsheet_csv_sees_the_marks(exports):
    """The excel file is for spreadsheets: its marks are data to pandas (hence --for data)."""
    back = pd.read_csv(exports["excel"], dtype=dict.fromkeys(IDS, "string"))
    assert back["tweet_id"].dropna().str.startswith("'").all()
