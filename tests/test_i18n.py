"""The views in French: every message of the code has its French, the views built in French show
no English message of the catalog, dates and numbers are written as French writes them, and the
compiled catalog is the one its .po says."""

from __future__ import annotations

import ast
import importlib.util
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import ipywidgets as W
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.test_widgets_workspace import DANA, LUCIA, arrive
from workbench import i18n
from workbench.config import Settings
from workbench.domain import TransitionError
from workbench.errors import ConfigError, ValidationError
from workbench.routing.queues import queues
from workbench.store import Store
from workbench.supervisor import DashboardModel
from workbench.widgets import AgentWorkspaceView, SupervisorDashboardView
from workbench.widgets.desk import DeskApp
from workbench.workspace import Workspace
from workbench.workspace.desk import Desk

PO = ROOT / "workbench" / "locale" / "fr" / "LC_MESSAGES" / "workbench.po"
MO = PO.with_suffix(".mo")
MARKERS = {"_", "N_", "ngettext", "pgettext", "NP_", "Said"}


def _script():
    spec = importlib.util.spec_from_file_location(
        "translations", ROOT / "scripts" / "translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return message.context, msgid


@pytest.fixture(scope="module")
def extracted():
    return {_key(m) for m in _script().extract() if m.id}


@pytest.fixture(scope="module")
def french():
    with PO.open("rb") as f:
        return read_po(f, locale="fr", domain="workbench")


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    s.load_reference_data()
    yield s
    s.close()


@pytest.fixture
def in_french():
    i18n.set_language("fr")
    yield
    i18n.set_language(None)


# --- (1) every message of the code has its French ------------------------------------------


def test_every_message_of_the_code_has_a_french_translation(extracted, french):
    translated = {_key(m): m.string for m in french if m.id and not m.fuzzy}
    missing = sorted(
        msgid
        for key in extracted
        for msgid in [key[1]]
        if not (translated.get(key) and all(translated[key]))
    )
    assert not missing, f"no French for {missing}: run `make translations` and translate them"
    stale = sorted(k[1] for k in set(translated) - extracted)
    assert not stale, f"the catalog has messages the code no longer has: {stale}"


def _marked_in_code() -> set[tuple[str | None, str]]:
    """Every message marked in the package's code, f-strings included (Babel's extractor does
    not see into f-strings before Python 3.12: a message there would have no catalog entry)."""
    found = set()
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in MARKERS:
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if node.func.id in {"pgettext", "NP_"} and len(args) == 2:
                if isinstance(args[0], str) and isinstance(args[1], str):
                    found.add((args[0], args[1]))
            elif args and isinstance(args[0], str):
                found.add((None, args[0]))
    return found


def test_every_marked_message_reaches_the_catalog(extracted):
    missed = sorted(msgid for key in _marked_in_code() - extracted for msgid in [key[1]])
    assert not missed, f"marked in the code but not extracted (inside an f-string?): {missed}"


def test_the_seed_terms_are_used(french):
    said = {m.id: m.string for m in french if isinstance(m.id, str)}
    assert said["Accept"] == "Accepter" and said["Reject"] == "Rejeter"
    assert said["Reply"] == "Répondre" and said["Direct Message"] == "Message direct"
    assert said["Retweet"] == "Retweeter" and said["Quote Tweet"] == "Citer le Tweet"
    assert said["Favorite"] == "Favori" and said["Disposition"] == "Code de disposition"
    assert said["note"] == "Note" and said["Done"] == "Terminé"
    assert said["Post a tweet"] == "Poster un tweet"
    assert said["Characters remaining:"] == "Caractères restants :"
    plural = next(m for m in french if m.id == ("follower", "followers"))
    assert tuple(plural.string) == ("abonné", "abonnés")


# --- (2) the views built in French show no English message ----------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"style", "script"}:
            self._skip = True
        self.parts += [v for k, v in attrs if k in {"title", "aria-label", "placeholder"} and v]

    def handle_endtag(self, tag):
        if tag in {"style", "script"}:
            self._skip = False

    def handle_data(self, data):
        if not getattr(self, "_skip", False):
            self.parts.append(data)


def _html_parts(value: str) -> list[str]:
    parser = _Text()
    parser.feed(value)
    return parser.parts


def _figure_parts(figure) -> list[str]:
    layout = figure.layout
    parts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    parts += [a.text for a in layout.annotations or ()]
    parts += [trace.name for trace in figure.data]
    return [p for p in parts if isinstance(p, str)]


def shown(widget, seen: set[int] | None = None) -> list[str]:
    """Every string a widget tree shows: descriptions, tooltips, placeholders, option labels,
    tab titles, HTML text and titles, charts' titles, notes and legends."""
    import plotly.graph_objects as go

    seen = set() if seen is None else seen
    if id(widget) in seen:
        return []
    seen.add(id(widget))
    parts: list[str] = []
    if isinstance(widget, go.FigureWidget):
        return _figure_parts(widget)
    for attr in ("description", "tooltip", "placeholder"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            parts.append(value)
    parts += [str(label) for label in getattr(widget, "_options_labels", ())]
    parts += [str(t) for t in getattr(widget, "tooltips", None) or () if t]
    if isinstance(widget, W.Tab):
        parts += [str(t) for t in widget.titles]
    if isinstance(widget, W.HTML | W.Label | W.HTMLMath):
        parts += _html_parts(widget.value)
    for child in getattr(widget, "children", ()):
        parts += shown(child, seen)
    return parts


def _patterns(french) -> list[tuple[str, re.Pattern[str]]]:
    """The English messages a French view must not show, each as a pattern over shown text."""
    out = []
    for m in french:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        for msgid in ids:
            if msgid in strings or not re.search(r"[A-Za-z]{2}", msgid):
                continue  # French says it the same way
            fixed = re.split(r"\{\w+\}", msgid)
            body = r"(.+?)".join(re.escape(p) for p in fixed)
            if " " in msgid.strip() or "{" in msgid:  # a phrase: anywhere in the text
                if sum(len(p.strip()) for p in fixed) < 4:
                    continue
                out.append((msgid, re.compile(rf"(?<!\w){body.strip()}(?!\w)")))
            else:  # a word: only as the whole text shown
                out.append((msgid, re.compile(rf"^\W*{body}\W*$")))
    return out


def data(store) -> list[str]:
    """What the store names in English (disposition and queue labels): data, not messages."""
    labels = [d.label for d in store.reads.dispositions()]
    return [label for label in labels + [q.label for q in queues(store)] if label]


def english_left(parts: list[str], french, store) -> list[tuple[str, str]]:
    found = []
    patterns = _patterns(french)
    labels = data(store)
    for part in parts:
        for piece in [part, *re.split(r" · |&nbsp;|\n", part)]:
            piece = piece.strip()
            if not piece or any(label in piece for label in labels):
                continue
            for msgid, pattern in patterns:
                if pattern.search(piece):
                    found.append((msgid, piece))
    return sorted(set(found))


@pytest.fixture
def french_desk(store, tmp_path, in_french):
    # pay-per-use: the plan's refusals show as the tooltips of Favorite, Quote Tweet, Follow
    ws = Workspace(
        "ann", store=store, mail_dir=tmp_path / "mail", settings=Settings.from_env({}), capacity=3
    )
    view = AgentWorkspaceView(ws, live=False)
    yield view
    view.close()
    ws.close()


def test_the_agent_views_in_french_show_no_english_message(store, french_desk, french):
    desk = french_desk
    first = arrive(store, DANA, "ma commande est en retard")
    desk.ready()
    desk.accept(first)
    arrive(store, LUCIA, "toujours rien")
    desk.poll()
    assert desk.toasts.children and desk.tabs.children
    view = desk.view(first)
    view.done()  # refused: no disposition yet
    assert "Choisissez un code de disposition avant Terminé." in view.message.value
    view.composer.text.value = "x" * 300
    parts = shown(desk)
    desk.toggle_help()
    parts += shown(desk.help)
    assert "Accepter" in parts and "Code de disposition" in parts and "Répondre" in parts
    assert english_left(parts, french, store) == []

    view.pend()
    parts = shown(desk)
    assert "Corbeille de travail" in " ".join(parts)
    assert english_left(parts, french, store) == []


def test_the_refusals_the_views_show_are_in_french(store, french_desk):
    desk = french_desk
    iid = arrive(store)
    desk.ready()
    desk.accept(iid)
    view = desk.view(iid)
    assert view.like_button.disabled
    assert "les offres en libre-service de X" in view.like_button.tooltip
    assert "(depuis le 20 avr. 2026)" in view.like_button.tooltip
    view.composer.text.value = ""
    assert not view.send()
    assert "Écrivez quelque chose avant d&#x27;envoyer." in view.message.value, view.message.value
    assert iid not in view.message.value
    # An error without a sentence for a person is framed from its rule, in French.
    err = TransitionError("42", "accepted", "pend", "allowed only when accepted")
    assert i18n.refusal(err) == (
        "interaction 42 (acceptée) : action « mettre en attente du client » refusée "
        "(permis seulement à l'état : acceptée)"
    )
    assert i18n.refusal(ValidationError("agent", "your name is required to sign in")) == (
        "agent : votre nom est requis pour vous connecter"
    )
    # a rule the catalog does not know stays as the use case wrote it
    assert i18n.refusal(ValidationError("x", "something new")) == "x : something new"


def test_the_post_form_and_the_desk_sign_in_in_french(store, french, in_french):
    from tests.test_workspace import settings
    from workbench.widgets import PostTweetForm

    form = PostTweetForm(["AcmeSupport"], lambda _t, _x: None)
    assert not form.send()  # empty: said in French
    parts = shown(form)
    assert "Poster un tweet" in parts and "Le tweet est vide." in parts
    assert english_left(parts, french, store) == []
    i18n.set_language("en")  # the check sees English when there is some
    english = english_left(
        shown(PostTweetForm(["AcmeSupport"], lambda _t, _x: None)), french, store
    )
    assert ("Post a tweet", "Post a tweet") in english and ("Timeline", "Timeline") in english
    i18n.set_language("fr")

    app = DeskApp(Desk(store, settings()), live=False)
    try:
        app.choose_language("fr")
        app.sign_in()  # no name: refused, in French
        parts = shown(app.form)
        assert "Se connecter" in parts and "Langue" in parts
        assert "votre nom est requis" in app.message.value
        assert english_left(parts, french, store) == []
    finally:
        app.close()


def test_the_supervisor_dashboard_in_french(store, french, in_french, tmp_path):
    from tests.test_workspace import handled

    ws = Workspace("ann", store=store, mail_dir=tmp_path / "mail", settings=Settings.from_env({}))
    try:
        handled(store, ws)
        arrive(store)
        model = DashboardModel(store, "sam")
        view = SupervisorDashboardView(model, live=False)
        try:
            view.drill_agent("ann")
            view.actions.close_all_shown()  # no disposition chosen: said in French
            parts = shown(view)
            assert "Actualiser" in parts and "Agents" in " ".join(parts)
            assert english_left(parts, french, store) == []
        finally:
            view.close()
            model.close()
    finally:
        ws.close()


# --- the language: the setting, the browser's, the form's choice -----------------------------


def test_the_desk_takes_the_browsers_language_unless_the_setting_names_one(store):
    from tests.test_workspace import settings

    try:
        app = DeskApp(Desk(store, settings()), live=False)
        assert app.language.value == "en" and app.sign_in_button.description == "Sign in"
        app.browser.language = "fr-CA"  # what the page says on render
        assert app.language.value == "fr" and app.sign_in_button.description == "Se connecter"
        app.choose_language("en")  # the agent's choice stands
        app.browser.language = "fr-FR"
        assert app.language.value == "en" and app.sign_in_button.description == "Sign in"
        app.close()

        app = DeskApp(Desk(store, settings(WORKBENCH_LANGUAGE="en")), live=False)
        app.browser.language = "fr"
        assert app.language.value == "en"
        app.close()

        app = DeskApp(Desk(store, settings()), live=False)
        app.browser.language = "de-DE"  # not spoken: English
        assert app.language.value == "en"
        app.choose_language("fr")
        app.name.value = "dee"
        assert app.sign_in()
        assert app.view is not None and i18n.language() == "fr"
        assert app.view.post_form.send_button.description == "Poster"
        app.close()
    finally:
        i18n.set_language(None)


def test_the_language_setting():
    assert Settings.from_env({})["WORKBENCH_LANGUAGE"] is None
    assert Settings.from_env({"WORKBENCH_LANGUAGE": "fr_FR"})["WORKBENCH_LANGUAGE"] == "fr"
    with pytest.raises(ConfigError, match="WORKBENCH_LANGUAGE: expected one of en, fr"):
        Settings.from_env({"WORKBENCH_LANGUAGE": "de"})


# --- (3) dates and numbers as the language writes them ------------------------------------------


def test_dates_and_numbers_in_french_and_english():
    at = datetime(2026, 8, 22, 14, 5, tzinfo=UTC)
    assert i18n.format_datetime(at, "en") == "2026-08-22 14:05 UTC"
    assert i18n.format_datetime(at, "fr") == "22/08/2026 14:05 UTC"
    assert i18n.format_day_time(at, "fr") == "22/08 14:05"
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.format_number(1234567, "fr") == "1\u202f234\u202f567"
    assert i18n.format_number(1.5, "fr", decimals=1) == "1,5"
    assert i18n.format_percent(0.8, "fr") == "80\xa0%"


def test_a_french_view_writes_dates_and_counts_the_french_way(store, french_desk):
    iid = arrive(store)
    french_desk.ready()
    french_desk.accept(iid)
    view = french_desk.view(iid)
    it, contact = store.interaction(iid), store.contact(DANA)
    assert i18n.format_datetime(it.arrived_at) in view.case.value
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} UTC", view.case.value)
    assert f"<b>{i18n.format_number(contact.followers_count)}</b>" in view.followers.value
    assert "abonné" in view.followers.value


# --- (4) the compiled catalog is the .po's ------------------------------------------------------


def test_the_mo_is_compiled_from_the_po(french):
    out = io.BytesIO()
    write_mo(out, french, use_fuzzy=False)
    assert MO.read_bytes() == out.getvalue(), "run `make translations` to compile the catalog"


def test_the_transcripts_fixed_sentences_show_in_the_readers_language(store, french_desk):
    from workbench.domain import EntryKind, TranscriptEntry
    from workbench.widgets.interaction import line_html
    from workbench.workspace import system_line

    desk = french_desk
    first = arrive(store, DANA, "ma commande est en retard")
    desk.ready()
    desk.accept(first)
    stored = [e for e in store.transcript(first) if e.kind is EntryKind.SYSTEM]
    assert [e.text for e in stored] == ["ann accepted"]  # the record stays in English
    assert any("ann a accepté" in part for part in shown(desk))
    # A line that is not the fixed sentence (written otherwise, or by an older version) is
    # shown as it was stored, escaped.
    odd = TranscriptEntry(
        first, stored[0].at, EntryKind.SYSTEM, "ann", "<b>ann</b> accepted", "accepted"
    )
    assert "&lt;b&gt;ann&lt;/b&gt; accepted" in line_html(odd)
    assert system_line("done", "bob") == "bob marked it done"
