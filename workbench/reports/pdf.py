"""The PDF report: the HTML report printed by Debian's chromium, for people who mail reports."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from workbench._chromium import HEADLESS
from workbench.errors import WorkbenchError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    *HEADLESS,
    "--no-pdf-header-footer",
    # plotly draws after the page loads: give its scripts time before printing
    "--virtual-time-budget=15000",
    "--run-all-compositor-stages-before-draw",
)


def browser() -> str:
    """The chromium to print with: ``WORKBENCH_CHROMIUM`` if set, else the first on PATH."""
    given = os.environ.get("WORKBENCH_CHROMIUM")
    if given:
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise WorkbenchError(
        "--format pdf: needs chromium to print the report (Debian: apt install chromium)"
    )


def print_pdf(html: Path, output: Path, timeout: float | None = None) -> Path:
    """Print the standalone ``html`` file to ``output`` with headless chromium (``timeout``:
    two minutes, and one more per megabyte of the page beyond the charts' script)."""
    if timeout is None:
        timeout = 120 + 60 * max(0.0, html.stat().st_size / 2**20 - 5)
    with tempfile.TemporaryDirectory(prefix="workbench-pdf-") as profile:
        try:
            done = subprocess.run(
                [
                    browser(),
                    *FLAGS,
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={output}",
                    html.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise WorkbenchError(
                f"--format pdf: chromium did not finish printing the report in {timeout:.0f} s "
                "(a shorter period, or --format html, prints sooner)"
            ) from None
    if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise WorkbenchError(f"--format pdf: chromium could not print the report: {last}")
    return output
