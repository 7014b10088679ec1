"""How well the classifier does on public labelled tweets, beside plain vaderSentiment.

The shipped classifier (the rules) is measured always; given a model trained on agents'
corrections (``workbench train``), the rules with that model are measured beside it.

Reads the sets described in ``shared/data/README.md`` (read-only, never copied into the project).
Plain VADER labels by compound >= 0.05 positive, <= -0.05 negative; as an actionability baseline
it calls a message actionable when VADER finds it negative. Texts our classifier leaves
UNDECLARED (another language, nothing to judge) count as neutral and as not actionable.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from workbench.classify.classifier import Classification, Classifier
from workbench.domain.classification import Actionability, Sentiment

if TYPE_CHECKING:
    from workbench.classify.model import ActionabilityModel

LABELS = ("negative", "neutral", "positive")
UNDECLARED_NOTE = "undeclared counted as neutral / not actionable"


@dataclass(frozen=True)
class QualityRow:
    """One figure: ours (the shipped classifier) and plain VADER's on one data set, and the goal
    it is held to; ``trained`` is the figure with a trained model, when one was given."""

    metric: str
    dataset: str
    rows: int
    ours: float
    vader: float
    goal: str
    met: bool
    note: str = ""
    trained: float | None = None
    trained_met: bool | None = None
    trained_version: int | None = None
    previous: float | None = None
    """The English-only classifier the workbench had before (``multilingual=False``)."""

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["ours"] = round(self.ours, 4)
        out["vader"] = round(self.vader, 4)
        if self.trained is not None:
            out["trained"] = round(self.trained, 4)
        if self.previous is not None:
            out["previous"] = round(self.previous, 4)
        return out


# --- data sets -----------------------------------------------------------------------------------


def _read(path: Path) -> str:
    """The file's text with its line endings as they are."""
    if not path.is_file():
        raise FileNotFoundError(f"quality data missing: {path}")
    return path.read_bytes().decode("utf-8", errors="replace")


def tweeteval(root: Path) -> list[tuple[str, str]]:
    folder = root / "tweeteval_sentiment"
    texts = _read(folder / "val_text.txt").split("\n")[:-1]
    labels = _read(folder / "val_labels.txt").split()
    return [(t, LABELS[int(y)]) for t, y in zip(texts, labels, strict=True)]


def sentiment140(root: Path) -> list[tuple[str, str]]:
    names = {"0": "negative", "2": "neutral", "4": "positive"}
    body = _read(root / "sentiment140_test" / "testdata.manual.2009.06.14.label_text.csv")
    return [(row[1], names[row[0]]) for row in csv.reader(io.StringIO(body, newline="")) if row]


def sanders(root: Path) -> list[tuple[str, str]]:
    body = _read(root / "sanders_twitter_corpus" / "full-corpus.csv")
    return [
        (row["TweetText"], row["Sentiment"])
        for row in csv.DictReader(io.StringIO(body, newline=""))
        if row["Sentiment"] in LABELS
    ]


def vader_ratings(root: Path) -> list[tuple[str, float]]:
    body = _read(root / "vader_icwsm2014" / "tweets_GroundTruth.txt")
    out = []
    for line in body.split("\r\n"):
        if line.strip():
            _, rating, text = line.split("\t", 2)
            out.append((text, float(rating)))
    return out


def complaints(root: Path) -> list[tuple[str, bool, str]]:
    body = _read(root / "complaints_preotiuc2019" / "complaints-dev.csv")
    return [(r[1], r[2] == "1", r[3]) for r in csv.reader(io.StringIO(body, newline="")) if r]


def ibm_first_turns(root: Path) -> list[str]:
    conversations = json.loads(_read(root / "ibm_twitter_customer_care" / "dev.json"))
    return [
        next(turn["message"] for turn in c["dialogContent"] if "client" in turn)
        for c in conversations
    ]


