"""Before anything runs (tests, notebooks under nbval, child processes): a scratch store, so no
test ever touches the user's own data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pytest_configure(config: object) -> None:
    if "WORKBENCH_DB_URL" not in os.environ:
        scratch = Path(tempfile.mkdtemp(prefix="workbench-tests-"))
        os.environ["WORKBENCH_DB_URL"] = f"sqlite:///{scratch / 'workbench.db'}"
    os.environ.pop("WORKBENCH_X_API_URL", None)
