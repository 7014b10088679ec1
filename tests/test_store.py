from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from workbench.domain import (
    Channel,
    Contact,
    EntryKind,
    Interaction,
    State,
    TranscriptEntry,
    TransitionError,
)
from workbench.errors import ConfigError, StoreError
from workbench.store import Change, ConflictError, NotFoundError, Store, head_revision
from workbench.store import schema as t
from workbench.store.schema import metadata

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def new_interaction(source: str = "1001", iid: str = "i-1") -> Interaction:
    return Interaction(
        id=iid, channel=Channel.MENTION, contact_id="7", tweet_id=source, arrived_at=AT
    )


def contact() -> Contact:
    return Contact("7", "dana", "Dana", followers_count=10, statuses_count=20, follows_brand=True)


def test_migrated_schema_matches_the_tables(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def test_revision_0004_splits_source_ids_and_keeps_what_the_outbox_sent(db_url):
    from alembic import command

    from workbench.store import engine

    s = Store(db_url)
    s.upsert_contact(contact())
    s.add_interaction(new_interaction("1001", "i-1"))
    s.add_interaction(Interaction("i-2", Channel.DM, "7", dm_event_id="2002", arrived_at=AT))
    s.add_interaction(Interaction("i-3", Channel.OUTBOUND, "7", post_key="k3", arrived_at=AT))
    s.add_transcript(TranscriptEntry("i-1", AT, EntryKind.INBOUND, "dana", "hi", "mention", "1001"))
    sent = {"reply": {"id": "9001", "text": "hi"}, "dm": {"dm_event_id": "9002"}, "like": None}
    with s.transaction() as conn:
        for action in sent:
            s.outbox.enqueue(conn, key=action, action=action, timeline="A", payload={})
        for action, result in sent.items():
            conn.execute(
                t.outbox.update()
                .where(t.outbox.c.key == action)
                .values(state="sent", result={"liked": True} if result is None else result)
            )
    config = engine._alembic_config()
    with s.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with s.engine.connect() as conn:
        old = conn.execute(text("SELECT id, channel, source_id FROM interactions ORDER BY id"))
        assert old.all() == [
            ("i-1", "mention", "1001"),
            ("i-2", "dm", "2002"),
            ("i-3", "outbound", "post:k3"),
        ]
    s.close()
    s = Store(db_url)  # migrates to the head again, from the old columns
    with s.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        x_ids = dict(conn.execute(text("SELECT key, x_id FROM outbox")).all())
    assert x_ids == {"reply": "9001", "dm": "9002", "like": None}
    assert [(i.id, i.tweet_id, i.dm_event_id, i.post_key) for i in s.interactions()] == [
        ("i-1", "1001", None, None),
        ("i-2", None, "2002", None),
        ("i-3", None, None, "k3"),
    ]
    assert [x.text for x in s.transcript("i-1")] == ["hi"]
    assert s.add_interaction(new_interaction("1001", "i-4")) is False
    s.close()


def test_reference_data_loaded_once_and_edits_kept(store):
    codes = [d.code for d in store.dispositions()]
    assert "resolved" in codes and "spam" in codes
    with store.transaction() as conn:
        conn.execute(text("UPDATE dispositions SET label = 'Fixed' WHERE code = 'resolved'"))
    store.load_reference_data()
    labels = {d.code: d.label for d in store.dispositions()}
    assert labels["resolved"] == "Fixed"
    assert len(labels) == len(codes)
    assert "{contact_name}" in store.standard_responses()["greeting"]


def test_standard_responses_carry_labels_filled_in_a_store_made_before_them(store):
    """The label an agent picks a standard response by (revision 0012): the shipped ones get
    theirs in a store that had none; one someone wrote is kept; none at all shows the name."""
    assert store.reads.standard_response_labels()["apology_delay"] == "Sorry for the wait"
    with store.transaction() as conn:
        conn.execute(text("UPDATE standard_responses SET label = ''"))
        conn.execute(text("UPDATE standard_responses SET label = 'Hello' WHERE name = 'greeting'"))
        conn.execute(
            text("INSERT INTO standard_responses (name, category, text) VALUES ('ours', '', 'x')")
        )
    store.load_reference_data()
    labels = store.reads.standard_response_labels()
    assert labels["apology_delay"] == "Sorry for the wait" and labels["greeting"] == "Hello"
    assert labels["ours"] == "ours"


def test_add_interaction_is_idempotent_on_source(store):
    first = TranscriptEntry("i-1", AT, EntryKind.INBOUND, "dana", "my order is late")
    assert store.add_interaction(new_interaction(), contact(), first) is True
    assert store.add_interaction(new_interaction(iid="i-2"), contact()) is False
    assert [i.id for i in store.interactions()] == ["i-1"]
    assert [e.action for e in store.events("i-1")] == ["arrived"]
    assert store.transcript("i-1")[0].text == "my order is late"
    assert store.contact("7").follows_brand is True


def test_contact_refresh_keeps_record_phone_and_email(store):
    store.upsert_contact(Contact("7", "dana", phone="+1 555 0100", email="d@example.com"))
    store.upsert_contact(Contact("7", "dana", followers_count=99))
    kept = store.contact("7")
    assert (kept.followers_count, kept.phone, kept.email) == (99, "+1 555 0100", "d@example.com")


def test_contacts_upserted_by_many_threads_at_once_never_collide(store):
    """One INSERT ... ON CONFLICT: no select-then-insert race between writers."""
    import threading

    errors: list[Exception] = []
    start = threading.Barrier(8)

    def write(n: int) -> None:
        start.wait()
        try:
            for k in range(20):
                store.upsert_contact(Contact(str(100 + k), f"c{k}", followers_count=n))
                with store.transaction() as conn:
                    store.ensure_contact(Contact(str(500 + k), f"e{k}"), conn)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert store.contact("119").username == "c19"
    assert store.contact("519").username == "e19"


def test_apply_saves_state_events_and_stamps_in_one_go(store):
    store.add_interaction(new_interaction(), contact())
    store.apply("i-1", lambda it, _: it.offer("ann"))
    store.apply("i-1", lambda it, _: it.accept("ann"))
    it = store.interaction("i-1")
    assert (it.state, it.agent, it.version) == (State.ACCEPTED, "ann", 2)
    assert [e.action for e in store.events("i-1")] == ["arrived", "offered", "accepted"]
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT last_offered_at, accepted_at FROM interactions")).one()
    assert row[0] is not None and row[1] is not None
    for event in store.events("i-1"):
        assert event.at.tzinfo is not None


def test_a_refused_transition_changes_nothing(store):
    store.add_interaction(new_interaction(), contact())
    with pytest.raises(TransitionError, match="interaction i-1 is queued: cannot accept"):
        store.apply("i-1", lambda it, _: it.accept("ann"))
    assert store.interaction("i-1").state is State.QUEUED
    assert [e.action for e in store.events("i-1")] == ["arrived"]


def test_crash_midway_leaves_no_half_written_change(store):
    store.add_interaction(new_interaction(), contact())

    def half(it, conn):
        store.add_transcript(TranscriptEntry(it.id, AT, EntryKind.SYSTEM, "x", "half"), conn)
        it.offer("ann")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.apply("i-1", half)
    assert store.transcript("i-1") == []
    assert store.interaction("i-1").state is State.QUEUED


def test_stale_version_is_a_conflict(store):
    store.add_interaction(new_interaction(), contact())
    stale = store.interaction("i-1")
    store.apply("i-1", lambda it, _: it.offer("ann"))
    stale.offer("bob")
    with pytest.raises(ConflictError, match="changed by someone else"), store.transaction() as c:
        store.save(c, stale, 0, Change())
    assert store.interaction("i-1").agent == "ann"


def test_unknown_ids_are_named(store):
    with pytest.raises(NotFoundError, match="interaction 'nope' is not in the store"):
        store.interaction("nope")
    with pytest.raises(NotFoundError, match="contact 'nope'"):
        store.contact("nope")


def test_cursors_and_quarantine(store):
    assert store.cursor("mentions:AcmeSupport") is None
    store.set_cursor("mentions:AcmeSupport", "100")
    store.set_cursor("mentions:AcmeSupport", "200")
    assert store.cursor("mentions:AcmeSupport") == "200"
    store.quarantine("mentions", "55", "data.text: missing", {"id": "55"})
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT reason FROM quarantine")).scalar() == "data.text: missing"


def test_sqlite_store_uses_wal(sqlite_url):
    s = Store(sqlite_url)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_newer_schema_is_refused_and_left_alone(db_url):
    Store(db_url).close()
    s = Store(db_url, migrate=False)
    with s.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="schema version 9999, newer than this workbench"):
        Store(db_url)
    with s.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"


