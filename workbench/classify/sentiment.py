"""Per-language sentiment models: linear over hashed n-grams and the lexicon's scores.

One model per language of ``SUPPORTED`` and a multilingual one (``xx``) for any other; each is a
file ``sentiment-<language>-vNNNN.npz`` of plain arrays (no pickle): the n-gram weights in
float16, the lexicon features' weights, the intercepts, and a JSON header (format, version,
bits, temperature, what it was trained on and how it did on validation). A Markdown model card
of the same name sits beside it. ``workbench train --sentiment`` writes them; the package ships
them in ``workbench/classify/models/``. ``load_models`` reads the package's and, newer ones
first, those in WORKBENCH_MODEL_DIR; a file that is missing, unreadable or of another format is
named in one warning line and its language is classified by the lexicon alone.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.classify._features import Features, scores_by_class
from workbench.classify._language import SUPPORTED

log = logging.getLogger(__name__)

FORMAT = 1
"""The file layout this code reads and writes; a file of another is not loaded."""
MULTILINGUAL = "xx"
"""The model of any language without its own."""
MODEL_LANGUAGES = (*SUPPORTED, MULTILINGUAL)
CLASSES = ("negative", "neutral", "positive")
#: Lexicon features, in the order of ``lexicon_weights``' rows.
LEXICON_FEATURES = ("score", "positive", "negative", "problem")
FILE_PATTERN = re.compile(r"^sentiment-([a-z]{2})-v(\d{4,})\.npz$")
PACKAGED = Path(__file__).resolve().parent / "models"

F32 = npt.NDArray[np.float32]


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class SentimentModel:
    """One language's model (see the module's docstring)."""

    language: str
    version: int
    bits: int
    weights: npt.NDArray[np.float16]
    lexicon_weights: F32
    intercept: F32
    temperature: float = 1.0
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    by_class: F32 = field(init=False, repr=False, compare=False)
    """``weights`` as float32, one contiguous row per class (what ``probabilities`` reads)."""

    def __post_init__(self) -> None:
        by_class = np.ascontiguousarray(self.weights.T, dtype=np.float32)
        object.__setattr__(self, "by_class", by_class)
        if self.path is not None:  # read from a file: the float32 copy is all it needs
            object.__setattr__(self, "weights", np.zeros((0, len(CLASSES)), dtype=np.float16))

    def probabilities(self, features: Features, lexicon: F32) -> F32:
        """Probabilities of negative, neutral and positive for each text (rows of
        ``features``; ``lexicon``: their ``LEXICON_FEATURES``)."""
        logits = scores_by_class(features, self.by_class, self.bits)
        logits += lexicon @ self.lexicon_weights + self.intercept
        logits /= self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    @property
    def name(self) -> str:
        return f"sentiment-{self.language}-v{self.version:04d}"

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``<name>.npz`` into ``folder`` (the card is written by the trainer)."""
        if self.path is not None:
            raise ValueError(f"{self.path}: a model read from a file is not written again")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{self.name}.npz"
        header = {
            "format": FORMAT,
            "language": self.language,
            "version": self.version,
            "bits": self.bits,
            "temperature": self.temperature,
            "classes": list(CLASSES),
            "lexicon_features": list(LEXICON_FEATURES),
            "card": self.card,
        }
        rows = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.uint32)
        tmp = path.with_suffix(".tmp.npz")
        # Only the rows some n-gram of the training data reached; zipped with fixed dates
        # so that the same model makes the same bytes.
        arrays = {
            "header": np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8),
            "rows": rows,
            "weights": self.weights[rows].astype(np.float16),
            "lexicon_weights": self.lexicon_weights.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
        }
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, value in arrays.items():
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as out:
                    np.lib.format.write_array(out, np.ascontiguousarray(value))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SentimentModel:
        """Read a model file; ``ModelFileError`` names the file and what is wrong with it."""
        where = Path(path)
        try:
            with np.load(where, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode())
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    found = header.get("format") if isinstance(header, dict) else None
                    raise ModelFileError(
                        f"{where}: model file format {found!r}, this workbench reads {FORMAT}"
                    )
                bits = int(header["bits"])
                if not 8 <= bits <= 24:
                    raise ModelFileError(f"{where}: {bits} hash bits is out of range")
                rows = data["rows"].astype(np.int64)
                packed = data["weights"]
                weights = np.zeros((1 << bits, len(CLASSES)), dtype=np.float16)
                weights[rows] = packed
                lexicon_weights = data["lexicon_weights"].astype(np.float32)
                intercept = data["intercept"].astype(np.float32)
        except ModelFileError:
            raise
        except FileNotFoundError:
            raise ModelFileError(f"{where}: model file missing") from None
        except Exception as exc:  # zip, npy, JSON or shape errors: the file is unusable
            raise ModelFileError(f"{where}: not a readable model file ({exc})") from None
        if lexicon_weights.shape != (len(LEXICON_FEATURES), len(CLASSES)) or intercept.shape != (
            len(CLASSES),
        ):
            raise ModelFileError(f"{where}: weights of the wrong shape")
        return cls(
            language=str(header["language"]),
            version=int(header["version"]),
            bits=bits,
            weights=weights,
            lexicon_weights=lexicon_weights,
            intercept=intercept,
            temperature=float(header.get("temperature", 1.0)),
            card=dict(header.get("card") or {}),
            path=where,
        )


