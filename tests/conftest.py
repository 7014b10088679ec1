"""Shared fixtures: real stores (a SQLite file, a PostgreSQL database), never mocks of our code.

Under CI (``CI=true``) a test that would skip for a missing component fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import Cluster, create_database

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` is false; under CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server: WORKBENCH_TEST_PG_URL, or a cluster started for this run."""
    given = os.environ.get("WORKBENCH_TEST_PG_URL")
    if given:
        yield given
        return
    try:
        cluster = Cluster().start()
    except (FileNotFoundError, OSError) as exc:
        require(False, f"PostgreSQL is not available: {exc}")
        return
    except Exception as exc:  # initdb/pg_ctl failed: say why
        detail = getattr(exc, "stderr", "") or str(exc)
        require(False, f"PostgreSQL cluster did not start: {detail.strip()[:300]}")
        return
    os.environ["WORKBENCH_TEST_PG_URL"] = cluster.url()
    try:
        yield cluster.url()
    finally:
        os.environ.pop("WORKBENCH_TEST_PG_URL", None)
        cluster.stop()


def new_postgres_database(server_url: str) -> str:
    return create_database(server_url, f"wb_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store URL on each database the workbench supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workbench.db'}"
    server = request.getfixturevalue("postgres_server")
    return new_postgres_database(server)


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from workbench.store import Store

    s = Store(db_url)
    s.load_reference_data()
    yield s
    s.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workbench.db'}"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the checkout (labelled tweets, read in place, never copied)."""
    path = SHARED / "data"
    require(path.is_dir(), f"{path} is absent: the labelled tweet sets are not on this machine")
    return path


@pytest.fixture
def ann(store, tmp_path):
    """Agent Ann's workspace on the test's store (the workspace tests' first agent)."""
    from tests.test_workspace import settings
    from workbench.workspace import Workspace

    ws = Workspace(
        "ann", store=store, display_name="Ann Lee", mail_dir=tmp_path / "mail", settings=settings()
    )
    yield ws
    ws.close()


@pytest.fixture
def bob(store, tmp_path):
    """Agent Bob's workspace on the test's store."""
    from tests.test_workspace import settings
    from workbench.workspace import Workspace

    ws = Workspace("bob", store=store, mail_dir=tmp_path / "mail", settings=settings())
    yield ws
    ws.close()


def accepted_by_x(store) -> int:
    """What an outbox worker does when X accepts every send: claim the due rows and mark them
    sent (with their ``answered``/``sent`` events). For tests whose desk sends to no X; how
    many rows it marked."""
    from workbench.store.outbox import Sent

    rows = store.outbox.claim(1000, 30.0)
    store.outbox.finish(
        sent=[Sent(r, {"id": str(9_000_000 + r.id)}, str(9_000_000 + r.id)) for r in rows]
    )
    return len(rows)
