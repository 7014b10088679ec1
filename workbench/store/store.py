"""The store: every use case is one transaction over the tables of ``schema.py``.

The event log is append-only and is the truth; the ``interactions`` row is its current summary,
written in the same transaction as the events that changed it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, null, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from workbench.domain import (
    Action,
    Contact,
    Disposition,
    Event,
    Interaction,
    State,
    TranscriptEntry,
    utcnow,
)
from workbench.errors import Said, StoreError
from workbench.store import engine as _engine
from workbench.store import schema as t
from workbench.store._bulk import (
    PerDialect,
    _processor,
    among,
    fetch,
    insert_many,
    insert_rows,
    json_list,
    on_driver,
)
from workbench.store._rows import (
    EVENT_KEYS,
    NEW_KEYS,
    SAVE_KEYS,
    SAVED_KEYS,
    TRANSCRIPT_KEYS,
    action_value,
    contact_from_row,
    contact_row,
    event_from_row,
    event_row,
    interaction_from_row,
    interaction_row,
    new_interaction_values,
    saved_values,
    transcript_row,
    transcript_values,
)
from workbench.store.changes import ChangeFeed

if TYPE_CHECKING:
    from workbench.store.agents import AgentTable
    from workbench.store.costs import ApiCallTable
    from workbench.store.intake import IntakeTables
    from workbench.store.ledger import LedgerReads
    from workbench.store.outbox import OutboxTable
    from workbench.store.reads import Reads
    from workbench.store.reports import Reports
    from workbench.store.routing import RoutingTables
    from workbench.store.screening import ScreeningTables
    from workbench.store.supervision import SupervisionReads
    from workbench.store.tokens import TokenTable
    from workbench.store.training import Corrections

# The interaction's timestamp column each event action sets (declared by ``Action.stamp``).
_STAMPS = {a.value: a.stamp for a in Action if a.stamp is not None}
_FIRST_ONLY = {a.stamp for a in Action if a.stamp is not None and a.stamps_first_only}
# The columns each event action empties (``Action.clears``).
_CLEARS = {a.value: frozenset(a.clears) for a in Action if a.clears}
_Shape = tuple[frozenset[str], frozenset[str]]
"""What a save's UPDATE sets besides the saved columns: the stamp columns (each a parameter)
and the columns it empties."""


# Statements built once (building one per call costs more than running it on SQLite).
_BY_ID = select(t.interactions).where(t.interactions.c.id == bindparam("iid"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_BY_IDS = PerDialect(lambda d: select(t.interactions).where(among(t.interactions.c.id, "ids", d)))
_INSERT_EVENT = insert(t.events)
_INSERT_TRANSCRIPT = insert(t.transcript)
_SAVES: dict[_Shape, Any] = {}
_SAVE_PARAMS = (*SAVE_KEYS, "v_expected")
_SAVES_COMPILED: dict[tuple[str, _Shape], tuple[str, list[tuple[int, Any]], Any]] = {}


def _save_statement(shape: _Shape) -> Any:
    """The UPDATE of an interaction's row (checking its version), setting these stamp columns
    too and emptying those columns; one per shape, built once. Parameters: ``v_<column>`` and
    ``v_expected``."""
    found = _SAVES.get(shape)
    if found is None:
        stamps, clears = shape
        c = t.interactions.c
        values: dict[str, Any] = {k: bindparam(f"v_{k}", type_=c[k].type) for k in SAVED_KEYS}
        for column in stamps:
            given = bindparam(f"v_{column}", type_=c[column].type)
            values[column] = func.coalesce(c[column], given) if column in _FIRST_ONLY else given
        for column in clears:
            values[column] = null()
        found = _SAVES[shape] = (
            update(t.interactions)
            .where(c.id == bindparam("v_id"), c.version == bindparam("v_expected"))
            .values(values)
        )
    return found


def _compiled_save(dialect: Any, shape: _Shape) -> tuple[str, list[tuple[int, Any]], Any]:
    """``_save_statement`` compiled for a positional driver: its SQL, the conversion of each
    parameter its type converts, and where each parameter is in a row of ``_update_rows``."""
    key = (dialect.name, shape)
    found = _SAVES_COMPILED.get(key)
    if found is None:
        compiled = _save_statement(shape).compile(dialect=dialect)
        names = (*_SAVE_PARAMS, *(f"v_{c}" for c in sorted(shape[0])))
        order = [names.index(p) for p in compiled.positiontup or ()]
        convert = [
            (k, p)
            for k, p in enumerate(
                _processor(compiled.binds[name].type, dialect)
                for name in compiled.positiontup or ()
            )
            if p is not None
        ]
        found = _SAVES_COMPILED[key] = (str(compiled), convert, itemgetter(*order))
    return found


_EVENT_PARAMS = ("e_at", "e_agent", "e_action", "e_details")
_SAVES_WITH_EVENT: dict[_Shape, Any] = {}


def _save_with_event_statement(shape: _Shape) -> Any:
    """PostgreSQL: ``_save_statement`` and the insert of the change's one event in one
    statement (the event is inserted only where the row was updated), built once. Parameters:
    those of ``_save_statement`` and ``e_at``, ``e_agent``, ``e_action``, ``e_details``."""
    found = _SAVES_WITH_EVENT.get(shape)
    if found is None:
        e = t.events.c
        saved = _save_statement(shape).returning(t.interactions.c.id).cte("saved")
        event = select(
            bindparam("e_at", type_=e.at.type),
            saved.c.id,
            bindparam("e_agent", type_=e.agent.type),
            bindparam("e_action", type_=e.action.type),
            bindparam("e_details", type_=e.details.type),
        )
        found = _SAVES_WITH_EVENT[shape] = insert(t.events).from_select(
            ["at", "interaction_id", "agent", "action", "details"], event
        )
    return found


_NAMED: dict[tuple[str, _Shape, bool], tuple[str, tuple[str, ...], list[Any]]] = {}


def _compiled_named(
    dialect: Any, shape: _Shape, with_event: bool
) -> tuple[str, tuple[str, ...], list[Any]]:
    """The save statement compiled for a driver of named parameters (PostgreSQL): its SQL, the
    names of a row's values, and the conversion of each parameter its type converts."""
    key = (dialect.name, shape, with_event)
    found = _NAMED.get(key)
    if found is None:
        names: tuple[str, ...] = (*_SAVE_PARAMS, *(f"v_{c}" for c in sorted(shape[0])))
        if with_event:
            names = (*names, *_EVENT_PARAMS)
            statement = _save_with_event_statement(shape)
        else:
            statement = _save_statement(shape)
        compiled = statement.compile(dialect=dialect)
        processors = [
            (name, process)
            for name, bind in compiled.binds.items()
            if (process := bind.type._cached_bind_processor(dialect)) is not None
        ]
        found = _NAMED[key] = (str(compiled), names, processors)
    return found


