"""The customer traffic generator: reproducible by seed, and as varied as real traffic."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter

import pytest

from workbench.traffic import Person, Traffic, load_phrases, phrases_path

BRANDS = ("AcmeSupport", "AcmeDeals")


def test_same_seed_same_stream_other_seed_other_stream():
    a, b, c = Traffic(7, BRANDS), Traffic(7, BRANDS), Traffic(8, BRANDS)
    assert a.items(300) == b.items(300)
    assert a.people == b.people
    assert Traffic(7, BRANDS).items(50) != c.items(50)


def test_the_mix_has_every_kind_languages_emoji_urls_and_threads():
    traffic = Traffic(1, BRANDS)
    items = traffic.items(2000)
    kinds = Counter(i.kind for i in items)
    assert set(kinds) == {
        "complaint",
        "question",
        "praise",
        "spam",
        "foreign",
        "followup",
        "retweet",
        "dm",
    }
    assert kinds["complaint"] > kinds["praise"] > kinds["spam"]
    assert {i.lang for i in items} >= {"en", "es", "fr", "de", "ja"}
    texts = [i.text for i in items if i.text]
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", t) for t in texts)
    assert sum("http" in t or ".co/" in t for t in texts) > 50
    assert all("{" not in t for t in texts), "a placeholder was left unfilled"
    for item in items:
        if item.reply_to is not None:
            parent = items[item.reply_to]
            assert parent.author == item.author and parent.is_tweet
        if item.retweet_of is not None:
            assert items[item.retweet_of].is_tweet and items[item.retweet_of].author != item.author
        if item.kind != "retweet" and not item.is_dm:
            assert f"@{item.brand}" in item.text
    assert {i.brand for i in items} == set(BRANDS)


def test_people_have_realistic_counts_and_contact_details():
    traffic = Traffic(2, BRANDS)
    people = traffic.crowd(600)
    followers = [p.followers_count for p in people]
    assert statistics.median(followers) < 1000 < max(followers)  # heavy-tailed, like X
    assert all(p.followers_count >= 0 and p.tweet_count >= 0 for p in people)
    share = lambda pred: sum(map(pred, people)) / len(people)  # noqa: E731
    assert 0.2 < share(lambda p: BRANDS[0] in p.follows) < 0.5
    assert 0.1 < share(lambda p: p.dm_open) < 0.4
    assert 0.1 < share(lambda p: p.phone is not None) < 0.35
    assert 0.15 < share(lambda p: p.email is not None) < 0.45
    assert len({p.username.lower() for p in people}) == len(people)
    assert all(re.fullmatch(r"[A-Za-z0-9_]{1,15}", p.username) for p in people)


def test_known_contacts_join_the_crowd():
    traffic = Traffic(3, BRANDS)
    known = Person(
        "dana_rivera",
        "Dana Rivera",
        812,
        300,
        10234,
        (BRANDS[0],),
        False,
        "+1",
        None,
        "",
        "",
        "2244994945",
    )
    traffic.add_person(known)
    traffic.add_person(known)
    assert traffic.people.count(known) == 1
    assert traffic.person_named("dana_rivera").id == "2244994945"


def test_phrases_file_is_ours_and_complete():
    phrases = load_phrases()
    assert phrases_path().name == "traffic.json"
    for kind in ("complaint", "question", "praise", "spam", "followup", "dm"):
        assert len(phrases[kind]) >= 4, kind
    assert len(phrases["foreign"]) >= 5


def test_a_broken_phrases_file_is_named(tmp_path):
    path = tmp_path / "traffic.json"
    path.write_text(json.dumps({"mix": {}}))
    with pytest.raises(ValueError, match="missing sections"):
        load_phrases(path)
