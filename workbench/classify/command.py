"""``workbench train``: fit the actionability model on agents' corrections in the store, or
(``--sentiment``) the sentiment models on public labelled tweets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "train the actionability or the sentiment models"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from workbench.classify.train import MIN_CORRECTIONS, MIN_EACH

    parser.epilog = (
        "Without --sentiment: reads every interaction whose actionability an agent corrected, "
        "fits the model on the customer's text and the agent's answer, and writes it as the "
        "next actionability-vNNNN.joblib in WORKBENCH_MODEL_DIR (default: models/ in the user "
        "data dir). Ingest then classifies with the newest model there. Needs at least "
        f"{MIN_CORRECTIONS} corrections, at least {MIN_EACH} of each answer. "
        "With --sentiment --data DIR: trains the sentiment model of each language on the "
        "public tweets under DIR (xlm-t/data/sentiment/..., tweeteval/datasets/sentiment/..., "
        "as in those repositories; see workbench.classify.corpus) and writes "
        "sentiment-<language>-vNNNN.npz and its model card into --output (default: "
        "WORKBENCH_MODEL_DIR); the package ships the files of workbench/classify/models/."
    )
    parser.add_argument("--db-url", metavar="URL", help="store URL (default: WORKBENCH_DB_URL)")
    parser.add_argument(
        "--sentiment", action="store_true", help="train the sentiment models on public tweets"
    )
    parser.add_argument("--data", metavar="DIR", help="public labelled tweets (with --sentiment)")
    parser.add_argument(
        "--output", metavar="DIR", help="where --sentiment writes (default: WORKBENCH_MODEL_DIR)"
    )
    parser.add_argument(
        "--version", type=int, default=1, help="version number of the models written (default 1)"
    )
    parser.add_argument(
        "--language",
        action="append",
        metavar="CODE",
        help="train only this model (en, fr, es, de, it, pt, ar, xx: multilingual); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    if args.sentiment:
        return _sentiment(args)
    from workbench.classify.train import train
    from workbench.config import Settings
    from workbench.store import Store

    settings = Settings.from_env(workbench_db_url=args.db_url)
    store = Store(settings.db_url)
    try:
        trained = train(store, settings.model_dir)
    finally:
        store.close()
    print(trained.line())
    return 0


def _sentiment(args: argparse.Namespace) -> int:
    from workbench.classify.corpus import CorpusError
    from workbench.classify.sentiment import MODEL_LANGUAGES
    from workbench.classify.sentiment_training import train_sentiment
    from workbench.config import model_dir

    if not args.data:
        print("workbench train: --sentiment needs --data DIR", file=sys.stderr)
        return 2
    root = Path(args.data)
    if not root.is_dir():
        print(f"workbench train: --data {root}: not a folder", file=sys.stderr)
        return 2
    languages = args.language or list(MODEL_LANGUAGES)
    unknown = [code for code in languages if code not in MODEL_LANGUAGES]
    if unknown:
        print(f"workbench train: --language {unknown[0]}: no such model", file=sys.stderr)
        return 2
    if args.version < 1:
        print("workbench train: --version must be 1 or more", file=sys.stderr)
        return 2
    folder = Path(args.output) if args.output else model_dir()
    try:
        train_sentiment(root, folder, version=args.version, languages=languages)
    except CorpusError as exc:
        print(f"workbench train: {exc}", file=sys.stderr)
        return 1
    return 0
