"""The French desk, walked whole: with every panel showing (an accepted interaction with its
transcript, case, priority and contact; an offer's toast; a refused send; the cost line and the
budget's warning on pay-per-use; the post form; the help overlay), no text a person reads is
English: no message of the catalog left in English, no English word, no code from the data
files (``apology_delay``) in place of its label."""

from __future__ import annotations

import re
import uuid

import pytest
from babel.messages.pofile import read_po

from tests.test_i18n import PO, _patterns, shown
from workbench import i18n
from workbench.config import Settings
from workbench.domain import (
    Actionability,
    Channel,
    EntryKind,
    Interaction,
    Sentiment,
    TranscriptEntry,
    utcnow,
)
from workbench.domain.cost import ApiCall, PriceKind
from workbench.store import Store
from workbench.widgets import AgentWorkspaceView
from workbench.workspace import Workspace

DANA = "2244994945"  # has a phone and an e-mail, follows the brand
JOE = "1092835"  # on the VIP list, a large following

_WORDS = """
    the and is are was were be been being it its this that these those your yours you with for
    from by of to not cannot can't don't isn't must has have had will would should could costs
    still goes out please which what there their they them here now first before after done
    only yes any some all more less than then when while who why how pick write send sent
    reply replies queued refused allowed required empty already again waiting customer queue
    favorite follow unfollow followers statuses shortcuts ready wrap collaborate insert
    accepted connected subject origin state today's spent far self likes quote quotes retweet
    resolved escalated sorry greeting thanks thanked known outage refund password reset
    verified following negative needs
"""
ENGLISH = frozenset(_WORDS.split())
"""Words of English sentences and labels that French does not use (``on``, ``a``, ``plan``,
``budget``, ``agent``, ``message``, ``interaction``, ``note``, ``mention``, ``public``,
``direct``, ``action``, ``sentiment`` are French words too, so they are not here)."""

CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
"""A code of the data files or the vocabulary (``apology_delay``, ``no_answer``) shown as is."""


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    s.load_reference_data()
    yield s
    s.close()


@pytest.fixture(scope="module")
def french():
    with PO.open("rb") as f:
        return read_po(f, locale="fr", domain="workbench")


def arrive(store, contact_id, text, sentiment=Sentiment.UNDECLARED, actionable=False):
    """A customer's mention, labelled: the router gives it the priority its labels earn."""
    source = str(uuid.uuid4().int % 10**18)
    it = Interaction(
        uuid.uuid4().hex,
        Channel.MENTION,
        contact_id,
        tweet_id=source,
        subject=text,
        sentiment=sentiment,
        actionability=Actionability.ACTIONABLE if actionable else Actionability.UNDECLARED,
    )
    username = store.contact(contact_id).username
    line = TranscriptEntry(
        it.id, it.arrived_at, EntryKind.INBOUND, username, text, "message", source
    )
    store.add_interaction(it, None, line)
    return it.id


def readable(part: str) -> str:
    """A shown text without what is no language: usernames, e-mail addresses, links, numbers."""
    part = part.replace("\xa0", " ").replace("\u202f", " ")
    part = re.sub(r"\S+@\S+\.\w+", " ", part)  # e-mail addresses
    part = re.sub(r"https?://\S+|\b\w+\.(?:com|co|org|net)\S*", " ", part)  # links
    return re.sub(r"@\w+", " ", part)  # usernames


def english_in(parts: list[str], french, allowed: set[str]) -> list[tuple[str, str]]:
    """Each piece of English found in ``parts`` (``allowed``: customer text and names, shown as
    written), with what gave it away: a catalog message, an English word, a code."""
    found = []
    patterns = _patterns(french)
    for part in parts:
        for piece in [part, *re.split(r" · |&nbsp;|\n", part)]:
            piece = piece.strip()
            for text in allowed:
                piece = piece.replace(text, " ")
            piece = readable(piece).strip()
            if not piece:
                continue
            for msgid, pattern in patterns:
                if pattern.search(piece):
                    found.append((f"catalog: {msgid}", piece))
            for word in re.findall(r"[A-Za-z]+(?:'[a-z]+)?", piece):
                if word.lower() in ENGLISH and not (word == "X" or word.isupper()):
                    found.append((f"word: {word}", piece))
            for code in CODE.findall(piece):
                found.append((f"code: {code}", piece))
    return sorted(set(found))


