"""The classifier in a child process, for callers that have other work while it runs.

Ingest is the one: it stores a page of mentions (in Python, holding the GIL) while the classifier
(pure Python too) labels the next. In one process the two take turns on one core; here the
classifier runs in a process of its own, asked ahead of need (``Labeller.submit``) and answered
by the time the page is stored. Only machines with more than one core use it (``shared``), and
the child runs at a lower priority (``NICENESS``): it labels with the CPU others leave.

Why not ``multiprocessing`` (or its process pool): its ``spawn`` and ``forkserver`` children
import the caller's main module again, which runs a script without a ``__main__`` guard a second
time, and ``fork`` copies a process that has threads mid-step. The child here is
``python -m workbench.classify.worker``, which reads one batch per line on stdin (JSON: the
texts, whether they are DMs, the caller's model folder, so that it labels with the model
``classify_many`` would use in the caller, and X's language codes of the texts) and writes
each batch's labels as one line on stdout, in order. If it fails (killed, out of memory), every
unanswered batch's future raises, the labeller is closed, and the caller labels in-process (see
``Ingest._labels``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import IO

from workbench.config import model_dir
from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)

NICENESS = 10
"""How far the child gives way to other processes (Unix ``nice``): the ingest's own, whose
threads read and store the pages, and X's answers arriving. Measured on two cores with the
sandbox in the third process (``workbench bench --only "xapi: ingest 50k mentions with"``):
ingest took about a tenth less than with the child at the same priority."""

Labels = list[tuple[str, str]]
"""(sentiment, actionability) of each text, as the labels' values."""


class ClassifierProcessError(WorkbenchError):
    """The classifier process failed or went away."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class Labeller:
    """A child process that labels batches of texts (see the module's docstring); started on
    the first ``submit``."""

    def __init__(self) -> None:
        self.closed = False
        self.failure: str | None = None
        """Why the caller stopped asking it (``failed``)."""
        self.ended_at: float | None = None
        """When it closed (``time.monotonic``), for ``shared`` to start another later."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._waiting: deque[Future[Labels]] = deque()
        self._lock = threading.Lock()
        self._writing = threading.Lock()

    def submit(
        self, texts: list[str], *, direct: bool = False, langs: list[str | None] | None = None
    ) -> Future[Labels]:
        """The labels of ``texts`` (in order), worked out in the child (``langs``: X's language
        code of each, as ``classify_many`` takes them)."""
        answer: Future[Labels] = Future()
        line = json.dumps([texts, direct, str(model_dir()), langs]).encode() + b"\n"
        # Batches are written in the order they wait in; the reader never waits for a write
        # (the child may be blocked on its answers while this write waits for it to read).
        with self._writing:
            with self._lock:
                if self.closed:
                    raise ClassifierProcessError("the classifier process is closed")
                proc = self._proc or self._start()
                self._waiting.append(answer)
            assert proc.stdin is not None
            try:
                proc.stdin.write(line)
                proc.stdin.flush()
            except (OSError, ValueError) as exc:  # gone (or closed): its reader fails the rest
                with self._lock:
                    self._end()
                    mine = answer in self._waiting
                    if mine:
                        self._waiting.remove(answer)
                if mine:
                    gone = ClassifierProcessError(f"the classifier process is gone: {exc}")
                    answer.set_exception(gone)
        return answer

    def _end(self) -> None:
        """Closed from now on (called holding ``_lock``)."""
        self.closed = True
        if self.ended_at is None:
            self.ended_at = time.monotonic()

    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.classify.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._proc = proc
        assert proc.stdout is not None
        threading.Thread(
            target=self._read, args=(proc.stdout,), name="classifier-answers", daemon=True
        ).start()
        return proc

    def _read(self, answers: IO[bytes]) -> None:
        """The reader thread: each line answers the oldest batch still waiting."""
        try:
            for line in answers:
                with self._lock:
                    answer = self._waiting.popleft()
                found = json.loads(line)
                if isinstance(found, dict):  # the child could not label the batch
                    answer.set_exception(ClassifierProcessError(str(found.get("error"))))
                else:
                    answer.set_result([(s, a) for s, a in found])
        except Exception as exc:  # a reply out of step: trust none after it
            log.warning("classifier process: unreadable answer (%s)", exc)
        finally:
            with self._lock:  # the child ended, or cannot be understood
                self._end()
                waiting, self._waiting = list(self._waiting), deque()
            for answer in waiting:
                answer.set_exception(ClassifierProcessError("the classifier process ended"))

    def close(self) -> None:
        """End the child (it finishes the batch in hand)."""
        with self._lock:
            self._end()
            proc = self._proc
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    @property
    def pid(self) -> int | None:
        """The child's process id, once started."""
        return None if self._proc is None else self._proc.pid


_shared: Labeller | None = None
_shared_lock = threading.Lock()


RESTART_AFTER = 60.0
"""Seconds after the shared labeller closed (``failed``) before ``shared`` starts another: a
long-running ingest goes back to labelling in a child, and one that keeps failing costs a
start and a warning a minute."""


def shared() -> Labeller | None:
    """The process's labeller; None on a machine of one core, or for ``RESTART_AFTER`` seconds
    after the labeller failed (``failed``): the caller then classifies in-process."""
    global _shared
    with _shared_lock:
        if cores() <= 1:
            return None
        found = _shared
        if found is None or (
            found.closed
            and found.ended_at is not None
            and time.monotonic() - found.ended_at >= RESTART_AFTER
        ):
            found = _shared = Labeller()
            atexit.register(found.close)
        return None if found.closed else found


def failed(labeller: Labeller, exc: BaseException) -> None:
    """``labeller`` failed with ``exc``: close it; this process classifies in-process until
    ``shared`` starts another."""
    if labeller.failure is None:  # said once
        labeller.failure = str(exc)
        log.warning(
            "classifier process failed (%s); classifying in this process, another process in %g s",
            exc,
            RESTART_AFTER,
        )
    labeller.close()


def main() -> None:
    """The child: label each batch read on stdin (see the module's docstring)."""
    from workbench.classify.trained import SETTING, newest_classifier

    if hasattr(os, "nice"):
        os.nice(NICENESS)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")  # the answers' own: a print goes to stderr
    sys.stdout = sys.stderr
    for line in sys.stdin.buffer:
        try:
            texts, direct, folder, *rest = json.loads(line)
            os.environ[SETTING] = folder
            langs = rest[0] if rest else None
            found = newest_classifier().classify_many(texts, direct=bool(direct), langs=langs)
            reply: object = [(c.sentiment.value, c.actionability.value) for c in found]
        except Exception as exc:  # said to the caller, which labels the batch itself
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
