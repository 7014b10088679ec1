"""``workbench train``: the classifier learns from agents' corrections kept in the store, and
``classify`` (so ingest) uses the newest model in the workbench's model folder, and no other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from workbench.classify import classify, classify_many, retrain
from workbench.classify.model import ActionabilityModel
from workbench.classify.train import MIN_CORRECTIONS, MIN_EACH, TrainingError, train
from workbench.classify.trained import forget, newest_model
from workbench.domain import (
    Action,
    Actionability,
    Channel,
    EntryKind,
    Event,
    Interaction,
    TranscriptEntry,
)

DANA = "2244994945"  # a contact of the shipped reference data
ASKED = "@AcmeSupport are you open at {} on sunday?"  # the rules: a question, so actionable
BROKEN = "@AcmeSupport my order {} never came"


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own model folder, as WORKBENCH_MODEL_DIR."""
    folder = tmp_path / "models"
    monkeypatch.setenv("WORKBENCH_MODEL_DIR", str(folder))
    forget()
    yield folder
    forget()


def arrive(store, text: str) -> str:
    source = str(uuid.uuid4().int % 10**18)
    it = Interaction(uuid.uuid4().hex, Channel.MENTION, DANA, source, subject=text[:40])
    first = TranscriptEntry(
        it.id, it.arrived_at, EntryKind.INBOUND, "dana", text, "message", source
    )
    assert store.add_interaction(it, None, first)
    return it.id


def correct(store, interaction_id: str, to: Actionability, agent: str = "ann") -> None:
    before = Actionability.NOT_ACTIONABLE if to is Actionability.ACTIONABLE else "actionable"
    store.append_event(
        Event(
            Action.CORRECTED,
            interaction_id,
            agent=agent,
            details={
                "actionability": {"from": str(getattr(before, "value", before)), "to": to.value}
            },
        )
    )


def corrected(store, n: int = 30) -> None:
    """Agents here say opening-hours questions need no agent; lost orders do."""
    for h in range(n):
        correct(store, arrive(store, ASKED.format(h)), Actionability.NOT_ACTIONABLE)
        correct(store, arrive(store, BROKEN.format(1000 + h)), Actionability.ACTIONABLE)


def test_corrections_join_the_customer_text_and_keep_the_latest(store):
    first = arrive(store, "@AcmeSupport where is my parcel?")
    correct(store, first, Actionability.NOT_ACTIONABLE)
    correct(store, first, Actionability.ACTIONABLE, agent="bob")  # bob has the last word
    other = arrive(store, "@AcmeSupport nice photo")
    correct(store, other, Actionability.NOT_ACTIONABLE)
    undeclared = arrive(store, "@AcmeSupport ???")
    correct(store, undeclared, Actionability.UNDECLARED)
    sentiment_only = arrive(store, "@AcmeSupport meh")
    store.append_event(
        Event(Action.CORRECTED, sentiment_only, "ann", details={"sentiment": {"to": "negative"}})
    )
    got = store.training.actionability()
    assert [(c.interaction_id, c.pair, c.agent) for c in got] == [
        (first, ("@AcmeSupport where is my parcel?", True), "bob"),
        (other, ("@AcmeSupport nice photo", False), "ann"),
    ]
    assert store.training is store.training  # built once


def test_train_writes_versions_and_classify_uses_the_newest(store, models):
    text = ASKED.format(9)
    assert classify(text).actionability is Actionability.ACTIONABLE  # the rules alone
    assert newest_model() is None
    corrected(store)
    first = train(store, models)
    assert first.path == models / "actionability-v0001.joblib" and first.path.is_file()
    assert (first.version, first.examples, first.actionable) == (1, 60, 30)
    assert "v0001: 60 corrections (30 actionable, 30 not actionable)" in first.line()
    learnt = classify(text)
    assert learnt.actionability is Actionability.NOT_ACTIONABLE
    assert "Model v1 (trained on 60 corrections)" in learnt.explanation
    assert classify_many([text, BROKEN.format(5)])[0] == learnt

    corrected(store, 5)
    second = train(store, models)
    assert (second.version, second.examples) == (2, 70)
    assert sorted(p.name for p in models.iterdir()) == [
        "actionability-v0001.joblib",
        "actionability-v0002.joblib",
    ]
    assert "Model v2 (trained on 70 corrections)" in classify(text).explanation
    model = newest_model()
    assert model is not None and model.version == 2


