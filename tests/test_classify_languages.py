"""The classifier in the customers' languages: language, per-language sentiment models with their
cards, actionability cues, honest confidence, bad input and broken model files."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT
from workbench.classify import _features, sentiment
from workbench.classify._language import from_x
from workbench.classify.classifier import Classification, Classifier
from workbench.classify.sentiment import (
    MODEL_LANGUAGES,
    PACKAGED,
    SHIPPED_VERSION,
    ModelFileError,
    SentimentModel,
    load_models,
)
from workbench.classify.sentiment_training import GOALS, TWEETEVAL_GOAL
from workbench.domain.classification import Actionability, Sentiment

NEG, POS, NEU, UND = (
    Sentiment.NEGATIVE,
    Sentiment.POSITIVE,
    Sentiment.NEUTRAL,
    Sentiment.UNDECLARED,
)
ACT, NOT, UNK = Actionability.ACTIONABLE, Actionability.NOT_ACTIONABLE, Actionability.UNDECLARED


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


# --- the issue's examples ------------------------------------------------------------------------


@pytest.mark.parametrize("told", [False, True], ids=["detected", "x-lang"])
@pytest.mark.parametrize(
    ("text", "language", "feeling", "action"),
    [
        ("@AcmeSupport mon écran est arrivé cassé", "fr", NEG, ACT),
        ("toujours pas de remboursement après 3 semaines, c'est honteux", "fr", NEG, ACT),
        ("merci beaucoup, service génial !", "fr", POS, NOT),
        ("@AcmeSupport mi pedido llegó roto y nadie me responde, una vergüenza", "es", NEG, ACT),
        ("@AcmeSupport mein Paket ist immer noch nicht angekommen, eine Frechheit", "de", NEG, ACT),
    ],
)
def test_the_issues_examples(
    classifier: Classifier,
    told: bool,
    text: str,
    language: str,
    feeling: Sentiment,
    action: Actionability,
) -> None:
    result = classifier.classify(text, lang=language if told else None)
    assert result.language == language
    assert result.sentiment is feeling, result.explanation
    assert result.actionability is action, result.explanation
    assert result.model == f"sentiment-{language}-v0001"


def test_the_explanation_keeps_the_lexicons_evidence(classifier: Classifier) -> None:
    result = classifier.classify("toujours pas de remboursement après 3 semaines, c'est honteux")
    assert result.evidence[0] == "honteux"
    assert "'honteux'" in result.explanation
    assert "read as French" in result.explanation
    cassé = classifier.classify("@AcmeSupport mon écran est arrivé cassé", lang="fr")
    assert "cassé" in cassé.evidence and "'écran'" in cassé.explanation


# --- small labelled sets of our own (not for training) -------------------------------------------

_LABELLED = {
    "fr": [
        ("@AcmeSupport mon colis n'est toujours pas arrivé, ça fait deux semaines", NEG, ACT),
        ("@AcmeSupport j'ai été débité deux fois pour la même commande, remboursez-moi", NEG, ACT),
        ("@AcmeSupport l'application plante à chaque connexion depuis la mise à jour", NEG, ACT),
        ("@AcmeSupport comment je peux changer l'adresse de livraison ?", None, ACT),
        ("@AcmeSupport pouvez-vous me rappeler au sujet de ma facture svp", None, ACT),
        ("@AcmeSupport service client nul, personne ne répond depuis 3 jours", NEG, ACT),
        ("@AcmeSupport merci pour votre aide rapide, tout est réglé !", POS, NOT),
        ("Super soirée avec les amis hier soir 😂", POS, NOT),
        ("@AcmeSupport bravo à toute l'équipe, livraison parfaite 👍", POS, NOT),
        ("Il pleut encore à Paris aujourd'hui", None, NOT),
        ("Je regarde le match ce soir avec mon frère", None, NOT),
        ("@AcmeSupport j'adore ma nouvelle box, merci !", POS, NOT),
    ],
    "es": [
        ("@AcmeSupport mi pedido lleva dos semanas de retraso y nadie me contesta", NEG, ACT),
        ("@AcmeSupport me cobraron dos veces la factura, quiero el reembolso", NEG, ACT),
        ("@AcmeSupport la app no funciona desde ayer, un desastre", NEG, ACT),
        ("@AcmeSupport ¿cómo puedo cambiar mi contraseña?", None, ACT),
        ("@AcmeSupport necesito ayuda con mi cuenta por favor", None, ACT),
        ("@AcmeSupport el paquete llegó roto, qué vergüenza", NEG, ACT),
        ("@AcmeSupport muchas gracias por la ayuda, todo perfecto", POS, NOT),
        ("Qué buen partido el de anoche 😍", POS, NOT),
        ("@AcmeSupport excelente servicio, los recomiendo", POS, NOT),
        ("Hoy hace mucho calor en Sevilla", None, NOT),
        ("Me voy de vacaciones a la playa con la familia", None, NOT),
        ("@AcmeSupport me encanta el nuevo diseño, gracias!", POS, NOT),
    ],
    "de": [
        ("@AcmeSupport meine Bestellung ist seit zwei Wochen nicht angekommen", NEG, ACT),
        ("@AcmeSupport ihr habt zweimal abgebucht, ich will mein Geld zurück", NEG, ACT),
        ("@AcmeSupport die App stürzt ständig ab, unmöglich", NEG, ACT),
        ("@AcmeSupport wie kann ich meine Adresse ändern?", None, ACT),
        ("@AcmeSupport bitte helfen Sie mir mit meiner Rechnung", None, ACT),
        ("@AcmeSupport das Paket kam kaputt an, eine Frechheit", NEG, ACT),
        ("@AcmeSupport vielen Dank für die schnelle Hilfe, alles super!", POS, NOT),
        ("Was für ein schöner Abend mit Freunden 😍", POS, NOT),
        ("@AcmeSupport toller Service, sehr zufrieden 👍", POS, NOT),
        ("Heute regnet es in Hamburg", None, NOT),
        ("Ich schaue heute Abend das Spiel mit meinem Bruder", None, NOT),
        ("@AcmeSupport ich liebe den neuen Router, danke!", POS, NOT),
    ],
}


@pytest.mark.parametrize("language", sorted(_LABELLED))
def test_small_labelled_sets_in_french_spanish_and_german(
    classifier: Classifier, language: str
) -> None:
    rows = _LABELLED[language]
    found = classifier.classify_many([t for t, _, _ in rows])
    assert all(c.language == language for c in found), [c.language for c in found]
    action_right = sum(c.actionability is want for c, (_, _, want) in zip(found, rows, strict=True))
    opinions = [(c, want) for c, (_, want, _) in zip(found, rows, strict=True) if want]
    feeling_right = sum(c.sentiment is want for c, want in opinions)
    wrong = [
        (t, c.sentiment.value, c.actionability.value, c.explanation)
        for c, (t, s, a) in zip(found, rows, strict=True)
        if c.actionability is not a or (s is not None and c.sentiment is not s)
    ]
    assert action_right >= len(rows) - 1, wrong
    assert feeling_right >= len(opinions) - 1, wrong


# --- languages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("fr", "fr"),
        ("en-gb", "en"),
        ("pt_BR", "pt"),
        ("in", "id"),
        ("und", None),
        ("qme", None),
        ("zxx", None),
        ("", None),
        (None, None),
        ("français", None),
        (3, None),
    ],
)
def test_x_lang_codes(given: object, code: str | None) -> None:
    assert from_x(given) == code


def test_x_lang_decides_over_the_detector(classifier: Classifier) -> None:
    text = "@AcmeSupport ok"
    assert classifier.classify(text, lang="fr").language == "fr"
    assert classifier.classify(text, lang="und").language != "fr"


def test_batches_take_one_lang_per_text(classifier: Classifier) -> None:
    texts = ["@AcmeSupport mon écran est cassé", "@AcmeSupport my screen is broken"]
    found = classifier.classify_many(texts, langs=["fr", None])
    assert [c.language for c in found] == ["fr", "en"]
    assert found == [
        classifier.classify(t, lang=g) for t, g in zip(texts, ["fr", None], strict=True)
    ]
    with pytest.raises(ValueError, match="langs: 1 codes for 2 texts"):
        classifier.classify_many(texts, langs=["fr"])
    with pytest.raises(TypeError, match="langs must be a sequence"):
        classifier.classify_many(texts, langs="fr")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("aaa", "too short"),
        ("hmm", "too short"),
        ("@AcmeSupport Заказ не пришёл", "no model of its own for Russian"),
    ],
)
def test_unsure_answers_say_why(classifier: Classifier, text: str, reason: str) -> None:
    result = classifier.classify(text)
    assert result.sentiment is UND
    assert result.explanation.startswith("sentiment undeclared: ")
    assert reason in result.explanation
    assert result.confidence == 0.0


def test_mixed_languages_are_said_so(classifier: Classifier) -> None:
    result = classifier.classify("ok merci thanks danke gracias grazie obrigado")
    assert result.language is None or "mixed" in result.explanation or result.declared


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", [None, "fr", "ar", "und"])
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😡😡😡",
        "🙂",
        "https://t.co/abc https://t.co/def",
        "@AcmeSupport @ShopCo",
        "مرحبا hello Привет 你好 bonjour",
        "\ud800 mon colis \udfff est perdu \udc00",
        "ça ne marche pas " * 600,
        "x" * 10_000,
        "\u200b\u202e\ufeff",
        "#hashtag #only",
    ],
    ids=lambda t: repr(t[:12]),
)
def test_bad_input_gets_a_label_never_an_exception(
    classifier: Classifier, text: str, lang: str | None
) -> None:
    result = classifier.classify(text, lang=lang)
    assert isinstance(result, Classification)
    assert result.sentiment in Sentiment and result.actionability in Actionability
    assert 0.0 <= result.confidence <= 1.0
    assert -1.0 <= result.score <= 1.0
    assert result.explanation


def test_nothing_to_judge_is_undeclared(classifier: Classifier) -> None:
    for text in ["", "https://t.co/abc", "@AcmeSupport @ShopCo"]:
        result = classifier.classify(text, lang="fr")
        assert (result.sentiment, result.actionability) == (UND, UNK)


# --- model files ---------------------------------------------------------------------------------


def _card(language: str) -> dict[str, object]:
    model = SentimentModel.load(PACKAGED / f"sentiment-{language}-v{SHIPPED_VERSION:04d}.npz")
    return model.card


@pytest.mark.parametrize("language", MODEL_LANGUAGES)
def test_each_shipped_model_has_its_card(language: str) -> None:
    name = f"sentiment-{language}-v{SHIPPED_VERSION:04d}"
    card = _card(language)
    markdown = (PACKAGED / f"{name}.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# {name}")
    for figures in card["validation"]:  # type: ignore[union-attr]
        assert f"| {figures['f1']:.3f} |" in markdown  # type: ignore[index]
    assert "Licences and terms:" in markdown and "Training data:" in markdown
    assert str(card["trained_at"]) in markdown


@pytest.mark.parametrize("language", sorted(GOALS))
def test_shipped_models_meet_the_published_fasttext_figures(language: str) -> None:
    card = _card(language)
    validation = {f["dataset"]: f for f in card["validation"]}  # type: ignore[union-attr]
    xlmt = next(f for name, f in validation.items() if name.startswith("XLM-T"))
    assert xlmt["f1"] >= GOALS[language], validation
    if language == "en":
        tweeteval = validation["TweetEval sentiment validation"]
        assert tweeteval["f1"] >= TWEETEVAL_GOAL


def test_the_wheel_grows_by_at_most_25_mb() -> None:
    total = sum(p.stat().st_size for p in PACKAGED.iterdir())
    assert total <= 25_000_000, total


def _data() -> Path | None:
    given = os.environ.get("WORKBENCH_SENTIMENT_DATA")
    folder = Path(given) if given else ROOT.parent / "data-cache"
    return folder if (folder / "xlm-t" / "data" / "sentiment").is_dir() else None


def test_shipped_models_reproduce_their_validation_figures(classifier: Classifier) -> None:
    from workbench.classify import corpus
    from workbench.classify.sentiment_training import _macro_f1

    root = _data()
    if root is None:
        pytest.skip(
            "the public tweets are not here (WORKBENCH_SENTIMENT_DATA or ../data-cache; "
            "see workbench.classify.corpus); the cards are checked above"
        )
    labels = {s: i for i, s in enumerate((NEG, NEU, POS))}
    for language in sorted(GOALS):
        recorded = {f["dataset"]: f["f1"] for f in _card(language)["validation"]}  # type: ignore[union-attr]
        sets = [corpus.xlmt(root, language, "val")]
        if language == "en":
            sets.append(corpus.tweeteval_val(root))
        for split in sets:
            found = classifier.classify_many(split.texts, langs=[language] * len(split))
            f1 = _macro_f1(split.labels, [labels.get(c.sentiment, -1) for c in found])
            want = recorded[split.source if "TweetEval" not in split.source else split.source]
            assert abs(f1 - want) <= 0.01, (language, split.source, f1, want)


def _copy(language: str, folder: Path, version: int) -> Path:
    source = PACKAGED / f"sentiment-{language}-v{SHIPPED_VERSION:04d}.npz"
    target = folder / f"sentiment-{language}-v{version:04d}.npz"
    shutil.copyfile(source, target)
    return target


def test_a_newer_model_in_the_model_dir_is_used(tmp_path: Path) -> None:
    sentiment.forget()
    _copy("fr", tmp_path, 2)
    models = load_models(tmp_path)
    assert models["fr"].path == tmp_path / "sentiment-fr-v0002.npz"
    assert models["de"].path == PACKAGED / f"sentiment-de-v{SHIPPED_VERSION:04d}.npz"
    (tmp_path / "sentiment-de-v0003.npz").symlink_to(PACKAGED / "sentiment-de-v0001.npz")
    assert load_models(tmp_path)["de"].path.parent == PACKAGED  # symlinks are not loaded


@pytest.mark.parametrize("damage", ["corrupt", "format", "empty"])
def test_a_broken_model_file_is_named_and_the_lexicon_takes_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    sentiment.forget()
    path = tmp_path / "sentiment-fr-v0002.npz"
    if damage == "corrupt":
        path.write_bytes(_copy("fr", tmp_path, 2).read_bytes()[:5000])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        model = SentimentModel.load(_copy("fr", tmp_path, 2))
        with np.load(path) as data:
            arrays = dict(data)
        header = json.loads(bytes(arrays["header"]).decode())
        header["format"] = 99
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        np.savez(path, **arrays)
        assert model.version == 1  # the copy's header still says 1: only the name says 2
    with caplog.at_level(logging.WARNING, logger="workbench.classify.sentiment"):
        models = load_models(tmp_path)
        load_models(tmp_path)  # said once, not on every load
    assert "fr" not in models and "de" in models
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and str(path) in lines[0] and "lexicon" in lines[0], lines
    with pytest.raises(ModelFileError, match=str(path)):
        SentimentModel.load(path)
    result = Classifier(sentiment=models).classify("@AcmeSupport mon écran est arrivé cassé")
    assert (result.language, result.sentiment, result.actionability) == ("fr", NEG, ACT)
    assert result.model == "lexicon"
    sentiment.forget()


def test_missing_model_files_each_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sentiment.forget()
    monkeypatch.setattr(sentiment, "PACKAGED", tmp_path / "nothing")
    with caplog.at_level(logging.WARNING, logger="workbench.classify.sentiment"):
        assert load_models(None) == {}
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == len(MODEL_LANGUAGES)
    assert all("model file missing" in line for line in lines)
    english = Classifier(sentiment={}).classify("@AcmeAir my flight was cancelled. Worst service!")
    assert (english.sentiment, english.actionability, english.model) == (NEG, ACT, "rules")
    sentiment.forget()


def test_the_previous_english_only_classifier_is_kept_to_compare() -> None:
    old = Classifier(multilingual=False)
    assert old.classify("@AcmeSupport mon écran est arrivé cassé").sentiment is UND
    assert old.classify("@ShopCo my order never came").language is None


# --- features ------------------------------------------------------------------------------------


def test_features_score_as_the_sparse_matrix_does() -> None:
    texts = ["@AcmeSupport mon écran est cassé !", "", "😡😡 ok", "a" * 300, "مرحبا بكم"]
    features = _features.extract(texts)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(1 << 12, 3)).astype(np.float32)
    matrix = _features.matrix(features, 12)
    expected = np.asarray(matrix @ weights)  # type: ignore[operator]
    assert np.allclose(_features.scores(features, weights, 12), expected, atol=1e-4)
    assert _features.extract(texts).hashes.tolist() == features.hashes.tolist()  # stable


def test_training_is_reproducible(tmp_path: Path) -> None:
    """``workbench train --sentiment`` on a small corpus of our own, twice: the same bytes."""
    import subprocess
    import sys

    root = tmp_path / "data"
    folder = root / "xlm-t" / "data" / "sentiment" / "french"
    folder.mkdir(parents=True)
    rows = [(t, {NEG: 0, POS: 2}.get(s, 1)) for t, s, _ in _LABELLED["fr"]] * 4
    for split in ("train", "val"):
        (folder / f"{split}_text.txt").write_text("".join(t + "\n" for t, _ in rows))
        (folder / f"{split}_labels.txt").write_text("".join(f"{y}\n" for _, y in rows))
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "train", "--sentiment", "--data", str(root)]
            + ["--language", "fr", "--output", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert "sentiment-fr-v0001 (French)" in done.stdout
        outputs.append((out / "sentiment-fr-v0001.npz").read_bytes())
        assert (out / "sentiment-fr-v0001.md").is_file()
    assert outputs[0] == outputs[1]
    model = SentimentModel.load(tmp_path / "a" / "sentiment-fr-v0001.npz")
    assert model.language == "fr" and model.card["training_tweets"] == len(rows)


def test_train_sentiment_usage_errors(tmp_path: Path) -> None:
    import subprocess
    import sys

    def train(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workbench", "train", "--sentiment", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert train().returncode == 2
    assert train("--data", str(tmp_path / "none")).returncode == 2
    assert train("--data", str(tmp_path), "--language", "zz").returncode == 2
    missing = train("--data", str(tmp_path), "--language", "fr", "--output", str(tmp_path))
    assert missing.returncode == 1 and "sentiment data missing" in missing.stderr


def test_the_multilingual_bench_rows_run_at_a_small_scale() -> None:
    from workbench.bench import Result
    from workbench.bench.classify import (
        classifier_memory,
        classify_many_detected,
        classify_many_multilingual,
        multilingual_tweets,
    )

    texts, langs = multilingual_tweets(400)
    assert len(texts) == len(langs) == 400 and len(set(langs)) >= 8
    for bench in (classify_many_multilingual, classify_many_detected, classifier_memory):
        result = bench(0.001)
        assert isinstance(result, Result) and result.ours > 0 and result.baseline > 0


def test_the_classifier_process_takes_x_lang_codes() -> None:
    from workbench.classify.worker import Labeller

    labeller = Labeller()
    try:
        texts = ["@AcmeSupport mon écran est arrivé cassé", "@AcmeSupport Bestellung kaputt"]
        told = labeller.submit(texts, langs=["fr", "de"]).result(timeout=120)
        untold = labeller.submit(texts).result(timeout=120)
    finally:
        labeller.close()
    want = [(c.sentiment.value, c.actionability.value) for c in _langs(texts, ["fr", "de"])]
    assert told == want
    assert untold[0] == ("negative", "actionable")


def _langs(texts: list[str], langs: list[str | None]) -> list[Classification]:
    from workbench.classify import classify_many

    return classify_many(texts, langs=langs)
