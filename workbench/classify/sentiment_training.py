"""Fit the per-language sentiment models on public labelled tweets: ``workbench train --sentiment``.

For each language: the features of ``_features`` and the lexicon's four scores, a linear SVM
(scikit-learn's LinearSVC, one against the rest, classes weighted to balance) whose ``C`` is the
one of ``C_GRID`` with the best validation macro-F1, trained on the training split only; its
decision values become probabilities by a softmax whose temperature is the one that fits the
validation split best (least log loss). The validation figures in each model card are those of
the classifier's own path (the saved float16 weights, the declaring threshold), so that the
shipped model reproduces them. Deterministic: the same data give the same files.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workbench.classify import _features, _lexicons
from workbench.classify import corpus as data
from workbench.classify._language import SUPPORTED, Detected, name
from workbench.classify.sentiment import (
    CLASSES,
    LEXICON_FEATURES,
    MODEL_LANGUAGES,
    MULTILINGUAL,
    SentimentModel,
)

C_GRID = (0.03, 0.1, 0.3, 1.0)
#: Hash bits by model: the languages with tens of thousands of training tweets get more.
BITS = {"en": 20, MULTILINGUAL: 20}
DEFAULT_BITS = 18
#: The figures the models are held to: XLM-T's FastText monolingual validation macro-F1
#: (Barbieri et al. 2022, table 3), and TweetEval's for English.
GOALS = {
    "ar": 0.460,
    "en": 0.509,
    "fr": 0.548,
    "de": 0.596,
    "it": 0.547,
    "pt": 0.551,
    "es": 0.501,
}
TWEETEVAL_GOAL = 0.65
LICENCES = {
    "xlm-t": "XLM-T's repository is Apache-2.0; its UMSAB sets keep their sources' terms "
    "(SemEval-2017, DEFT 2017, SB-10K, SAIL 2015, SENTIPOLC 2016, SentiBR, InterTASS 2017) "
    "and X's terms for tweet text",
    "tweeteval": "TweetEval / SemEval-2017 task 4 (Rosenthal et al. 2017, Barbieri et al. "
    "2020): released for research without further restriction; X's terms for tweet text",
}

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Figures:
    """How one model did on one validation set."""

    dataset: str
    rows: int
    model_f1: float
    """Macro-F1 of the model's best guess for every tweet."""
    f1: float
    """Macro-F1 as the classifier answers: UNDECLARED below the threshold, counted as a miss."""
    undeclared: float
    """Share of the tweets left UNDECLARED."""


@dataclass(frozen=True)
class TrainedModel:
    """One model ``train_sentiment`` wrote, with its card and figures."""

    model: SentimentModel
    path: Path
    card_path: Path
    figures: tuple[Figures, ...]

    def line(self) -> str:
        shown = "; ".join(
            f"{f.dataset}: macro-F1 {f.f1:.3f} ({f.undeclared:.0%} undeclared)"
            for f in self.figures
        )
        return f"{self.model.name} ({_title(self.model.language)}): {shown} -> {self.path}"


def _title(language: str) -> str:
    return "multilingual" if language == MULTILINGUAL else name(language)


def lexicon_features(texts: Sequence[str], languages: Sequence[str | None]) -> F32:
    """The ``LEXICON_FEATURES`` of each text, read in its language as the classifier reads it."""
    from workbench.classify.classifier import _engine, _english_lexicon_features, _read

    rules = _engine()
    out = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
        reading = _read(text, language)
        if reading is None:
            out[i] = _english_lexicon_features(rules.evidence(text))
        elif language == "en":
            out[i] = _english_lexicon_features(rules.evidence(text, english=True))
        else:
            cues = _lexicons.LANGUAGES.get(language or "")
            found = reading.opinion(cues)
            out[i] = (found.score, found.positive, found.negative, found.problem is not None)
    return out


@dataclass(frozen=True)
class _Set:
    split: data.Split
    languages: list[str | None]
    features: _features.Features
    lexicon: F32

    @classmethod
    def of(cls, split: data.Split, languages: Sequence[str | None]) -> _Set:
        return cls(
            split,
            list(languages),
            _features.extract(split.texts),
            lexicon_features(split.texts, languages),
        )


def _macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> float:
    """Mean F1 over the three classes; a prediction of -1 (undeclared) is a miss."""
    g = np.asarray(gold)
    p = np.asarray(predicted)
    scores = []
    for k in range(len(CLASSES)):
        tp = int(np.sum((g == k) & (p == k)))
        fp = int(np.sum((g != k) & (p == k)))
        fn = int(np.sum((g == k) & (p != k)))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def _softmax(values: F32, temperature: float) -> F32:
    z = values / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: F32 = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def _temperature(decisions: F32, gold: Sequence[int]) -> float:
    """The softmax temperature with the least log loss on ``gold``."""
    y = np.asarray(gold)
    best, best_loss = 1.0, float("inf")
    for t in np.geomspace(0.05, 5.0, 61):
        p = _softmax(decisions, float(t))
        loss = -float(np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-9))))
        if loss < best_loss - 1e-12:
            best, best_loss = float(t), loss
    return round(best, 4)