def test_unreachable_postgres_is_one_clear_line():
    with pytest.raises(StoreError) as err:
        Store("postgresql+psycopg://wb:secretpw@127.0.0.1:1/wb")
    msg = str(err.value)
    assert msg.startswith(
        "WORKBENCH_DB_URL: cannot open postgresql+psycopg://wb:***@127.0.0.1:1/wb"
    )
    assert "secretpw" not in msg and "\n" not in msg


def test_unparseable_url_names_the_setting():
    with pytest.raises(ConfigError, match="WORKBENCH_DB_URL"):
        Store("sqlite+nodriver:///x.db")


@pytest.mark.postgres
def test_a_database_that_went_away_is_one_clear_error_and_keeps_what_was_stored(postgres_server):
    from tests.pg import Cluster

    cluster = Cluster().start()
    try:
        s = Store(cluster.url())
        s.add_interaction(new_interaction(), contact())
        cluster._run(cluster.pg_ctl, "-D", str(cluster.dir / "data"), "-m", "fast", "stop")
        with pytest.raises(StoreError) as err:
            s.add_interaction(new_interaction("1002", "i-2"), contact())
        assert str(err.value).startswith("WORKBENCH_DB_URL: ")
        assert "nothing of this change was written" in str(err.value)
        cluster._run(
            cluster.pg_ctl,
            "-D",
            str(cluster.dir / "data"),
            "-o",
            f"-p {cluster.port} -k {cluster.dir} -c listen_addresses=127.0.0.1",
            "-l",
            str(cluster.dir / "log"),
            "-w",
            "start",
        )
        assert [i.id for i in s.interactions()] == ["i-1"]
        s.close()
    finally:
        cluster.stop()


