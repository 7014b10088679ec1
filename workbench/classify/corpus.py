"""The public labelled tweets the sentiment models learn from, read where they lie.

``DIR`` (``workbench train --sentiment --data DIR``) holds the repositories' data as the
repositories lay it out, each under the repository's name:

- ``xlm-t/data/sentiment/<language>/{train,val}_{text,labels}.txt``: XLM-T's UMSAB (Barbieri,
  Espinosa Anke and Camacho-Collados, LREC 2022), 1,839 training and 324 validation tweets in
  each of eight languages; labels 0 negative, 1 neutral, 2 positive.
- ``tweeteval/datasets/sentiment/{train,val}_{text,labels}.txt``: TweetEval's sentiment task
  (Barbieri et al., 2020; SemEval-2017 task 4A, Rosenthal et al. 2017), same labels.
- when TweetEval's training texts are not there (its repository's largest file), the SemEval
  2013-2016 task 4A tweets TweetEval's training and validation sets were drawn from:
  ``datastories-semeval2017-task4/dataset/Subtask_A/downloaded/twitter-<year><split>-A.tsv``
  (id, label word, text), the files of ``SEMEVAL_FILES`` only, never the 2017 test.

Only training and validation files are ever opened. English training leaves out every tweet
that is also in a validation set (TweetEval's or XLM-T's English), compared on letters and
digits alone, so that the validation figures are measured on tweets no model saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from workbench.classify.classifier import prepare

#: XLM-T's folder names, by the language code the workbench uses.
XLMT_LANGUAGES = {
    "ar": "arabic",
    "en": "english",
    "fr": "french",
    "de": "german",
    "hi": "hindi",
    "it": "italian",
    "pt": "portuguese",
    "es": "spanish",
}
SEMEVAL_FILES = tuple(
    f"twitter-{name}-A.tsv"
    for name in (
        "2013train",
        "2013dev",
        "2013test",
        "2014test",
        "2014sarcasm",
        "2015train",
        "2015test",
        "2016train",
        "2016dev",
        "2016devtest",
        "2016test",
    )
)
_LABELS = {"negative": 0, "neutral": 1, "positive": 2}
_LINK_OR_MENTION = re.compile(r"(?:https?://|www\.)\S+|@\w+")
_NOT_ALNUM = re.compile(r"[\W_]+")


class CorpusError(FileNotFoundError):
    """A data file the training needs is not in ``DIR``; names the file."""


@dataclass(frozen=True)
class Split:
    """Tweets and their labels (0 negative, 1 neutral, 2 positive)."""

    texts: list[str]
    labels: list[int]
    source: str

    def __len__(self) -> int:
        return len(self.texts)


def key(text: str) -> str:
    """What two copies of a tweet have in common: its letters and digits, lower-cased, without
    links and mentions (copies differ in quoting, escapes and shortened links)."""
    return _NOT_ALNUM.sub("", _LINK_OR_MENTION.sub("", prepare(text).lower()))


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise CorpusError(f"sentiment data missing: {path}")
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _pair(folder: Path, split: str, source: str) -> Split:
    texts = _lines(folder / f"{split}_text.txt")
    labels = [int(y) for y in _lines(folder / f"{split}_labels.txt")]
    if len(texts) != len(labels) or any(y not in (0, 1, 2) for y in labels):
        raise CorpusError(f"{folder}: {split} texts and labels do not match")
    return Split(texts, labels, source)


def xlmt(root: Path, language: str, split: str) -> Split:
    """XLM-T's ``split`` (train or val) of ``language`` (a code of ``XLMT_LANGUAGES``)."""
    folder = root / "xlm-t" / "data" / "sentiment" / XLMT_LANGUAGES[language]
    return _pair(folder, split, f"XLM-T UMSAB {XLMT_LANGUAGES[language]} {split}")


def tweeteval_val(root: Path) -> Split:
    """TweetEval's sentiment validation set."""
    return _pair(
        root / "tweeteval" / "datasets" / "sentiment", "val", "TweetEval sentiment validation"
    )


def english_train(root: Path) -> Split:
    """TweetEval's training tweets (or the SemEval tweets they were drawn from) and XLM-T's
    English training tweets, without any tweet of a validation set, each tweet once."""
    held = {key(t) for t in tweeteval_val(root).texts}
    held |= {key(t) for t in xlmt(root, "en", "val").texts}
    folder = root / "tweeteval" / "datasets" / "sentiment"
    if (folder / "train_text.txt").is_file():
        base = _pair(folder, "train", "TweetEval sentiment train")
        pairs: Iterable[tuple[str, int]] = zip(base.texts, base.labels, strict=True)
        source = base.source
    else:
        pairs = _semeval(root)
        source = "SemEval-2013..2016 task 4A (TweetEval's training pool)"
    extra = xlmt(root, "en", "train")
    texts: list[str] = []
    labels: list[int] = []
    seen: set[str] = set()
    for text, label in [*pairs, *zip(extra.texts, extra.labels, strict=True)]:
        k = key(text)
        if k in held or k in seen:
            continue
        seen.add(k)
        texts.append(text)
        labels.append(label)
    return Split(texts, labels, f"{source} + {extra.source}, less validation tweets")


def _semeval(root: Path) -> list[tuple[str, int]]:
    folder = root / "datastories-semeval2017-task4" / "dataset" / "Subtask_A" / "downloaded"
    out = []
    for name in SEMEVAL_FILES:
        for line in _lines(folder / name):
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] in _LABELS:
                out.append(("\t".join(parts[2:]), _LABELS[parts[1]]))
    return out