def _fit(train: _Set, bits: int, c: float) -> tuple[F32, F32]:
    """LinearSVC's weights (features, then lexicon; classes as columns) and intercepts."""
    from sklearn.svm import LinearSVC

    x = _features.matrix(train.features, bits, extra=train.lexicon)
    svm = LinearSVC(C=c, class_weight="balanced", max_iter=5000, random_state=0)
    svm.fit(x, np.asarray(train.split.labels))
    return svm.coef_.T.astype(np.float32), svm.intercept_.astype(np.float32)


def _model(
    language: str, bits: int, weights: F32, intercept: F32, temperature: float, version: int
) -> SentimentModel:
    width = 1 << bits
    return SentimentModel(
        language=language,
        version=version,
        bits=bits,
        weights=weights[:width].astype(np.float16),
        lexicon_weights=weights[width:].astype(np.float32),
        intercept=intercept,
        temperature=temperature,
    )


def _decisions(model: SentimentModel, s: _Set) -> F32:
    """The model's decision values (before the temperature) on ``s``."""
    values = _features.scores_by_class(s.features, model.by_class, model.bits)
    return (values + s.lexicon @ model.lexicon_weights + model.intercept).astype(np.float32)


def figures(model: SentimentModel, s: _Set, dataset: str) -> Figures:
    """``model`` on ``s`` as the classifier answers (see ``Figures``)."""
    from workbench.classify.classifier import _LABELS, POSITIVE_AT, _decide
    from workbench.domain.classification import Sentiment

    p = model.probabilities(s.features, s.lexicon)
    best = [int(k) for k in p.argmax(axis=1)]
    answered = []
    for row, text, language, lexicon in zip(p, s.split.texts, s.languages, s.lexicon, strict=True):
        detected = Detected(language if model.language != MULTILINGUAL else None, 1.0)
        words = len(text.split())
        complaint = "complaint" if lexicon[3] > 0 and lexicon[0] < POSITIVE_AT else None
        label, _, _ = _decide(row, model, detected, words, complaint)
        answered.append(-1 if label is Sentiment.UNDECLARED else _LABELS.index(label))
    gold = s.split.labels
    return Figures(
        dataset,
        len(gold),
        round(_macro_f1(gold, best), 4),
        round(_macro_f1(gold, answered), 4),
        round(sum(1 for a in answered if a < 0) / len(answered), 4),
    )


def fit_language(
    language: str,
    train: _Set,
    validation: _Set,
    version: int,
    log: Callable[[str], None] = print,
) -> tuple[SentimentModel, float]:
    """The model of ``language`` with ``C`` chosen on ``validation``; and that ``C``."""
    bits = BITS.get(language, DEFAULT_BITS)
    best: tuple[float, float, F32, F32] | None = None
    for c in C_GRID:
        weights, intercept = _fit(train, bits, c)
        trial = _model(language, bits, weights, intercept, 1.0, version)
        score = _macro_f1(validation.split.labels, _decisions(trial, validation).argmax(axis=1))
        log(f"  {language} C={c}: validation macro-F1 {score:.3f}")
        if best is None or score > best[0] + 1e-9:
            best = (score, c, weights, intercept)
    assert best is not None
    _, c, weights, intercept = best
    model = _model(language, bits, weights, intercept, 1.0, version)
    temperature = _temperature(_decisions(model, validation), validation.split.labels)
    return _model(language, bits, weights, intercept, temperature, version), c


def _sets(root: Path, language: str) -> tuple[_Set, list[tuple[str, _Set]], list[str]]:
    """Training set, validation sets (the first chooses) and the data's descriptions."""
    if language == "en":
        train = data.english_train(root)
        tweeteval = data.tweeteval_val(root)
        xlmt = data.xlmt(root, "en", "val")
        return (
            _Set.of(train, ["en"] * len(train)),
            [
                (tweeteval.source, _Set.of(tweeteval, ["en"] * len(tweeteval))),
                (xlmt.source, _Set.of(xlmt, ["en"] * len(xlmt))),
            ],
            [train.source, LICENCES["tweeteval"], LICENCES["xlm-t"]],
        )
    if language == MULTILINGUAL:
        texts: list[str] = []
        labels: list[int] = []
        languages: list[str | None] = []
        vtexts: list[str] = []
        vlabels: list[int] = []
        vlanguages: list[str | None] = []
        for code in data.XLMT_LANGUAGES:
            part = data.xlmt(root, code, "train")
            texts += part.texts
            labels += part.labels
            languages += [code if code in SUPPORTED else None] * len(part)
            held = data.xlmt(root, code, "val")
            vtexts += held.texts
            vlabels += held.labels
            vlanguages += [code if code in SUPPORTED else None] * len(held)
        train = data.Split(texts, labels, "XLM-T UMSAB train, all eight languages")
        validation = data.Split(vtexts, vlabels, "XLM-T UMSAB validation, all eight languages")
        return (
            _Set.of(train, languages),
            [(validation.source, _Set.of(validation, vlanguages))],
            [train.source, LICENCES["xlm-t"]],
        )
    train = data.xlmt(root, language, "train")
    validation = data.xlmt(root, language, "val")
    return (
        _Set.of(train, [language] * len(train)),
        [(validation.source, _Set.of(validation, [language] * len(validation)))],
        [train.source, LICENCES["xlm-t"]],
    )


