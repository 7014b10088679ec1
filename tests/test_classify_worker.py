"""The classifier in a child process: it labels as ``classify_many`` does here (with the model of
this process's folder), ingest takes its labels for full pages, and a child that dies or cannot
answer leaves every message labelled in-process, none lost."""

from __future__ import annotations

import os
import signal
from concurrent.futures import Future

import pytest

from tests.test_train import ASKED, BROKEN, corrected, models  # noqa: F401 (a fixture)
from workbench.classify import classify_many
from workbench.classify.train import train
from workbench.classify.worker import NICENESS, ClassifierProcessError, Labeller, Labels
from workbench.domain import Sentiment
from workbench.intake import Ingest
from workbench.xapi import Unavailable

pytest_plugins = ["tests.xapi_fixtures"]

TEXTS = [
    "@AcmeSupport my order never came, this is awful 😡",
    "@AcmeSupport thanks, all sorted!",
    "lol",
    "",
    "@AcmeSupport where is my refund?\nsecond line",
    "@AcmeSupport 你好",
]


def here(texts: list[str], direct: bool = False) -> Labels:
    return [(c.sentiment.value, c.actionability.value) for c in classify_many(texts, direct=direct)]


@pytest.fixture
def labeller():
    found = Labeller()
    yield found
    found.close()


def test_the_child_labels_as_this_process_does(labeller):
    for direct in (False, True):
        assert labeller.submit(TEXTS, direct=direct).result(timeout=60) == here(TEXTS, direct)
    assert labeller.pid is not None and labeller.pid != os.getpid()
    if hasattr(os, "getpriority"):  # it gives way to the ingest's own process
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, labeller.pid) == min(19, mine + NICENESS)


def test_the_child_uses_the_model_of_this_process_folder(store, models, labeller):  # noqa: F811
    texts = [ASKED.format(9), BROKEN.format(5)]
    before = labeller.submit(texts).result(timeout=60)
    corrected(store)
    train(store, models)
    after = labeller.submit(texts).result(timeout=60)
    assert after == here(texts) and after != before  # the model overrules the rules


def test_a_batch_the_child_cannot_label_fails_alone(labeller):
    with pytest.raises(ClassifierProcessError, match="TypeError"):
        labeller.submit([None]).result(timeout=60)  # type: ignore[list-item]
    assert labeller.submit(TEXTS).result(timeout=60) == here(TEXTS)


def test_a_child_that_dies_fails_what_it_held_and_closes(labeller):
    assert labeller.submit(TEXTS).result(timeout=60)
    assert labeller.pid is not None
    os.kill(labeller.pid, signal.SIGKILL)
    with pytest.raises(ClassifierProcessError):
        for _ in range(100):  # the first writes may reach the pipe before the child is reaped
            labeller.submit(TEXTS).result(timeout=60)
    assert labeller.closed


class Counting(Labeller):
    def __init__(self, *, die_after: int | None = None) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.die_after = die_after

    def submit(self, texts: list[str], *, direct: bool = False) -> Future[Labels]:
        self.batches.append(list(texts))
        answer = super().submit(texts, direct=direct)
        if self.die_after is not None and len(self.batches) > self.die_after:
            assert self.pid is not None
            os.kill(self.pid, signal.SIGKILL)
        return answer


def mentions(control, n: int) -> list[str]:
    texts = [f"@AcmeSupport order {k} is late, {'thanks' if k % 3 else 'awful'}" for k in range(n)]
    control.users([{"username": f"c{k}"} for k in range(7)])
    control.tweets([{"author": f"c{k % 7}", "text": text} for k, text in enumerate(texts)])
    return texts


def labels_of(store) -> list[tuple[str, str]]:
    return sorted((i.sentiment.value, i.actionability.value) for i in store.interactions())


