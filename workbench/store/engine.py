"""Open the store: an engine for the URL, checked, migrated to the newest schema."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from workbench.errors import ConfigError, StoreError
from workbench.store._json import dumps
from workbench.store.changes import install_notify

SETTING = "WORKBENCH_DB_URL"
# Migrations are routine; say nothing unless something goes wrong.
logging.getLogger("alembic").setLevel(logging.WARNING)
_MIGRATIONS = Path(__file__).with_name("migrations")


def safe_url(url: str) -> str:
    """The URL with its password hidden, fit for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema version this workbench knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" below issues BEGIN IMMEDIATE so that
    # concurrent writers queue on the lock instead of failing midway with "database is locked".
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=60000")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wal(cursor: Any, patience: float = 60.0) -> None:
    """Switch a fresh file to WAL. The switch needs the file to itself and SQLite answers "database
    is locked" at once, without waiting, while another process is setting the same fresh file
    up (several kernels opening a new store together): try again for a while."""
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


READ_ONLY = "workbench_read_only"
"""Execution option of a connection that only reads (``Store.read``): on SQLite its transaction
begins DEFERRED, so it takes no write lock and, in WAL mode, never blocks a writer."""


def _sqlite_begin(connection: Any) -> None:
    # Writers begin IMMEDIATE: they queue on the write lock at BEGIN (busy_timeout) instead of
    # failing with "database is locked" when a read-then-write transaction finds a newer commit.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create(url: str) -> Engine:
    """An engine for ``url`` (already parsed by the settings), not yet checked."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(SETTING, f"cannot parse {safe_url(url)!r} as a database URL") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 60}, json_serializer=dumps)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 5},
                json_serializer=dumps,
            )
            install_notify(engine)
        else:
            raise ConfigError(SETTING, f"unsupported database {parsed.get_backend_name()!r}")
    except NoSuchModuleError:
        raise ConfigError(SETTING, f"no driver for {parsed.drivername!r}") from None
    return engine


_SETUP_LOCK = 7_406_211  # any constant: the advisory lock key of schema and reference-data setup


def serialize_setup(conn: Connection) -> None:
    """Let one process at a time set the store up (migrate, load reference data).

    SQLite's BEGIN IMMEDIATE already does; PostgreSQL takes a transaction-scoped advisory lock.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SETUP_LOCK})")


def current_revision(engine: Engine) -> str | None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest version; refuse a store newer than this workbench."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        raise StoreError(f"{SETTING}: cannot open {safe_url(str(engine.url))}: {reason}") from None
    script = ScriptDirectory.from_config(_alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise StoreError(
            f"{SETTING}: the store at {safe_url(str(engine.url))} has schema version {current}, "
            f"newer than this workbench knows (up to {script.get_current_head()}); "
            "upgrade the workbench"
        )
    if current == script.get_current_head():
        return
    config = _alembic_config()
    with engine.begin() as conn:
        serialize_setup(conn)  # alembic reads the version again once the lock is held
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