def _update_rows(
    conn: Connection, shape: _Shape, rows: list[tuple[Any, ...]], with_event: bool
) -> int:
    """Run the version-checked UPDATE for each row (``_SAVE_PARAMS``, the stamps sorted, then
    with ``with_event`` the ``_EVENT_PARAMS`` of its one event), in one executemany; how many
    rows it updated. On SQLite straight through the driver."""
    if conn.dialect.name != "sqlite":
        sql, names, processors = _compiled_named(conn.dialect, shape, with_event)
        params = []
        for r in rows:
            given = dict(zip(names, r, strict=True))
            for name, process in processors:
                given[name] = process(given[name])
            params.append(given)
        # Through the driver: SQLAlchemy reports no row count for an INSERT fed by a CTE.
        return int(conn.exec_driver_sql(sql, params).rowcount)
    sql, convert, order = _compiled_save(conn.dialect, shape)
    ordered = [list(order(r)) for r in rows]
    for row in ordered:
        for k, process in convert:
            row[k] = process(row[k])
    return on_driver(conn, sql, ordered, many=True)[1]


def _conflict(
    conn: Connection, changes: Sequence[tuple[Interaction, int, Change]]
) -> ConflictError:
    """The error naming the interactions of ``changes`` whose version is not the one expected
    (read after the batch was undone)."""
    expected = {it.id: version for it, version, _ in changes}
    found = dict(
        conn.execute(
            select(t.interactions.c.id, t.interactions.c.version).where(
                t.interactions.c.id.in_(list(expected))
            )
        ).all()
    )
    changed = [i for i, v in expected.items() if found.get(i) != v] or list(expected)
    return ConflictError(
        f"interaction{'s' if len(changed) > 1 else ''} {', '.join(changed)} "
        f"{'were' if len(changed) > 1 else 'was'} changed by someone else; try again"
    )


