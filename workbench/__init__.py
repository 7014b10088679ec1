"""Workbench: handle customer tweets and DMs in JupyterLab, and see how the work goes."""

from __future__ import annotations

__version__ = "0.1.0"