# --- metrics -------------------------------------------------------------------------------------


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over negative, neutral and positive."""
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    return cov / math.sqrt(vx * vy) if vx and vy else 0.0


def _our_label(c: Classification) -> str:
    return "neutral" if c.sentiment is Sentiment.UNDECLARED else c.sentiment.value


def _vader_label(compound: float) -> str:
    return "positive" if compound >= 0.05 else ("negative" if compound <= -0.05 else "neutral")


_MENTION = re.compile(r"[@＠][A-Za-z0-9_]+")


def report(
    shared_data_dir: str | os.PathLike[str], trained: ActionabilityModel | None = None
) -> list[QualityRow]:
    """Every figure, the shipped classifier's beside plain VADER's, on the sets under
    ``shared_data_dir``; with ``trained``, also the figures of the rules with that model."""
    root = Path(shared_data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"quality data folder not found: {root}")
    rows = _report(root, Classifier())
    if trained is None:
        return rows
    with_model = _report(root, Classifier(model=trained))
    return [
        replace(r, trained=m.ours, trained_met=m.met, trained_version=trained.version)
        for r, m in zip(rows, with_model, strict=True)
    ]


def _report(root: Path, classifier: Classifier) -> list[QualityRow]:
    classify_many = classifier.classify_many
    analyzer = SentimentIntensityAnalyzer()

    def vader(texts: Sequence[str]) -> list[float]:
        return [analyzer.polarity_scores(t)["compound"] for t in texts]

    rows: list[QualityRow] = []
    sets: list[tuple[str, Callable[[Path], list[tuple[str, str]]], float | None]] = [
        ("TweetEval sentiment, validation", tweeteval, 0.60),
        ("Sentiment140 test", sentiment140, None),
        ("Sanders (positive/negative/neutral)", sanders, None),
    ]
    for name, load, floor in sets:
        data = load(root)
        texts = [t for t, _ in data]
        gold = [y for _, y in data]
        ours = macro_f1(gold, [_our_label(c) for c in classify_many(texts)])
        base = macro_f1(gold, [_vader_label(c) for c in vader(texts)])
        goal = f"> VADER and >= {floor:.2f}" if floor else "> VADER"
        met = ours > base and (floor is None or ours >= floor)
        rows.append(QualityRow("sentiment macro-F1", name, len(data), ours, base, goal, met))

    ratings = vader_ratings(root)
    texts = [t for t, _ in ratings]
    human = [r for _, r in ratings]
    ours = pearson([c.score for c in classify_many(texts)], human)
    base = pearson(vader(texts), human)
    rows.append(
        QualityRow(
            "sentiment Pearson r",
            "VADER ICWSM-2014 tweets",
            len(ratings),
            ours,
            base,
            ">= 0.87",
            ours >= 0.87,
        )
    )

    def actionable(texts: Sequence[str], direct: bool = False) -> list[bool]:
        return [
            c.actionability is Actionability.ACTIONABLE for c in classify_many(texts, direct=direct)
        ]

    def vader_actionable(texts: Sequence[str]) -> list[bool]:
        return [c <= -0.05 for c in vader(texts)]

    labelled = complaints(root)
    positives = [t for t, complaint, _ in labelled if complaint]
    random = [t for t, _, domain in labelled if domain.startswith("random")]
    firsts = ibm_first_turns(root)
    # The same complaints as DMs would come: no @mention, and the classifier told it is a DM.
    as_dms = [_MENTION.sub("", t).strip() or t for t in positives]
    for metric, name, texts, want, direct in (
        ("actionability recall", "complaints (label 1)", positives, True, False),
        ("actionability recall", "complaints as DMs (mentions removed)", as_dms, True, True),
        ("actionability recall", "IBM customer care, first turns", firsts, True, False),
        ("not actionable share", "complaints set, random tweets/replies", random, False, False),
    ):
        ours = sum(a == want for a in actionable(texts, direct)) / len(texts)
        base = sum(a == want for a in vader_actionable(texts)) / len(texts)
        rows.append(
            QualityRow(
                metric, name, len(texts), ours, base, ">= 0.85", ours >= 0.85, UNDECLARED_NOTE
            )
        )
    return rows


_MISS_NOTE = "undeclared counted as a miss"


def language_report(root: str | os.PathLike[str]) -> list[QualityRow]:
    """Sentiment macro-F1 of each language's validation tweets (XLM-T's, and TweetEval's for
    English, under ``root`` laid out as ``workbench.classify.corpus`` says): ours with X's
    language code given, beside plain VADER and the English-only classifier this workbench had
    before; an undeclared answer counts as a miss, as the goals count it."""
    from workbench.classify import corpus
    from workbench.classify.sentiment_training import GOALS, TWEETEVAL_GOAL

    folder = Path(root)
    ours = Classifier()
    previous = Classifier(multilingual=False)
    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for language in sorted(GOALS):
        sets = [(corpus.xlmt(folder, language, "val"), GOALS[language])]
        if language == "en":
            sets.append((corpus.tweeteval_val(folder), TWEETEVAL_GOAL))
        for split, goal in sets:
            gold = [LABELS[y] for y in split.labels]
            found = ours.classify_many(split.texts, langs=[language] * len(split))
            mine = macro_f1(gold, [c.sentiment.value for c in found])
            before = macro_f1(
                gold, [c.sentiment.value for c in previous.classify_many(split.texts)]
            )
            vader = macro_f1(
                gold,
                [_vader_label(analyzer.polarity_scores(t)["compound"]) for t in split.texts],
            )
            rows.append(
                QualityRow(
                    "sentiment macro-F1",
                    split.source,
                    len(split),
                    mine,
                    vader,
                    f">= {goal:.3f}",
                    mine >= goal,
                    _MISS_NOTE,
                    previous=before,
                )
            )
    return rows


def format_report(rows: Sequence[QualityRow]) -> str:
    """The rows as a plain-text table (with the trained model's columns when it was measured,
    and the previous classifier's when it was)."""
    version = next((r.trained_version for r in rows if r.trained is not None), None)
    before = any(r.previous is not None for r in rows)
    header: tuple[str, ...] = ("metric", "data set", "rows", "ours", "VADER")
    header += ("previous",) if before else ()
    header += ("goal", "met")
    if version is not None:
        header += (f"model v{version}", "met")

    def figure(r: QualityRow, value: float) -> str:
        return f"{value:.4f}" if "Pearson" in r.metric else f"{value:.3f}"

    table = [header]
    for r in rows:
        line: tuple[str, ...] = (
            r.metric,
            r.dataset,
            str(r.rows),
            figure(r, r.ours),
            figure(r, r.vader),
        )
        if before:
            line += ("" if r.previous is None else figure(r, r.previous),)
        line += (r.goal, "yes" if r.met else "NO")
        if version is not None:
            line += (
                ("", "")
                if r.trained is None
                else (figure(r, r.trained), "yes" if r.trained_met else "NO")
            )
        table.append(line)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        "VADER: plain vaderSentiment 3.3.2, compound >= 0.05 positive, <= -0.05 negative; "
        "as actionability, negative means actionable."
    )
    lines.append(f"Ours: {UNDECLARED_NOTE} (nothing but links or mentions, unsure).")
    if before:
        lines.append(
            "Per-language rows: ours with X's language code given, the previous (English-only) "
            f"classifier and VADER, {_MISS_NOTE}."
        )
    if version is not None:
        lines.append(
            f"Model v{version}: ours with the newest model `workbench train` wrote "
            "(it changes actionability only)."
        )
    return "\n".join(lines)


def print_report(rows: Sequence[QualityRow]) -> None:
    """Print ``format_report(rows)``."""
    print(format_report(rows))


if __name__ == "__main__":  # python -m workbench.classify.quality [DATA_DIR]
    import sys

    here = Path(__file__).resolve().parents[3] / "shared" / "data"
    print_report(report(sys.argv[1] if len(sys.argv) > 1 else here))