def test_too_few_corrections_name_the_rule(store, models):
    for h in range(MIN_CORRECTIONS):
        correct(store, arrive(store, BROKEN.format(h)), Actionability.ACTIONABLE)
    with pytest.raises(TrainingError) as caught:
        train(store, models)
    assert str(caught.value) == (
        f"corrections: need at least {MIN_CORRECTIONS} agents' corrections of actionability, "
        f"at least {MIN_EACH} of each answer; the store has {MIN_CORRECTIONS} "
        f"({MIN_CORRECTIONS} actionable, 0 not actionable)"
    )
    assert not models.exists() or not list(models.iterdir())


def test_a_model_outside_the_folder_is_never_loaded(tmp_path, models):
    text = ASKED.format(9)
    pairs = [(ASKED.format(h), False) for h in range(40)] + [
        (BROKEN.format(h), True) for h in range(40)
    ]
    elsewhere = tmp_path / "elsewhere"
    outside = retrain(pairs, elsewhere).version
    assert (elsewhere / f"actionability-v{outside:04d}.joblib").is_file()
    models.mkdir()
    # beside the folder, a symlink into it, a file of another name: none is a model file there
    shutil.copy(elsewhere / "actionability-v0001.joblib", tmp_path / "actionability-v0009.joblib")
    (models / "actionability-v0005.joblib").symlink_to(elsewhere / "actionability-v0001.joblib")
    shutil.copy(elsewhere / "actionability-v0001.joblib", models / "actionability-v5.joblib")
    (models / "sub").mkdir()
    shutil.copy(
        elsewhere / "actionability-v0001.joblib", models / "sub" / "actionability-v0007.joblib"
    )
    forget()
    assert newest_model() is None
    assert classify(text).actionability is Actionability.ACTIONABLE
    assert "Model" not in classify(text).explanation

    shutil.copy(elsewhere / "actionability-v0001.joblib", models / "actionability-v0002.joblib")
    assert "Model v1" in classify(text).explanation  # a real file in the folder is used


def test_a_broken_model_file_leaves_the_rules_in_charge(models, caplog):
    models.mkdir()
    (models / "actionability-v0001.joblib").write_bytes(b"not a model")
    with caplog.at_level("WARNING", logger="workbench.classify.trained"):
        result = classify(ASKED.format(1))
    assert result.actionability is Actionability.ACTIONABLE
    assert "could not be loaded" in caplog.text
    with pytest.raises(Exception):  # noqa: B017 - whatever joblib raises on garbage
        ActionabilityModel.load(models / "actionability-v0001.joblib")


def workbench(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
        check=False,
    )


def test_the_train_command(store, tmp_path):
    env = {"WORKBENCH_DB_URL": store.url, "WORKBENCH_MODEL_DIR": str(tmp_path / "m")}
    few = workbench("train", env=env)
    assert few.returncode == 1
    assert few.stderr.strip().splitlines() == [
        f"workbench train: corrections: need at least {MIN_CORRECTIONS} agents' corrections of "
        f"actionability, at least {MIN_EACH} of each answer; the store has 0 "
        "(0 actionable, 0 not actionable)"
    ]
    corrected(store, 6)
    done = workbench("train", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "actionability model v0001: 12 corrections (6 actionable, 6 not actionable) -> "
        f"{tmp_path / 'm' / 'actionability-v0001.joblib'}"
    ]


def test_train_help_names_the_folder_and_the_rule():
    import argparse

    from workbench.classify import command

    parser = argparse.ArgumentParser(prog="workbench train")
    command.add_arguments(parser)
    said = " ".join(parser.format_help().split())
    assert "WORKBENCH_MODEL_DIR" in said
    assert f"at least {MIN_CORRECTIONS} corrections, at least {MIN_EACH} of each answer" in said
