"""The newest trained actionability model in the workbench's model folder, for ``classify``.

``workbench train`` writes ``actionability-v0007.joblib`` files into WORKBENCH_MODEL_DIR (default:
``models/`` in the user data dir). ``newest_classifier()`` answers which classifier to use now:
the rules alone while the folder holds no model, else the rules with the newest model; in both,
the sentiment models of the package, or newer ones in that folder (``sentiment.load_models``).
Actionability model files are pickles, so only regular files directly in that folder are ever
loaded (a symlink or a file elsewhere is not). The check is cheap (one ``stat`` of the folder)
and the model stays loaded until a newer file appears; scikit-learn is imported only once there
is a model to load.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import model_dir

if TYPE_CHECKING:
    from workbench.classify.classifier import Classifier
    from workbench.classify.model import ActionabilityModel

log = logging.getLogger(__name__)

SETTING = "WORKBENCH_MODEL_DIR"
FILE_PATTERN = re.compile(r"^actionability-v(\d{4,})\.joblib$")
#: A folder changed this recently (seconds) is listed again on every call: a file written in the
#: same clock tick as the last listing leaves the folder's mtime as it was.
_SETTLE = 2.0


def model_files(folder: Path) -> list[tuple[int, Path]]:
    """The model files directly in ``folder`` that may be loaded, oldest version first: regular
    files (not symlinks) named ``actionability-vNNNN.joblib``."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = FILE_PATTERN.match(entry.name)
        if match and entry.is_file(follow_symlinks=False):
            found.append((int(match.group(1)), Path(entry.path)))
    return sorted(found)


@dataclass(frozen=True)
class _Seen:
    setting: str | None
    folder: Path
    folder_name: str
    folder_stamp: tuple[int, int] | None
    file_stamp: tuple[object, ...] | None
    classifier: Classifier
    model: ActionabilityModel | None


_lock = threading.Lock()
_seen: _Seen | None = None


def _folder_stamp(folder: str | Path) -> tuple[tuple[int, int] | None, bool]:
    """(inode, mtime) of ``folder`` (None when it is not a folder), and whether it settled."""
    try:
        st = os.stat(folder)
    except OSError:
        return None, True
    if not stat.S_ISDIR(st.st_mode):
        return None, True
    return (st.st_ino, st.st_mtime_ns), time.time() - st.st_mtime > _SETTLE


def _file_stamp(path: Path) -> tuple[str, int, int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (path.name, st.st_ino, st.st_mtime_ns, st.st_size)


def _sentiment_stamps(folder: Path | None) -> tuple[object, ...]:
    """What changes when a sentiment model file in ``folder`` is added or replaced."""
    if folder is None:
        return ()
    from workbench.classify.sentiment import model_files

    return tuple(
        _file_stamp(path) for versions in model_files(folder).values() for _, path in versions
    )


def _rules() -> Classifier:
    from workbench.classify.classifier import Classifier

    return Classifier()


def newest_classifier() -> Classifier:
    """The classifier ``classify`` and ``classify_many`` use now (see the module's docstring)."""
    global _seen
    setting = os.environ.get(SETTING)
    seen = _seen
    if seen is not None and seen.setting == setting:  # the common case: one stat, no Paths
        stamp, settled = _folder_stamp(seen.folder_name)
        if seen.folder_stamp == stamp and settled:
            return seen.classifier
    with _lock:
        seen = _seen
        folder = model_dir()
        stamp, _ = _folder_stamp(folder)
        files = model_files(folder) if stamp is not None else []
        newest = files[-1][1] if files else None
        file_stamp = (
            _file_stamp(newest) if newest is not None else None,
            *_sentiment_stamps(folder if stamp is not None else None),
        )
        if seen is not None and seen.folder == folder and seen.file_stamp == file_stamp:
            # nothing newer: remember the folder as it is now
            _seen = _Seen(
                setting, folder, str(folder), stamp, file_stamp, seen.classifier, seen.model
            )
            return seen.classifier
        model = _load(newest) if newest is not None else None
        classifier = _rules() if model is None else _with_model(model)
        _seen = _Seen(setting, folder, str(folder), stamp, file_stamp, classifier, model)
        return classifier


def newest_model() -> ActionabilityModel | None:
    """The model ``classify`` uses now, or None when it uses the rules alone."""
    newest_classifier()
    seen = _seen
    return seen.model if seen is not None else None


def _with_model(model: ActionabilityModel) -> Classifier:
    from workbench.classify.classifier import Classifier

    return Classifier(model=model)


def _load(path: Path) -> ActionabilityModel | None:
    """The model in ``path``; None (and a warning: the rules go on alone) when it cannot be read."""
    from workbench.classify.model import ActionabilityModel

    try:
        return ActionabilityModel.load(path)
    except Exception as exc:  # a broken model file never stops classification
        log.warning("classify: %s could not be loaded (%s); using the rules alone", path, exc)
        return None


def forget() -> None:
    """Drop the cached model (the next call looks at the folder afresh)."""
    global _seen
    with _lock:
        _seen = None