def test_killed_connections_are_replaced(db_url):
    s = Store(db_url)
    s.add_interaction(new_interaction(), contact())
    if s.dialect == "postgresql":
        with s.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    assert s.add_interaction(new_interaction("1002", "i-2"), contact()) is True
    assert len(s.interactions()) == 2


def _open_and_load(url: str) -> int:
    s = Store(url)
    s.load_reference_data()
    count = len(s.dispositions())
    s.close()
    return count


def test_processes_setting_up_one_fresh_store_at_once(db_url):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        counts = list(pool.map(_open_and_load, [db_url] * 4))
    assert len(set(counts)) == 1 and counts[0] > 0


def test_a_held_read_does_not_block_a_write_on_sqlite(sqlite_url):
    """A reader holding its transaction open (a notebook cell, a long report) takes no write
    lock: another connection that refuses to wait at all still writes, and so does the store."""
    import sqlite3

    store = Store(sqlite_url)
    store.add_interaction(new_interaction(), contact())
    path = sqlite_url.removeprefix("sqlite:///")
    try:
        with store.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM interactions")).scalar() == 1
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # "database is locked" at once if the read held it
                other.execute("INSERT INTO cursors VALUES ('probe', '1', '2026-01-01 00:00:00')")
                other.execute("COMMIT")
            finally:
                other.close()
            store.set_cursor("agent-write", "2")
            # the reader still sees its snapshot, and the writes are in for everyone else
            assert conn.execute(text("SELECT count(*) FROM cursors")).scalar() == 0
        assert store.cursor("probe") == "1" and store.cursor("agent-write") == "2"
    finally:
        store.close()