def test_the_french_desk_shows_no_english(store, french, tmp_path):
    paying = Settings.from_env(
        {}, WORKBENCH_X_PLAN="pay-per-use", WORKBENCH_DAILY_BUDGET="0.05"
    )  # pay-per-use: the cost line, the plan's refusals as tooltips, the budget's warning
    i18n.set_language("fr")
    ws = Workspace("ann", store=store, mail_dir=tmp_path / "mail", settings=paying, capacity=2)
    desk = AgentWorkspaceView(ws, live=False)
    try:
        customer = "@AcmeSupport ma commande est en retard, c'est la troisième fois"
        first = arrive(store, DANA, customer, Sentiment.NEGATIVE, actionable=True)
        desk.ready()
        desk.accept(first)
        view = desk.view(first)
        other = "@AcmeSupport toujours rien depuis lundi"
        arrive(store, JOE, other, Sentiment.NEGATIVE)  # the offer's toast, with its priority
        ws.internal_note(first, "client fidèle, geste commercial possible")
        assert view.send("Nous regardons tout de suite.")  # a line the brand sent, queued
        store.api_calls.record(  # the day's budget is spent: the composer warns
            [
                ApiCall(
                    utcnow(),
                    "AcmeSupport",
                    "POST /2/tweets",
                    PriceKind.POST_CREATE_URL,
                    1,
                    120_000,
                    "pay-per-use",
                    first,
                )
            ]
        )
        ws._spend._read_at = -float("inf")  # the day's spend is cached 30 s: read it now
        desk.poll()
        view.refresh()
        assert desk.toasts.children, "an offer's toast"
        assert not view.send("   ")  # refused: said in French
        refused = view.message.value
        view.composer.text.value = "Suivez-la ici : acmeshop.co/track"
        desk.post_form.composer.text.value = "Nouveaux horaires : acmeshop.co/horaires"
        view.standard.value = "apology_delay"
        desk.toggle_help()
        parts = shown(desk)

        said = " ".join(readable(p) for p in parts)
        assert "Écrivez quelque chose avant d&#x27;envoyer." in refused
        assert "cette réponse coûte 0,20 $ : contient une URL" in said, view.send_cost.value
        assert "l'envoi part quand même" in said and "le budget X du jour (0,05 $)" in said
        assert "ce post coûte 0,20 $" in said
        assert "Sentiment négatif (+10)" in said and "Action requise (+5)" in said
        assert "Liste VIP (+30)" in said  # the toast's priority
        assert "en file : part maintenant" in said  # where the reply sent is
        assert "Excuses pour l'attente" in parts and "Résolu" in parts
        assert "Mentions publiques" in parts  # the queues' labels
        assert desk.help.layout.display == ""  # the help overlay, walked too
        allowed = {customer, other, "client fidèle, geste commercial possible"}
        allowed |= {"Nous regardons tout de suite.", "Dana Rivera", "Joe Mensah", "AcmeSupport"}
        allowed |= {"dana_rivera", "techjoe"}  # a line's author, by username
        found = english_in(parts, french, allowed)
        assert found == [], "\n".join(map(repr, found))
    finally:
        desk.close()
        ws.close()
        i18n.set_language(None)


def test_the_check_finds_english_words_catalog_messages_and_codes(french):
    found = english_in(
        [
            "this reply costs $0.20",
            "Ask for a DM with the order number",
            "apology_delay",
            "Répondre",
            "@dana_rivera, dana.rivera@example.com, acmeshop.co/track",
        ],
        french,
        set(),
    )
    reasons = {reason for reason, _piece in found}
    assert "word: costs" in reasons and "catalog: Ask for a DM with the order number" in reasons
    assert "code: apology_delay" in reasons
    assert not [piece for _reason, piece in found if "Répondre" in piece or "dana" in piece]
