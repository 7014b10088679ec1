"""``workbench train``: fit the actionability model on agents' corrections in the store."""

from __future__ import annotations

import argparse

HELP = "train the actionability model on agents' corrections"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from workbench.classify.train import MIN_CORRECTIONS, MIN_EACH

    parser.epilog = (
        "Reads every interaction whose actionability an agent corrected, fits the model on the "
        "customer's text and the agent's answer, and writes it as the next "
        "actionability-vNNNN.joblib in WORKBENCH_MODEL_DIR (default: models/ in the user data "
        "dir). Ingest then classifies with the newest model there. Needs at least "
        f"{MIN_CORRECTIONS} corrections, at least {MIN_EACH} of each answer."
    )
    parser.add_argument("--db-url", metavar="URL", help="store URL (default: WORKBENCH_DB_URL)")


def run(args: argparse.Namespace) -> int:
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