def test_revision_0005_writes_every_sqlite_time_in_one_form(tmp_path):
    """Text order is time order on SQLite: times stored in another form (as updates once wrote
    them) are rewritten, and every write since uses the one form."""
    from alembic import command

    from workbench.store import engine

    url = f"sqlite:///{tmp_path}/old.db"
    s = Store(url)
    s.upsert_contact(contact())
    s.add_interaction(new_interaction("1001", "i-1"))
    s.add_interaction(new_interaction("1002", "i-2"))
    s.apply("i-2", lambda it, _c: Change([it.offer("ann")]))
    config = engine._alembic_config()
    with s.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
        conn.execute(text("UPDATE interactions SET arrived_at = '2026-03-01 12:00:00+00:00'"))
        conn.execute(text("UPDATE interactions SET done_at = '2026-03-01 13:00:00.5+01:00'"))
    s.close()
    s = Store(url)
    with s.engine.connect() as conn:
        rows = conn.execute(text("SELECT arrived_at, done_at FROM interactions")).all()
    assert rows == [("2026-03-01 12:00:00.000000", "2026-03-01 12:00:00.500000")] * 2
    s.apply("i-1", lambda it, _c: Change([it.offer("bob")]))
    with s.engine.connect() as conn:
        stamps = conn.execute(text("SELECT arrived_at, last_offered_at FROM interactions")).all()
        times = conn.execute(text("SELECT at FROM events")).scalars().all()
    assert {len(v) for row in stamps for v in row if v} == {26}
    assert {len(v) for v in times} == {26}
    s.close()


def test_the_directory_fills_what_a_known_contact_lacks_and_keeps_what_was_entered(db_url):
    """Ingest may store a customer before any directory load: a later load fills the missing
    phone and e-mail from the directory, never over what someone entered."""
    from workbench.domain import Contact

    s = Store(db_url)
    s.upsert_contact(Contact("2244994945", "dana_rivera", "Dana"))  # as ingest stores her
    s.upsert_contact(Contact("1092835", "techjoe", "Joe", email="joe@agent.example"))
    s.load_reference_data()
    dana, joe = s.contact("2244994945"), s.contact("1092835")
    assert (dana.phone, dana.email) == ("+1 415 555 0134", "dana.rivera@example.com")
    assert (joe.phone, joe.email) == ("+44 20 7946 0958", "joe@agent.example")
    s.close()


def test_a_save_writes_what_transitions_change_and_keeps_what_it_was_added_with(store):
    """Saves write the ``SAVED_KEYS`` columns only; what the interaction was added with stays."""
    from dataclasses import fields

    from workbench.domain import Actionability, Sentiment
    from workbench.store._rows import INTERACTION_KEYS, SAVED_KEYS

    store.upsert_contact(contact())
    store.add_interaction(new_interaction())
    with store.transaction() as conn:
        it = store.interaction("i-1", conn)
        before = it.version
        it.queue, it.subject, it.state, it.agent = "vip", "new news", State.ACCEPTED, "amy"
        it.parties, it.consultations = ("amy", "ben"), ({"agent": "cy", "channel": "chat"},)
        it.sentiment, it.actionability = Sentiment.NEGATIVE, Actionability.ACTIONABLE
        it.disposition, it.note, it.preferred_agent = "resolved", "a note", "amy"
        it.pending_until, it.version = AT, before + 1
        changed = {k: getattr(it, k) for k in SAVED_KEYS}
        store.save(conn, it, before, Change())
    again = store.interaction("i-1")
    assert {k: getattr(again, k) for k in SAVED_KEYS} == changed
    added = new_interaction()
    kept = set(INTERACTION_KEYS) - set(SAVED_KEYS)
    assert {k: getattr(again, k) for k in kept} == {k: getattr(added, k) for k in kept}
    assert set(INTERACTION_KEYS) <= {f.name for f in fields(Interaction)}
