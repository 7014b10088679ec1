"""Screening rules: in the domain (every given condition must hold; the first by position
wins), and in the store with their checks, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from workbench.domain.screening import ScreeningRule, screen
from workbench.errors import ValidationError
from workbench.intake import (
    add_screening_rule,
    delete_screening_rule,
    screening_rules,
    update_screening_rule,
)
from workbench.store import NotFoundError


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