def _upsert(conn: Connection) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_pg

        return insert_pg(t.contacts)
    from sqlalchemy.dialects.sqlite import insert as insert_sqlite

    return insert_sqlite(t.contacts)


class ConflictError(StoreError):
    """Someone else changed the interaction first (optimistic concurrency)."""

    said = Said("Someone changed this interaction at the same moment: try again.")


class NotFoundError(StoreError, KeyError):
    """No such row; names what was looked for."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Change:
    """What a use case produces: events to log, transcript lines, and whether to save."""

    events: list[Event] = field(default_factory=list)
    transcript: list[TranscriptEntry] = field(default_factory=list)


_ID_LOCK = threading.Lock()
_last_id = 0


def new_ids(n: int) -> list[str]:
    """``n`` new opaque ids: 32 hex digits laid out as a UUIDv7 (48-bit Unix time in ms, then
    74 random bits, counting up within a millisecond). Ids made later sort after the earlier ones
    of this process, so the indexes on them grow at their right edge instead of splitting pages
    at random as uuid4 ids do."""
    global _last_id
    ms = time.time_ns() // 1_000_000 << 74
    noise = os.urandom(10 * n)
    values = [ms | int.from_bytes(noise[k : k + 10]) >> 6 for k in range(0, 10 * n, 10)]
    with _ID_LOCK:
        last = _last_id
        for k, value in enumerate(values):
            if value <= last:
                value = values[k] = last + 1
            last = value
        _last_id = last
    return [
        f"{v >> 74 << 80 | 0x7 << 76 | (v >> 62 & 0xFFF) << 64 | 0b10 << 62 | v & _LOW_62:032x}"
        for v in values
    ]


_LOW_62 = (1 << 62) - 1


def new_id() -> str:
    """A new opaque id (see ``new_ids``)."""
    return new_ids(1)[0]


# What X may change about a contact; ingest refreshes these (phone and e-mail are the record's).
# Built once (ingest sets a cursor or two in every page's transaction).
_SET_CURSOR = (
    update(t.cursors)
    .where(t.cursors.c.name == bindparam("_name"))
    .values(value=bindparam("value"), updated_at=bindparam("updated_at"))
)
_CONTACT_REFRESH = (
    "username",
    "name",
    "followers_count",
    "statuses_count",
    "follows_brand",
    "dm_open",
    "verified",
)
_contact_refresh = attrgetter(*_CONTACT_REFRESH)
# The columns of the ids that open an interaction; each is unique (ingest is idempotent on them).
_SOURCES = ("tweet_id", "dm_event_id", "post_key")


def _known_sources(column: str) -> PerDialect:
    """Which of the ids bound to ``s`` (a JSON list) already opened an interaction."""
    c = t.interactions.c[column]
    return PerDialect(lambda d: select(c).where(among(c, "s", d)))


_KNOWN_SOURCES = {column: _known_sources(column) for column in _SOURCES}
_SOURCE_EXISTS = {
    column: select(t.interactions.c.id).where(t.interactions.c[column] == bindparam("s"))
    for column in _SOURCES
}


def _source(it: Interaction) -> tuple[str, str] | None:
    """The column and id of what opened ``it`` (a tweet, a DM event, a post's outbox key)."""
    if it.tweet_id is not None:
        return "tweet_id", it.tweet_id
    if it.dm_event_id is not None:
        return "dm_event_id", it.dm_event_id
    if it.post_key is not None:
        return "post_key", it.post_key
    return None


_KNOWN_CONTACTS = PerDialect(
    lambda d: select(
        t.contacts.c.id,
        t.contacts.c.phone,
        t.contacts.c.email,
        *(t.contacts.c[k] for k in _CONTACT_REFRESH),
    ).where(among(t.contacts.c.id, "ids", d))
)


class Store:
    """The workbench's durable state, on SQLite (default) or PostgreSQL."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        if url is None:
            from workbench.config import Settings

            url = Settings.from_env().db_url
        self.url = url
        self.engine: Engine = _engine.create(url)
        if migrate:
            _engine.migrate(self.engine)

    def __repr__(self) -> str:
        return f"Store({_engine.safe_url(self.url)!r})"

    @cached_property
    def reports(self) -> Reports:
        """What exports read beyond the ledger (transcripts of many interactions)."""
        from workbench.store.reports import Reports

        return Reports(self)

    @cached_property
    def reads(self) -> Reads:
        """The reads of an agent's desk (``workbench.store.reads``)."""
        from workbench.store.reads import Reads

        return Reads(self)

    @cached_property
    def agents(self) -> AgentTable:
        """The agents table: registration, state, heartbeat, how many interactions each holds."""
        from workbench.store.agents import AgentTable

        return AgentTable(self)

    @cached_property
    def routing(self) -> RoutingTables:
        """Queues, routing rules and the router's queries."""
        from workbench.store.routing import RoutingTables

        return RoutingTables(self)

    @cached_property
    def screening(self) -> ScreeningTables:
        """The screening rules ingest applies to arriving messages."""
        from workbench.store.screening import ScreeningTables

        return ScreeningTables(self)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @cached_property
    def training(self) -> Corrections:
        """Agents' corrections of the classifier, for ``workbench train``."""
        from workbench.store.training import Corrections

        return Corrections(self)

    @cached_property
    def ledger(self) -> LedgerReads:
        """The ledger's reads (``workbench.store.ledger``)."""
        from workbench.store.ledger import LedgerReads

        return LedgerReads(self)

    @cached_property
    def supervision(self) -> SupervisionReads:
        """The supervisor dashboard's reads (``workbench.store.supervision``)."""
        from workbench.store.supervision import SupervisionReads

        return SupervisionReads(self)

    def changes(self) -> ChangeFeed:
        """A feed whose ``wait(timeout)`` returns as soon as any process appends an event (see
        ``workbench.store.changes``); close it when done."""
        return ChangeFeed(self.url)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads only: on SQLite it takes no write lock, so a reader that holds
        it (a notebook cell, a long report) never blocks an agent's write. Writes go through
        ``transaction``."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_engine.READ_ONLY: True})
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: everything in it is written, or nothing is."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            if exc.connection_invalidated or "connect" in str(exc.orig).lower():
                raise StoreError(
                    f"WORKBENCH_DB_URL: lost the database at {_engine.safe_url(self.url)}: "
                    f"{str(exc.orig).strip().splitlines()[0]}; nothing of this change was written"
                ) from None
            raise

    @cached_property
    def intake(self) -> IntakeTables:
        """Ingest's reads and writes: quarantine, cursors, threading lookups."""
        from workbench.store.intake import IntakeTables

        return IntakeTables(self)

    @cached_property
    def tokens(self) -> TokenTable:
        """The brand accounts' OAuth 2.0 tokens (``workbench auth``; secret, never shown)."""
        from workbench.store.tokens import TokenTable

        return TokenTable(self)

    @cached_property
    def api_calls(self) -> ApiCallTable:
        """The X calls made and what each cost: batch writes, the day's spend."""
        from workbench.store.costs import ApiCallTable

        return ApiCallTable(self)

    @cached_property
    def outbox(self) -> OutboxTable:
        """The outbox rows: enqueue, claim, mark sent or failed, status."""
        from workbench.store.outbox import OutboxTable

        return OutboxTable(self)

    # --- contacts -------------------------------------------------------------------------

    def upsert_contact(self, contact: Contact, conn: Connection | None = None) -> None:
        """Insert or refresh a contact (counts change; the record's phone/e-mail are kept).
        One statement (INSERT ... ON CONFLICT), so processes doing it at once do not collide."""
        if conn is None:
            with self.transaction() as c:
                return self.upsert_contact(contact, c)
        row = contact_row(contact, utcnow())
        stmt = _upsert(conn).values(**row)
        columns = t.contacts.c
        fresh = {k: stmt.excluded[k] for k in row if k not in ("id", "phone", "email")}
        for kept in ("phone", "email"):
            fresh[kept] = func.coalesce(stmt.excluded[kept], columns[kept])
        conn.execute(stmt.on_conflict_do_update(index_elements=[columns.id], set_=fresh))
        return None

    def ensure_contact(self, contact: Contact, conn: Connection) -> None:
        """Insert the contact unless it is there already (by anyone, at any moment)."""
        stmt = _upsert(conn).values(**contact_row(contact, utcnow()))
        conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.contacts.c.id]))

    def contact(self, contact_id: str) -> Contact:
        with self.read() as conn:
            row = conn.execute(select(t.contacts).where(t.contacts.c.id == contact_id)).first()
        if row is None:
            raise NotFoundError(f"contact {contact_id!r} is not in the store")
        return contact_from_row(row)

    # --- interactions ---------------------------------------------------------------------

    def add_interaction(
        self,
        interaction: Interaction,
        contact: Contact | None = None,
        first_message: TranscriptEntry | None = None,
        conn: Connection | None = None,
    ) -> bool:
        """Store a new interaction with its arrival event; False if its source (tweet, DM event
        or post key) is already in."""
        if conn is None:
            with self.transaction() as c:
                return self.add_interaction(interaction, contact, first_message, c)
        source = _source(interaction)
        details: dict[str, Any] = {"channel": interaction.channel.value}
        if source is not None:
            column, value = source
            if conn.execute(_SOURCE_EXISTS[column], {"s": value}).first() is not None:
                return False
            details[column] = value
        if contact is not None:
            self.upsert_contact(contact, conn)
        conn.execute(insert(t.interactions), interaction_row(interaction))
        arrival = Event(Action.ARRIVED, interaction.id, at=interaction.arrived_at, details=details)
        conn.execute(insert(t.events), event_row(arrival))
        if first_message is not None:
            conn.execute(insert(t.transcript), transcript_row(first_message))
        return True

    def add_new_interactions(
        self,
        batch: Sequence[tuple[Interaction, Contact | None, TranscriptEntry | None]],
        conn: Connection | None = None,
    ) -> list[Interaction]:
        """``add_interaction`` for many at once, in one transaction (``conn``'s or a new one).

        Each interaction is stored with its arrival event, its contact (inserted, or refreshed
        when X shows it changed; the record's phone and e-mail are kept unless given) and its
        first transcript line. One whose source (tweet id, DM event id or post key) is already
        in, or earlier in ``batch``, is skipped. Returns the interactions stored, in ``batch``
        order.
        """
        if conn is None:
            with self.transaction() as c:
                return self.add_new_interactions(batch, c)
        if not batch:
            return []
        sources = [_source(it) for it, _, _ in batch]
        have: set[tuple[str, str] | None] = set()
        for column in {s[0] for s in sources if s is not None}:
            ids = list({s[1] for s in sources if s is not None and s[0] == column})
            found = fetch(conn, _KNOWN_SOURCES[column](conn), {"s": json_list(ids)})
            have.update((column, r[0]) for r in found)
        new: list[tuple[Interaction, Contact | None, TranscriptEntry | None]] = []
        new_sources: list[tuple[str, str] | None] = []
        for entry, source in zip(batch, sources, strict=True):
            if source is None or source not in have:
                if source is not None:
                    have.add(source)
                new.append(entry)
                new_sources.append(source)
        if not new:
            return []
        self._upsert_contacts(conn, {c.id: c for _, c, _ in new if c is not None})
        insert_rows(conn, t.interactions, NEW_KEYS, [new_interaction_values(i) for i, _, _ in new])
        arrivals = [
            (
                i.arrived_at,
                i.id,
                None,
                "arrived",
                {"channel": i.channel._value_, **({s[0]: s[1]} if s is not None else {})},
            )
            for (i, _, _), s in zip(new, new_sources, strict=True)
        ]
        insert_rows(conn, t.events, EVENT_KEYS, arrivals)
        lines = [transcript_values(m) for _, _, m in new if m is not None]
        insert_rows(conn, t.transcript, TRANSCRIPT_KEYS, lines)
        return [it for it, _, _ in new]

    @staticmethod
    def _upsert_contacts(conn: Connection, contacts: dict[str, Contact]) -> None:
        """Insert the new contacts; refresh the known ones whose X fields (or a given phone or
        e-mail) changed."""
        if not contacts:
            return
        c = t.contacts.c
        known: dict[str, tuple[Any, ...]] = {}
        found = fetch(conn, _KNOWN_CONTACTS(conn), {"ids": json_list(contacts)})
        known.update((r[0], tuple(r[1:])) for r in found)
        now = utcnow()
        insert_many(
            conn,
            t.contacts,
            [contact_row(x, now) for cid, x in contacts.items() if cid not in known],
        )
        refresh = []
        for cid, x in contacts.items():
            row = known.get(cid)
            if row is None:
                continue
            phone = row[0] if x.phone is None else x.phone
            email = row[1] if x.email is None else x.email
            wanted = (phone, email, *_contact_refresh(x))
            if wanted != row:
                refresh.append(
                    {
                        "_id": cid,
                        "_phone": x.phone,
                        "_email": x.email,
                        **{k: getattr(x, k) for k in _CONTACT_REFRESH},
                        "updated_at": now,
                    }
                )
        if refresh:
            conn.execute(
                update(t.contacts)
                .where(c.id == bindparam("_id"))
                .values(
                    {
                        **{k: bindparam(k) for k in (*_CONTACT_REFRESH, "updated_at")},
                        "phone": func.coalesce(bindparam("_phone"), c.phone),
                        "email": func.coalesce(bindparam("_email"), c.email),
                    }
                ),
                refresh,
            )

    def add_interactions(
        self,
        batch: Sequence[tuple[Interaction, Sequence[Event]]],
        transcript: Sequence[TranscriptEntry] = (),
    ) -> int:
        """Bulk-load interactions with their events (and transcript lines) in one transaction
        (history, imports, benchmarks)."""
        rows = [interaction_row(it) for it, _ in batch]
        event_rows = [event_row(e) for _, evs in batch for e in evs]
        with self.transaction() as conn:
            if rows:
                conn.execute(insert(t.interactions), rows)
            if event_rows:
                conn.execute(insert(t.events), event_rows)
            if transcript:
                insert_rows(
                    conn, t.transcript, TRANSCRIPT_KEYS, [transcript_values(e) for e in transcript]
                )
        return len(rows)

    def interaction(self, interaction_id: str, conn: Connection | None = None) -> Interaction:
        if conn is None:
            with self.read() as c:
                rows = fetch(c, _BY_ID, {"iid": interaction_id})
        else:
            query = _BY_ID_LOCKED if self.dialect == "postgresql" else _BY_ID
            rows = fetch(conn, query, {"iid": interaction_id})
        if not rows:
            raise NotFoundError(f"interaction {interaction_id!r} is not in the store")
        return interaction_from_row(rows[0])

    def interactions_of(self, conn: Connection, ids: Sequence[str]) -> dict[str, Interaction]:
        """id -> the interaction, for those of ``ids`` in the store, read in ``conn`` (not
        locked: for rows the transaction has already taken)."""
        if not ids:
            return {}
        rows = fetch(conn, _BY_IDS(conn), {"ids": json_list(ids)})
        return {r.id: interaction_from_row(r) for r in rows}

    def interactions(
        self, *, state: State | None = None, agent: str | None = None
    ) -> list[Interaction]:
        query = select(t.interactions).order_by(t.interactions.c.arrived_at)
        if state is not None:
            query = query.where(t.interactions.c.state == State(state).value)
        if agent is not None:
            query = query.where(t.interactions.c.agent == agent)
        with self.read() as conn:
            return [interaction_from_row(r) for r in conn.execute(query)]

    def apply(
        self,
        interaction_id: str,
        use_case: Callable[[Interaction, Connection], Change | Event | None],
    ) -> Interaction:
        """Run ``use_case`` on the interaction in one transaction and save what it changed.

        The row is locked (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE), so two
        processes never both change one interaction; the version check guards the rest.
        """
        with self.transaction() as conn:
            it = self.interaction(interaction_id, conn)
            before = it.version
            result = use_case(it, conn)
            change = Change(events=[result]) if isinstance(result, Event) else result or Change()
            self.save(conn, it, before, change)
        return it

    def save(
        self, conn: Connection, it: Interaction, expected_version: int, change: Change
    ) -> None:
        """Write the interaction's new state, its events and transcript lines (``save_many``
        of one)."""
        self.save_many(conn, ((it, expected_version, change),))

    def save_many(
        self, conn: Connection, changes: Sequence[tuple[Interaction, int, Change]]
    ) -> None:
        """Write many interactions' new states, their events and transcript lines, in bulk.

        Each item is (interaction as changed, the version it was read at, what changed). The
        rows are updated only where their version is still the one read; the timestamp columns
        the events' actions declare (``Action.stamp``) are set by the first such event of the
        change, and those that keep the first time (``stamps_first_only``) are set only when
        empty; the columns they empty (``Action.clears``) are emptied. When a version check
        fails nothing of the batch is written and ConflictError names the interactions someone
        else changed.
        """
        if not changes:
            return
        # PostgreSQL: a change of one event saves it in the UPDATE's statement (a round trip
        # less); the event's interaction is the one saved.
        with_event = conn.dialect.name == "postgresql" and all(
            len(c.events) == 1 and not c.transcript and c.events[0].interaction_id == it.id
            for it, _, c in changes
        )
        groups: dict[_Shape, list[tuple[Any, ...]]] = {}
        events: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for it, expected, change in changes:
            stamps: dict[str, datetime] = {}
            clears: frozenset[str] = frozenset()
            for e in change.events:
                column = _STAMPS.get(e.action)  # a str enum hashes as its value
                if column is not None and column not in stamps:
                    stamps[column] = e.at
                emptied = _CLEARS.get(e.action)
                if emptied is not None:
                    clears |= emptied
                events.append((e.at, e.interaction_id, e.agent, action_value(e.action), e.details))
            key = (frozenset(stamps), clears)
            row = (*saved_values(it), expected, *(stamps[c] for c in sorted(key[0])))
            if with_event:
                at, _, agent, action, details = events.pop()
                row = (*row, at, agent, action, details)
            groups.setdefault(key, []).append(row)
            lines.extend(transcript_values(e) for e in change.transcript)
        if len(changes) == 1:
            ((key, rows),) = groups.items()
            if _update_rows(conn, key, rows, with_event) != 1:
                raise ConflictError(
                    f"interaction {changes[0][0].id} was changed by someone else; try again"
                )
        else:
            batch = conn.begin_nested()  # a failed check undoes the rows already updated
            for key, rows in groups.items():
                if _update_rows(conn, key, rows, with_event) != len(rows):
                    batch.rollback()
                    raise _conflict(conn, changes)
            batch.commit()
        insert_rows(conn, t.events, EVENT_KEYS, events)
        insert_rows(conn, t.transcript, TRANSCRIPT_KEYS, lines)

    # --- log and transcript ---------------------------------------------------------------

    def append_event(self, event: Event, conn: Connection | None = None) -> None:
        if conn is None:
            with self.transaction() as c:
                return self.append_event(event, c)
        conn.execute(_INSERT_EVENT, event_row(event))
        return None

    def events(self, interaction_id: str | None = None) -> list[Event]:
        query = select(t.events).order_by(t.events.c.id)
        if interaction_id is not None:
            query = query.where(t.events.c.interaction_id == interaction_id)
        with self.read() as conn:
            return [event_from_row(r) for r in conn.execute(query)]

    def add_transcript(self, entry: TranscriptEntry, conn: Connection | None = None) -> None:
        if conn is None:
            with self.transaction() as c:
                return self.add_transcript(entry, c)
        conn.execute(insert(t.transcript), transcript_row(entry))
        return None

    def transcript(self, interaction_id: str) -> list[TranscriptEntry]:
        """The interaction's transcript (``store.reads.transcript``: in order, with each send's
        state)."""
        return self.reads.transcript(interaction_id)

    # --- reference data -------------------------------------------------------------------

    def dispositions(self) -> list[Disposition]:
        with self.read() as conn:
            rows = conn.execute(select(t.dispositions).order_by(t.dispositions.c.code))
            return [Disposition(r.code, r.label, bool(r.no_action)) for r in rows]

    def standard_responses(self) -> dict[str, str]:
        with self.read() as conn:
            rows = conn.execute(select(t.standard_responses).order_by(t.standard_responses.c.name))
            return {r.name: r.text for r in rows}

    def load_reference_data(self, data_dir: Path | None = None) -> None:
        """Add the shipped dispositions, standard responses, queues, rules and contacts that
        are not in the store yet; what is already there (maybe edited) is left alone, except
        that a known contact's missing phone or e-mail is filled from the directory."""
        from workbench.reference import load_reference

        ref = load_reference(data_dir)
        now = utcnow()
        with self.transaction() as conn:
            _engine.serialize_setup(conn)
            self._insert_missing(conn, t.dispositions, "code", ref.dispositions)
            self._insert_missing(conn, t.standard_responses, "name", ref.standard_responses)
            self._fill_labels(conn, ref.standard_responses)
            self._insert_missing(conn, t.queues, "name", ref.queues)
            rules = conn.execute(select(func.count()).select_from(t.routing_rules)).scalar()
            if rules == 0 and ref.routing_rules:
                conn.execute(insert(t.routing_rules), ref.routing_rules)
            ranked = conn.execute(select(func.count()).select_from(t.priority_rules)).scalar()
            if ranked == 0 and ref.priority_rules:
                keys = [c.name for c in t.priority_rules.columns if c.name != "id"]
                conn.execute(
                    insert(t.priority_rules),
                    [{k: r.get(k) for k in keys} for r in ref.priority_rules],
                )
            self._load_screening_rules(conn, ref.screening_rules)
            c = t.contacts.c
            for contact in ref.contacts:
                exists = conn.execute(select(c.id).where(c.id == contact.id)).first()
                if exists is None:
                    conn.execute(insert(t.contacts), contact_row(contact, now))
                    continue
                # Known already (ingest stored them first, say): the directory fills a missing
                # phone or e-mail, never one someone entered.
                filled = {
                    name: func.coalesce(func.nullif(c[name], ""), value)
                    for name, value in (("phone", contact.phone), ("email", contact.email))
                    if value
                }
                if filled:
                    conn.execute(update(t.contacts).where(c.id == contact.id).values(filled))

    def _load_screening_rules(self, conn: Connection, rules: list[dict[str, Any]]) -> None:
        """The shipped screening rules, once per store: into an empty table, and never again
        after (a supervisor who deleted them does not get them back at the next start)."""
        marker = "reference:screening_rules"
        done = conn.execute(select(t.cursors.c.value).where(t.cursors.c.name == marker)).first()
        if done is not None:
            return
        if rules and self.screening.count(conn) == 0:
            conn.execute(insert(t.screening_rules), rules)
        self.set_cursor(marker, "loaded", conn)

    @staticmethod
    def _fill_labels(conn: Connection, responses: Iterable[dict[str, Any]]) -> None:
        """The shipped standard responses' labels where a store has none (one made before
        labels, revision 0012); a label someone wrote is left alone."""
        sr = t.standard_responses.c
        unlabelled = {r[0] for r in conn.execute(select(sr.name).where(sr.label == ""))}
        for r in responses:
            if r["name"] in unlabelled and r.get("label"):
                conn.execute(
                    update(t.standard_responses)
                    .where(sr.name == r["name"], sr.label == "")
                    .values(label=r["label"])
                )

    @staticmethod
    def _insert_missing(
        conn: Connection, table: Any, key: str, rows: Iterable[dict[str, Any]]
    ) -> None:
        have = {r[0] for r in conn.execute(select(table.c[key]))}
        missing = [r for r in rows if r[key] not in have]
        if missing:
            conn.execute(insert(table), missing)

    # --- key/value cursors (ingest's since_id per timeline, ...) --------------------------

    def cursor(self, name: str) -> str | None:
        with self.read() as conn:
            return conn.execute(select(t.cursors.c.value).where(t.cursors.c.name == name)).scalar()

    def set_cursor(self, name: str, value: str, conn: Connection | None = None) -> None:
        if conn is None:
            with self.transaction() as c:
                return self.set_cursor(name, value, c)
        row = {"_name": name, "value": value, "updated_at": utcnow()}
        if conn.execute(_SET_CURSOR, row).rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(t.cursors),
                        {"name": name, "value": value, "updated_at": row["updated_at"]},
                    )
            except IntegrityError:
                conn.execute(_SET_CURSOR, row)
        return None

    def quarantine(self, source: str, item_id: str | None, reason: str, payload: Any) -> None:
        """Keep a malformed item aside with its reason, so the loop can go on."""
        with self.transaction() as conn:
            self.intake.quarantine(conn, source, [(item_id, reason, payload)])
