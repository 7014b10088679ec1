"""Debian's chromium, headless, with the flags this workplace needs: one list for the PDF
report, the shift bench and the browser tests."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
"""The chromium the bench and the browser tests drive (``CHROME_BIN`` to choose another)."""
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Headless, no sandbox (root in a container), no GPU, and nothing that calls out."""
