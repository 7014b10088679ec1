"""``workbench ingest --once`` says every kind of change it made: new interactions, those linked
to an earlier one, follow-ups joined, reopened, screened, quarantined."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.test_intake import _cli
from workbench.domain import Event, utcnow
from workbench.store import Change, Store

pytest_plugins = ["tests.xapi_fixtures"]


def _counts(line: str) -> dict[str, int]:
    return {what.strip(): int(n) for n, what in re.findall(r"(\d+) ([a-z][a-z -]+)", line)}


def _handle(store: Store, iid: str, done_at) -> None:
    """Ann takes the interaction and marks it done, its events stamped ``done_at``."""
    for step in (
        lambda it: it.offer("ann"),
        lambda it: it.accept("ann"),
        lambda it: it.set_disposition("ann", "resolved"),
        lambda it: it.done("ann"),
    ):

        def use(it, _conn, step=step):
            e = step(it)
            return Change([Event(e.action, e.interaction_id, e.agent, done_at, e.details)])

        store.apply(iid, use)


def test_the_summary_names_every_kind_of_change(db_url, sandbox, control):
    dana = control.tweet("dana", "@AcmeSupport my order is late")
    eve = control.tweet("eve", "@AcmeSupport where is my refund?")
    first = _cli(["--once", "--no-outbox"], db_url, sandbox)
    assert first.returncode == 0, first.stderr
    assert _counts(first.stdout.splitlines()[0])["new interactions"] == 2
    store = Store(db_url)
    ids = {i.contact_id: i.id for i in store.interactions()}
    contacts = {c: store.contact(c).username for c in ids}
    by_name = {name: ids[c] for c, name in contacts.items()}
    _handle(store, by_name["dana"], utcnow() - timedelta(minutes=5))  # within the window
    _handle(store, by_name["eve"], utcnow() - timedelta(days=10))  # long past it
    store.close()
    for text in ("still nothing", "any news?", "hello?", "it is the 3rd time I ask"):
        control.tweet("dana", f"@AcmeSupport {text}", in_reply_to_tweet_id=dana["id"])
    control.tweet("eve", "@AcmeSupport again: my refund", in_reply_to_tweet_id=eve["id"])
    control.tweet("spammer", "@AcmeSupport crypto giveaway today")
    second = _cli(["--once", "--no-outbox"], db_url, sandbox)
    assert second.returncode == 0, second.stderr
    line = second.stdout.splitlines()[0]
    assert _counts(line) | {"pages": 0} == {
        "new interactions": 1,  # the spam, closed on arrival
        "linked to an earlier one": 1,  # eve, after the reopen window
        "follow-ups joined": 3,
        "reopened": 1,  # dana's first follow-up
        "screened": 1,
        "quarantined": 0,
        "already stored": 0,
        "retweets skipped": 0,
        "brand messages joined": 0,
        "pages": 0,
    }, line
