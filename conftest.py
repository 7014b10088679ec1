"""Before anything runs (tests, notebooks under nbval, child processes): a scratch store and an
empty scratch model folder, so no test ever touches the user's own data or classifies with a model
the user trained."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pytest_configure(config: object) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="workbench-tests-"))
    if "WORKBENCH_DB_URL" not in os.environ:
        os.environ["WORKBENCH_DB_URL"] = f"sqlite:///{scratch / 'workbench.db'}"
    os.environ["WORKBENCH_MODEL_DIR"] = str(scratch / "models")
    os.environ.pop("WORKBENCH_X_API_URL", None)