def test_ingest_takes_the_labels_of_full_pages_from_the_child(store, gateway, control, monkeypatch):
    import workbench.classify

    texts = mentions(control, 45)
    labeller = Counting()
    real, here_calls = workbench.classify.classify_many, []

    def classify_many(texts, *, direct=False):
        here_calls.append(len(texts))
        return real(texts, direct=direct)

    monkeypatch.setattr(workbench.classify, "classify_many", classify_many)
    try:
        report = Ingest(store, gateway, page_size=20, labeller=labeller).run_once("AcmeSupport")
    finally:
        labeller.close()
    assert report.interactions == 45
    assert sorted(len(b) for b in labeller.batches) == [20, 20]
    assert here_calls == [5]  # the last page's five: labelled here
    got = labels_of(store)
    assert got == sorted(here(texts))
    # real labels, not placeholders: every message judged actionable or not, and the
    # complaints ("awful") negative ("late, thanks" may be left undeclared: the model is unsure)
    assert all(a != "undeclared" for _, a in got)
    assert sum(s == Sentiment.NEGATIVE.value for s, _ in got) >= 15


def test_a_child_dying_mid_walk_loses_no_label(store, gateway, control, caplog):
    texts = mentions(control, 60)
    labeller = Counting(die_after=1)
    try:
        report = Ingest(store, gateway, page_size=20, labeller=labeller).run_once("AcmeSupport")
    finally:
        labeller.close()
    assert report.interactions == 60
    assert labeller.closed and "classifying in this process" in caplog.text
    assert labels_of(store) == sorted(here(texts))


def test_one_core_or_the_setting_off_keeps_classifying_here(store, gateway, control, monkeypatch):
    mentions(control, 25)
    monkeypatch.setenv("WORKBENCH_CLASSIFIER_PROCESS", "0")
    ingest = Ingest(store, gateway, page_size=25)
    assert ingest._ahead() is None
    monkeypatch.delenv("WORKBENCH_CLASSIFIER_PROCESS")
    monkeypatch.setattr("workbench.classify.worker.cores", lambda: 1)
    monkeypatch.setattr("workbench.classify.worker._shared", None)
    assert Ingest(store, gateway, page_size=25)._ahead() is None
    assert Ingest(store, gateway, page_size=25).run_once("AcmeSupport").interactions == 25


def test_a_walk_with_the_child_interrupted_midway_resumes_where_it_stopped(store, gateway, control):
    """The newest page read waits for the next transaction (its labels are on their way); a
    failure stores what was read, and the run cursor is that of the last page stored."""
    texts = mentions(control, 100)
    control.fault(path="/2/users/*/mentions", status=503, skip=4)
    labeller = Counting()
    try:
        ingest = Ingest(store, gateway, page_size=20, pages_per_transaction=1, labeller=labeller)
        with pytest.raises(Unavailable):
            ingest.mentions("AcmeSupport")
        assert len(store.interactions()) == 80  # four pages read, all stored
        assert store.cursor(Ingest.cursor_name("mentions", "AcmeSupport") + ":run")
        report = ingest.mentions("AcmeSupport")
    finally:
        labeller.close()
    assert report.interactions == 20 and len(store.interactions()) == 100
    assert labels_of(store) == sorted(here(texts))
    assert not store.cursor(Ingest.cursor_name("mentions", "AcmeSupport") + ":run")


def test_the_shared_child_is_started_again_a_while_after_it_failed(
    store, gateway, control, monkeypatch, caplog
):
    """A long-running ingest goes back to the child: ``shared`` starts another once
    ``RESTART_AFTER`` has passed since the one before failed, and each walk asks for it."""
    from workbench.classify import worker

    monkeypatch.setattr(worker, "cores", lambda: 2)
    monkeypatch.setattr(worker, "_shared", None)
    first = worker.shared()
    assert first is not None and worker.shared() is first
    ingest = Ingest(store, gateway, page_size=20)
    assert ingest._ahead().labeller is first  # type: ignore[union-attr]
    worker.failed(first, ClassifierProcessError("it broke"))
    assert "another process in 60 s" in caplog.text
    assert worker.shared() is None and ingest._ahead() is None  # within the minute: here
    monkeypatch.setattr(worker, "RESTART_AFTER", 0.0)
    second = worker.shared()
    try:
        assert second is not None and second is not first and not second.closed
        ahead = ingest._ahead()
        assert ahead is not None and ahead.labeller is second
        texts = mentions(control, 40)
        assert ingest.run_once("AcmeSupport").interactions == 40
        assert labels_of(store) == sorted(here(texts))
        assert second.pid is not None  # the walk's pages were labelled by the new child
    finally:
        if second is not None:
            second.close()
