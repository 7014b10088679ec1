"""``store._bulk.fetch``: the driver-level reads of the hot paths give what SQLAlchemy gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from workbench.domain import Action, Channel, Contact, Event, Interaction
from workbench.store import Change, Store
from workbench.store import schema as t
from workbench.store._bulk import fetch, json_list
from workbench.store.routing import _DECLINED_BY
from workbench.store.store import _BY_ID, _BY_IDS

AT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _filled(store):
    store.upsert_contact(Contact("7", "dana", "Dana"))
    plain = Interaction("i-1", Channel.MENTION, "7", tweet_id="1001", arrived_at=AT)
    full = Interaction(
        "i-2",
        Channel.DM,
        "7",
        dm_event_id="2002",
        arrived_at=AT + timedelta(seconds=1),
        subject="ünïcode \u2028 and 'quotes'",
        parties=("amy", "ben"),
        consultations=({"agent": "cy", "channel": "chat"},),
        pending_until=AT + timedelta(days=1),
        note="a note",
    )
    store.add_interaction(plain)
    store.add_interaction(full)
    with store.transaction() as conn:
        it = store.interaction("i-1", conn)
        before = it.version
        store.save(conn, it, before, Change([it.offer("amy")]))
    store.apply("i-1", lambda it, _: it.reject("amy"))
    store.append_event(Event(Action.REJECTED, "i-2", "ben", AT, {}))
    return ["i-1", "i-2"]


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        (_BY_ID, {"iid": "i-2"}),
        (_BY_ID, {"iid": "nobody"}),
        (select(t.interactions).where(t.interactions.c.arrived_at >= bindparam("since")), None),
    ],
)
def test_fetch_reads_what_sqlalchemy_reads(store, statement, params):
    _filled(store)
    params = params if params is not None else {"since": AT}
    with store.read() as conn:
        ours = fetch(conn, statement, params)
        theirs = list(conn.execute(statement, params))
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert [r._asdict() for r in ours] == [dict(r._mapping) for r in theirs]
    if ours:
        assert ours[0].arrived_at.tzinfo is UTC


def test_fetch_of_statements_built_per_dialect(store):
    ids = _filled(store)
    with store.transaction() as conn:
        rows = fetch(conn, _BY_IDS(conn), {"ids": json_list(ids)})
        declined = fetch(conn, _DECLINED_BY(conn), {"ids": json_list(ids)})
        theirs = list(conn.execute(_DECLINED_BY(conn), {"ids": json_list(ids)}))
    assert sorted(r.id for r in rows) == ids
    assert sorted(map(tuple, declined)) == sorted(map(tuple, theirs))
    assert {(r.interaction_id, r.agent) for r in declined} == {("i-1", "amy"), ("i-2", "ben")}
    with store.read() as conn:
        found = store.interactions_of(conn, [*ids, "nobody"])
        assert store.interactions_of(conn, []) == {}
    assert found == {i: store.interaction(i) for i in ids}
    assert found["i-2"].consultations == ({"agent": "cy", "channel": "chat"},)


def test_fetch_refuses_a_list_bound_at_each_run_and_reports_driver_errors(sqlite_url):
    sqlite_store = Store(sqlite_url)
    expanding = select(t.interactions).where(
        t.interactions.c.id.in_(bindparam("ids", expanding=True))
    )
    with sqlite_store.read() as conn:
        with pytest.raises(TypeError, match="expanding parameter 'ids'"):
            fetch(conn, expanding, {"ids": ["i-1"]})
        with pytest.raises(TypeError, match="a select is needed"):
            fetch(conn, t.interactions.delete(), {})
    with sqlite_store.transaction() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS transcript")
        conn.exec_driver_sql("DROP TABLE IF EXISTS events")
        with pytest.raises(DBAPIError, match="no such table"):
            fetch(conn, _DECLINED_BY(conn), {"ids": "[]"})
    sqlite_store.close()
