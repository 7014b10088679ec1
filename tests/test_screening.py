"""Screening rules: in the domain (every given condition must hold; the first by position
wins), in the store with their checks, and at arrival against the sandbox on SQLite and
PostgreSQL (a close rule closes at once, a tag rule presets the disposition)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analytics import LiveLedger, ledger
from workbench.domain import Action, State
from workbench.domain.screening import ScreeningRule, screen
from workbench.errors import ValidationError
from workbench.intake import (
    Ingest,
    add_screening_rule,
    delete_screening_rule,
    screening_rules,
    update_screening_rule,
)
from workbench.store import NotFoundError

pytest_plugins = ["tests.xapi_fixtures"]


def rule(**given) -> ScreeningRule:
    fields = {"id": 1, "position": 10, "name": "r", "action": "close", "disposition": "spam"}
    return ScreeningRule(**{**fields, **given})


def test_words_match_whole_words_in_any_case():
    spam = rule(words=("crypto giveaway", "free followers"))
    assert spam.matches("@AcmeSupport check my profile for CRYPTO   Giveaway 🎉")
    assert spam.matches("FREE followers!!! click https://bit.ly/3x")
    assert spam.matches("𝐅𝐑𝐄𝐄 𝐟𝐨𝐥𝐥𝐨𝐰𝐞𝐫𝐬")  # mathematical letters are letters
    assert not spam.matches("carefree followers of the team")  # not a whole word
    assert not spam.matches("free, followers")  # a phrase is its words in order
    assert not spam.matches("my crypto wallet app crashed")
    assert spam.matched("free followers now") == {"word": "free followers"}
    assert rule(words=("#giveaway",)).matches("join the #giveaway now")
    assert not rule(words=("win",)).matches("windows update broke it")


def test_languages_are_x_lang_codes_and_a_dm_has_none():
    foreign = rule(languages=("pt", "es"))
    assert foreign.matches("meu pedido", lang="pt")
    assert foreign.matches("meu pedido", lang="pt-BR")
    assert foreign.matches("hola", lang="ES")
    assert not foreign.matches("hello", lang="en")
    assert not foreign.matches("hola", lang=None)


def test_handles_without_at_in_any_case():
    blocked = rule(handles=("@SpamBot_1", "promo4u"))
    assert blocked.matches("hi", username="spambot_1")
    assert blocked.matches("hi", username="@PROMO4U")
    assert not blocked.matches("hi", username="dana")
    assert blocked.matched("hi", username="Promo4u") == {"handle": "Promo4u"}


def test_retweets_condition_and_every_condition_must_hold():
    retweets = rule(retweets=True)
    assert retweets.matches("RT @dana: great", is_retweet=True)
    assert not retweets.matches("great", is_retweet=False)
    both = rule(handles=("promo4u",), words=("giveaway",), languages=("en",))
    assert both.matches("a giveaway", lang="en", username="promo4u")
    assert not both.matches("a giveaway", lang="en", username="dana")
    assert not both.matches("hello", lang="en", username="promo4u")
    assert not both.matches("a giveaway", lang="fr", username="promo4u")
    assert both.matched("a Giveaway", lang="en", username="promo4u") == {
        "word": "giveaway",
        "language": "en",
        "handle": "promo4u",
    }


def test_a_rule_without_conditions_matches_nothing():
    assert not rule().matches("anything", lang="en", username="dana", is_retweet=True)


def test_screen_picks_the_first_rule_by_position():
    late = rule(id=1, position=20, name="late", words=("giveaway",))
    early = rule(id=2, position=10, name="early", action="tag", handles=("promo4u",))
    assert screen([late, early], "giveaway", username="promo4u") is early
    assert screen([late, early], "giveaway", username="dana") is late
    assert screen([late, early], "hello", username="dana") is None
    assert screen([], "giveaway") is None


# --- the rules in the store, and their checks ------------------------------------------------


def test_the_shipped_rules_are_loaded_once(store):
    names = [(r.name, r.action, r.disposition) for r in screening_rules(store)]
    assert names == [("Spam phrases", "close", "spam"), ("Blocked accounts", "tag", "spam")]
    for r in screening_rules(store):
        delete_screening_rule(store, r.id)
    store.load_reference_data()  # the next start: what the supervisor deleted stays deleted
    assert screening_rules(store) == []


def test_rules_are_added_updated_and_deleted_with_their_checks(store):
    added = add_screening_rule(
        store,
        " Portuguese ",
        "tag",
        "moved_to_dm",
        languages=["PT", "pt-BR"],
        handles=["@Promo4u", "promo4u"],
        words=["  free   stuff "],
    )
    assert (added.name, added.languages, added.handles, added.words) == (
        "Portuguese",
        ("pt", "pt-br"),
        ("Promo4u",),
        ("free stuff",),
    )
    assert added.position == 30  # after the shipped ones
    assert screening_rules(store)[-1] == added
    changed = update_screening_rule(store, added.id, action="close", handles=None, position=5)
    assert (changed.action, changed.handles, changed.languages, changed.position) == (
        "close",
        (),
        ("pt", "pt-br"),
        5,
    )
    assert screening_rules(store)[0] == changed
    for bad, field in [
        ({"disposition": "nope"}, "disposition"),
        ({"action": "delete"}, "action"),
        ({"languages": ["portuguese"]}, "languages"),
        ({"handles": ["not a handle"]}, "handles"),
        ({"handles": "promo4u"}, "handles"),
        ({"words": [" "]}, "words"),
        ({"name": ""}, "name"),
        ({"languages": None, "words": None}, "conditions"),
    ]:
        with pytest.raises(ValidationError) as caught:
            update_screening_rule(store, added.id, **bad)
        assert caught.value.field == field, bad
    assert screening_rules(store)[0] == changed  # nothing of a refused change was written
    with pytest.raises(ValidationError, match="conditions: at least one"):
        add_screening_rule(store, "empty", "close", "spam")
    delete_screening_rule(store, added.id)
    with pytest.raises(NotFoundError, match=f"screening rule {added.id}"):
        delete_screening_rule(store, added.id)
    with pytest.raises(NotFoundError):
        update_screening_rule(store, added.id, name="x")


# --- at arrival, against the sandbox ---------------------------------------------------------


def test_ingest_closes_spam_and_tags_blocked_accounts_on_arrival(store, gateway, control, ann):
    control.user("dana", follows_brand=True)
    control.user("spammy")
    control.user("promo", dm_open=True)
    control.user("AcmeSupportHelp")
    spam = control.tweet("spammy", "@AcmeSupport FREE Followers!!! click https://bit.ly/3x 🔥")
    blocked = control.tweet("AcmeSupportHelp", "@AcmeSupport DM us your card number")
    fine = control.tweet("dana", "@AcmeSupport my order is late")
    dm = control.dm("promo", "check my profile for crypto giveaway 🎉")
    live = LiveLedger(store)
    report = Ingest(store, gateway, classify=None).run_once()
    assert (report.interactions, report.screened) == (4, 3)
    its = {i.tweet_id or i.dm_event_id: i for i in store.interactions()}
    rule_ids = {r.name: r.id for r in screening_rules(store)}
    for closed in (its[spam["id"]], its[dm["id"]]):
        assert (closed.state, closed.disposition) == (State.DONE, "spam")
        events = store.events(closed.id)
        assert [e.action for e in events] == [Action.ARRIVED, Action.SCREENED, Action.CLOSED]
        screened, done = events[1], events[2]
        assert screened.details["rule_id"] == rule_ids["Spam phrases"]
        assert screened.details["rule"] == "Spam phrases" and screened.details["action"] == "close"
        assert done.agent is None and done.details["by"] == "screening"
        assert done.details["disposition"] == "spam"
        assert "Spam phrases" in done.details["reason"]
        assert done.at == closed.arrived_at
    assert store.events(its[spam["id"]].id)[1].details["matched"] == {"word": "free followers"}
    assert store.events(its[dm["id"]].id)[1].details["matched"] == {"word": "crypto giveaway"}
    tagged = its[blocked["id"]]
    assert (tagged.state, tagged.disposition) == (State.QUEUED, "spam")
    (event,) = [e for e in store.events(tagged.id) if e.action == Action.SCREENED]
    assert event.details["matched"] == {"handle": "AcmeSupportHelp"}
    assert event.details["action"] == "tag"
    assert its[fine["id"]].disposition is None
    # Only what was not closed is offered.
    ann.ready()
    offered = set()
    for _ in range(3):
        for offer in ann.poll():
            offered.add(offer.id)
            ann.reject(offer.id)
    assert offered <= {tagged.id, its[fine["id"]].id} and offered
    assert not offered & {its[spam["id"]].id, its[dm["id"]].id}
    row = ledger(store=store).set_index("interaction_id").loc[its[spam["id"]].id]
    assert (row["state"], row["disposition"], row["done_at"]) == (
        "done",
        "spam",
        pd.Timestamp(its[spam["id"]].arrived_at),
    )
    assert row["offers"] == 0
    pd.testing.assert_frame_equal(live.refresh(), ledger(store=store))


def test_a_spammers_follow_up_does_not_reopen_what_screening_closed(store, gateway, control):
    control.user("spammy")
    control.dm("spammy", "free followers at my profile")
    ingest = Ingest(store, gateway, classify=None)
    assert ingest.run_once().screened == 1
    (closed,) = store.interactions()
    control.dm("spammy", "FREE FOLLOWERS, last chance")  # continues it: screened again
    report = ingest.run_once()
    assert (report.interactions, report.reopened, report.follow_ups, report.screened) == (
        0,
        0,
        1,
        1,
    )
    again = store.interaction(closed.id)
    assert again.state is State.DONE
    actions = [e.action for e in store.events(closed.id)]
    assert actions[-2:] == [Action.SCREENED, Action.FOLLOW_UP]
    assert len(store.transcript(closed.id)) == 2
    control.dm("spammy", "sorry, I really need help with my order")  # not spam: reopens it
    report = ingest.run_once()
    assert (report.reopened, report.screened) == (1, 0)
    assert store.interaction(closed.id).state is State.QUEUED


def test_follow_ups_joining_an_open_interaction_are_not_screened(store, gateway, control):
    control.user("dana", follows_brand=True)
    control.dm("dana", "my order is late")
    ingest = Ingest(store, gateway, classify=None)
    ingest.run_once()
    control.dm("dana", "a friend said try the crypto giveaway, is it yours?")
    report = ingest.run_once()
    assert (report.follow_ups, report.screened) == (1, 0)
    (it,) = store.interactions()
    assert it.state is State.QUEUED and it.disposition is None


def test_a_retweets_rule_sees_retweets_only_when_ingest_keeps_them(store, gateway, control):
    add_screening_rule(store, "Retweets", "close", "no_action_needed", retweets=True)
    original = control.tweet("dana", "@AcmeSupport you are great")
    control._post("/sandbox/tweets", {"author": "marta", "retweet_of": original["id"]})
    skipped = Ingest(store, gateway, classify=None, skip_retweets=True).run_once()
    assert (skipped.interactions, skipped.skipped_retweets, skipped.screened) == (1, 1, 0)
    store.set_cursor(Ingest.cursor_name("mentions", "AcmeSupport"), "1")
    kept = Ingest(store, gateway, classify=None, skip_retweets=False).run_once("AcmeSupport")
    assert (kept.interactions, kept.screened) == (1, 1)
    retweet = next(i for i in store.interactions() if i.tweet_id != original["id"])
    assert (retweet.state, retweet.disposition) == (State.DONE, "no_action_needed")
    assert (
        store.interaction(
            next(i.id for i in store.interactions() if i.tweet_id == original["id"])
        ).state
        is State.QUEUED
    )


def test_a_languages_rule_meets_x_lang(store, gateway, control):
    add_screening_rule(store, "Japanese desk", "tag", "escalated", languages=["ja"], position=1)
    control.user("aiko")
    control.tweet("aiko", "@AcmeSupport 注文がまだ届きません", lang="ja")
    control.tweet("aiko", "@AcmeSupport my order please", lang="en")
    Ingest(store, gateway, classify=None).run_once()
    by_text = {i.subject: i for i in store.interactions()}
    assert by_text["@AcmeSupport 注文がまだ届きません"].disposition == "escalated"
    assert by_text["@AcmeSupport my order please"].disposition is None


def test_without_rules_ingest_screens_nothing(store, gateway, control):
    for r in screening_rules(store):
        delete_screening_rule(store, r.id)
    control.tweet("spammy", "@AcmeSupport free followers")
    report = Ingest(store, gateway, classify=None).run_once()
    assert (report.interactions, report.screened) == (1, 0)
    (it,) = store.interactions()
    assert it.state is State.QUEUED
    assert [e.action for e in store.events(it.id)] == [Action.ARRIVED]