def model_files(folder: Path) -> dict[str, list[tuple[int, Path]]]:
    """The sentiment model files directly in ``folder`` by language, oldest version first
    (regular files only, no symlinks)."""
    found: dict[str, list[tuple[int, Path]]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        match = FILE_PATTERN.match(entry.name)
        if match and entry.is_file(follow_symlinks=False):
            found.setdefault(match.group(1), []).append((int(match.group(2)), Path(entry.path)))
    for versions in found.values():
        versions.sort()
    return found


def newest_files(model_dir: Path | None) -> dict[str, Path]:
    """The file each language loads: the newest version in the package or ``model_dir``
    (``model_dir``'s on a tie). A language the package ships and neither folder holds is
    mapped to the file it should have been, so that loading it says it is missing."""
    chosen: dict[str, tuple[int, int, Path]] = {}
    for rank, folder in enumerate((PACKAGED, model_dir)):
        if folder is None:
            continue
        for language, versions in model_files(folder).items():
            version, path = versions[-1]
            if (version, rank) > chosen.get(language, (-1, -1, path))[:2]:
                chosen[language] = (version, rank, path)
    out = {language: path for language, (_, _, path) in chosen.items()}
    for language in MODEL_LANGUAGES:
        out.setdefault(language, PACKAGED / f"sentiment-{language}-v{SHIPPED_VERSION:04d}.npz")
    return out


SHIPPED_VERSION = 1
"""The version of the models the package ships."""

_lock = threading.Lock()
_loaded: dict[tuple[str, int, int], SentimentModel | None] = {}


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def load_models(model_dir: Path | None = None) -> Mapping[str, SentimentModel]:
    """Every language's model (see the module's docstring); a language whose file cannot be
    used is left out, with one warning naming the file. Loaded models are kept (by file and
    its modification time) for the life of the process."""
    out: dict[str, SentimentModel] = {}
    for language, path in newest_files(model_dir).items():
        key = (str(path), *_stamp(path))
        with _lock:
            if key not in _loaded:
                try:
                    model: SentimentModel | None = SentimentModel.load(path)
                except ModelFileError as exc:
                    log.warning("classify: %s; %s is classified by the lexicon", exc, language)
                    model = None
                _loaded[key] = model
            found = _loaded[key]
        if found is not None:
            out[language] = found
    return out


def forget() -> None:
    """Drop the loaded models (tests; a process that replaced files)."""
    with _lock:
        _loaded.clear()