def train_sentiment(
    root: Path,
    folder: Path,
    *,
    version: int = 1,
    languages: Sequence[str] = MODEL_LANGUAGES,
    log: Callable[[str], None] = print,
) -> list[TrainedModel]:
    """Train each language's model on the data under ``root`` (see ``corpus``) and write it,
    with its card, into ``folder`` as ``version``."""
    import sklearn

    out = []
    for language in languages:
        if language not in MODEL_LANGUAGES:
            raise ValueError(f"languages: no sentiment model for {language!r}")
        train, validations, sources = _sets(root, language)
        log(f"{_title(language)}: {len(train.split)} training tweets")
        model, c = fit_language(language, train, validations[0][1], version, log)
        measured = tuple(figures(model, s, label) for label, s in validations)
        card = {
            "trained_at": datetime.now(UTC).date().isoformat(),
            "trainer": f"workbench train --sentiment (scikit-learn {sklearn.__version__} "
            f"LinearSVC, C={c}, class_weight=balanced; Python {platform.python_version()})",
            "training_data": train.split.source,
            "training_tweets": len(train.split),
            "sources": sources,
            "C": c,
            "validation": [f.__dict__ for f in measured],
            "goal": GOALS.get(language),
            "tweeteval_goal": TWEETEVAL_GOAL if language == "en" else None,
        }
        model = SentimentModel(
            model.language,
            model.version,
            model.bits,
            model.weights,
            model.lexicon_weights,
            model.intercept,
            model.temperature,
            card,
        )
        path = model.save(folder)
        card_path = folder / f"{model.name}.md"
        card_path.write_text(model_card(model, measured), encoding="utf-8")
        trained = TrainedModel(model, path, card_path, measured)
        log(trained.line())
        out.append(trained)
    return out


def model_card(model: SentimentModel, measured: Sequence[Figures]) -> str:
    """The Markdown card of ``model``."""
    card = model.card
    language = (
        "any language without a model of its own"
        if model.language == MULTILINGUAL
        else (f"{name(model.language)} (`{model.language}`)")
    )
    lines = [
        f"# {model.name}",
        "",
        f"Sentiment (negative, neutral, positive) of tweets in {language}, for the workbench's "
        "classifier (`workbench.classify`).",
        "",
        f"- Version {model.version}, model file format 1, trained {card['trained_at']} by "
        f"{card['trainer']}.",
        f"- Training data: {card['training_data']}, {card['training_tweets']:,} tweets. "
        "No training data ships with the model.",
        "- Licences and terms: " + "; ".join(card["sources"][1:]) + ".",
        f"- Features: hashed character {min(_features.CHAR_SIZES)}-{max(_features.CHAR_SIZES)}"
        f"-grams and word uni- and bigrams ({model.bits} bits, "
        "`workbench/classify/_features.py`), and the lexicon's score, positive and negative "
        "sums and problem phrase (`_lexicons.py`; English: the VADER-based rules). Weights in "
        f"float16; probabilities by a softmax of temperature {model.temperature} fitted on the "
        "validation split.",
        "",
        "| validation set | tweets | macro-F1, best guess | macro-F1 as answered | undeclared |",
        "|---|---|---|---|---|",
    ]
    for f in measured:
        lines.append(
            f"| {f.dataset} | {f.rows} | {f.model_f1:.3f} | {f.f1:.3f} | {f.undeclared:.1%} |"
        )
    lines.append("")
    from workbench.classify.classifier import SENTIMENT_AT, UNSURE_AT

    lines.append(
        '"As answered": what the classifier says, UNDECLARED below its threshold (p '
        f"{SENTIMENT_AT:.2f}, the multilingual model {UNSURE_AT:.2f}) and counted as a miss."
    )
    if card.get("goal") is not None:
        lines.append(
            f"Goal: at least {card['goal']:.3f} on XLM-T validation (the FastText monolingual "
            "figure of the XLM-T paper)"
            + (
                f", and {TWEETEVAL_GOAL:.2f} on TweetEval validation."
                if model.language == "en"
                else "."
            )
        )
    lines += [
        "",
        "Limits: tweets, not longer text; sarcasm and irony are often missed; a language's "
        "model learnt from 1,839 tweets (English: about 45,000) of the years 2013-2017.",
        "",
    ]
    return "\n".join(lines)
