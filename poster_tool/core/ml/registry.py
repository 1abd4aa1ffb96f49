"""The model registry: one folder per version under the workspace's ``models/``.

A version folder holds ``weights.pt`` (a plain ``state_dict`` of tensors, loaded with
``torch.load(weights_only=True)`` so no arbitrary object is ever unpickled),
``model.json`` (genres, backbone, input size, normalisation, thresholds, metrics,
training-data snapshot, date, whether ImageNet weights were used), ``split.json`` (the
title keys of each split, so the model can be evaluated on posters it never saw),
``test_scores.json`` (its calibrated scores for each test poster, to rank its mistakes) and
``MODEL_CARD.md``.  A version is written to a hidden temporary folder and renamed into
place, so a cancelled or crashed run never leaves half a model.  The active version is
the workspace setting ``active_model``; without one, the default model shipped in the
repository's top-level ``models/`` folder is used.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import pickle
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poster_tool.core.errors import ModelError
from poster_tool.core.taxonomy import GENRES
from poster_tool.shipped import shipped

if TYPE_CHECKING:
    import torch

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.network import GenreNet
    from poster_tool.core.workspace import Workspace

FORMAT = 1  # bump when model.json or weights.pt change shape; older code refuses newer
WEIGHTS, META, SPLIT, CARD = "weights.pt", "model.json", "split.json", "MODEL_CARD.md"
TEST_SCORES = "test_scores.json"
ACTIVE_KEY, HISTORY_KEY = "active_model", "model_history"
log = logging.getLogger(__name__)


def bundled_dir() -> Path:
    """The ``models/`` folder with the shipped default model."""
    return shipped("models")


@dataclass(frozen=True)
class ModelInfo:
    """One model version on disk and its metadata."""

    path: Path
    meta: dict[str, Any]
    bundled: bool = False

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    @property
    def genres(self) -> list[str]:
        return list(self.meta["genres"])

    @property
    def backbone(self) -> str:
        return str(self.meta["backbone"])

    @property
    def input_size(self) -> tuple[int, int]:
        height, width = self.meta["input_size"]
        return int(height), int(width)

    @property
    def thresholds(self) -> dict[str, float]:
        return {g: float(t) for g, t in self.meta["thresholds"].items()}

    @property
    def f1_thresholds(self) -> dict[str, float]:
        """Per genre, the calibrated probability that maximised F1 on validation."""
        table = self.meta.get("f1_thresholds") or self.meta["thresholds"]
        return {g: float(t) for g, t in table.items()}

    @property
    def sure_absent(self) -> dict[str, float]:
        """Per genre, the score at or below which the model is sure a genre is absent."""
        from poster_tool.core.suggestions import SURE_ABSENT

        table = self.meta.get("sure_absent") or {}
        return {g: float(table.get(g, SURE_ABSENT)) for g in self.genres}

    @property
    def calibration(self) -> dict[str, list[float]]:
        """Genre -> Platt ``(a, b)``; empty for a model made before calibration existed."""
        return {g: [float(v) for v in ab] for g, ab in self.meta.get("calibration", {}).items()}

    @property
    def embedding_key(self) -> str:
        """Names the trunk weights, so embeddings are cached per trunk (and shared by the
        quick retrains that reuse it)."""
        return f"{self.backbone}@{self.meta.get('trunk', self.version)}"

    def split(self) -> dict[str, list[str]]:
        """Title keys per split (empty when the model carries none)."""
        file = self.path / SPLIT
        if not file.exists():
            return {}
        return json.loads(file.read_text(encoding="utf-8"))

    def test_scores(self) -> dict[str, Any] | None:
        """Its scores on its test posters (``poster_ids``, ``genres``, ``probs``: one row of
        calibrated probabilities per poster), or ``None`` when not saved (older versions)."""
        file = self.path / TEST_SCORES
        if not file.exists():
            return None
        return json.loads(file.read_text(encoding="utf-8"))

    def write_test_scores(self, scores: dict[str, Any]) -> None:
        """Save :meth:`test_scores` computed after the fact (renamed into place, so a reader
        never sees half a file)."""
        tmp = self.path / f".{TEST_SCORES}.{os.getpid()}"
        tmp.write_text(json.dumps(scores), encoding="utf-8")
        os.replace(tmp, self.path / TEST_SCORES)

    def check(self) -> None:
        """Refuse a model this Poster Studio cannot use, with a message saying why.

        :raises ModelError: newer format, unknown backbone or genres outside the taxonomy
        """
        from poster_tool.core.ml.network import BACKBONES

        if int(self.meta.get("format", 0)) > FORMAT:
            raise ModelError(f"model {self.version} was made by a newer Poster Studio")
        if self.backbone not in BACKBONES:
            raise ModelError(f"model {self.version} uses an unknown backbone {self.backbone!r}")
        unknown = [g for g in self.genres if g not in GENRES]
        if unknown or not self.genres:
            raise ModelError(
                f"model {self.version} has a genre list incompatible with this catalog's "
                f"taxonomy (unknown: {', '.join(unknown) or 'no genres at all'}); "
                "retrain it with 'poster-tool train'"
            )
        missing = [g for g in self.genres if g not in self.meta.get("thresholds", {})]
        if missing:
            raise ModelError(f"model {self.version} has no decision threshold for {missing[0]}")


def test_scores_record(
    poster_ids: Sequence[int], genres: Sequence[str], probs: Any
) -> dict[str, Any]:
    """What :meth:`ModelInfo.test_scores` reads: ids, genres and a row of probabilities per
    poster (4 decimals: finer is noise, and the file stays small)."""
    return {
        "poster_ids": [int(i) for i in poster_ids],
        "genres": list(genres),
        "probs": [[round(float(p), 4) for p in row] for row in probs],
    }


def read_info(folder: Path, bundled: bool = False) -> ModelInfo:
    """The model in ``folder``.

    :raises ModelError: when it has no readable metadata or weights
    """
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder} holds no readable model ({exc})") from exc
    # What listing a model reads; the rest is checked when it is used (ModelInfo.check).
    shape = {"version": str, "genres": list, "backbone": str, "thresholds": dict}
    if not isinstance(meta, dict) or any(not isinstance(meta.get(k), t) for k, t in shape.items()):
        raise ModelError(
            f"{folder / META} is not model metadata (it needs version, genres, backbone "
            "and thresholds)"
        )
    if not (folder / WEIGHTS).exists():
        raise ModelError(f"{folder} has no {WEIGHTS}")
    return ModelInfo(folder, meta, bundled)


def load_network(info: ModelInfo, device: torch.device | str = "cpu") -> GenreNet:
    """Build the network of a model and load its weights (tensors only), in eval mode.

    :raises ModelError: for an incompatible model or weights that do not fit it
    """
    import torch

    from poster_tool.core.ml.network import GenreNet

    info.check()
    state = _read_weights(info)
    # The head's last linear layer gives one logit per genre.
    last = max(
        (k for k in state if k.startswith("head.") and k.endswith(".weight"))
        if isinstance(state, dict)
        else [],
        key=lambda k: int(k.split(".")[1]),
        default=None,
    )
    head = state[last] if last is not None else None
    if not isinstance(head, torch.Tensor) or head.ndim != 2 or head.shape[0] != len(info.genres):
        raise ModelError(
            f"model {info.version}: its weights predict "
            f"{'no' if head is None else head.shape[0]} genres but its metadata lists "
            f"{len(info.genres)}; the genre list is incompatible"
        )
    net = GenreNet(
        info.backbone,
        len(info.genres),
        mean=info.meta["mean"],
        std=info.meta["std"],
        taps=int(info.meta.get("taps", 1)),
        hidden=int(info.meta.get("head_hidden", 0)),
    )
    try:
        net.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:  # wrong shapes or non-tensors
        raise ModelError(f"model {info.version}: weights do not fit {info.backbone}") from exc
    if info.calibration:
        net.set_calibration([info.calibration[g] for g in info.genres])
    # Channels-last: about 1.6 times the CPU inference speed of EfficientNet-Lite0's
    # depthwise convolutions (bench/predict_bench.py), and what GPUs prefer too.
    return net.to(device).to(memory_format=torch.channels_last).eval()


def _read_weights(info: ModelInfo) -> Any:
    """The tensors in a model's weights file.

    :raises ModelError: in one line; torch's own messages run to several and, for a file
        that is not plain tensors, advise loading it unsafely
    """
    import torch

    try:
        with warnings.catch_warnings():  # torch warns about odd pickles before refusing them
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(info.path / WEIGHTS, map_location="cpu", weights_only=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except pickle.UnpicklingError:
        reason = "it is not a plain file of tensors (corrupt, or holding other objects)"
    except (RuntimeError, EOFError, KeyError, ValueError):
        reason = "it is not a readable PyTorch weights file (empty, truncated or corrupt)"
    raise ModelError(f"cannot read the weights of model {info.version}: {reason}")


class Registry:
    """Model versions of one workspace, plus the bundled default.

    :param store: the workspace's catalog (holds the active version and the run log)
    """

    def __init__(self, workspace: Workspace, store: PosterStore) -> None:
        self.root = workspace.models_dir
        self.store = store

    # Annotations in this class say builtins.list: the method below shadows the builtin.
    def list(self) -> builtins.list[ModelInfo]:
        """Workspace versions, oldest first, then the bundled default (when shipped)."""
        found = []
        for folder in sorted(self.root.iterdir()) if self.root.exists() else []:
            if folder.is_dir() and not folder.name.startswith(".") and (folder / META).exists():
                try:
                    found.append(read_info(folder))
                except ModelError as exc:  # one broken folder must not hide every model
                    _warn_once(folder, f"skipped a model folder: {exc}")
        found.sort(key=lambda m: (str(m.meta.get("created_at", "")), m.version))
        return found + self._bundled()

    def _bundled(self) -> builtins.list[ModelInfo]:
        root = bundled_dir()
        if not root.is_dir():
            return []
        return [
            read_info(f, bundled=True)
            for f in sorted(root.iterdir())
            if f.is_dir() and (f / META).exists()
        ]

    def get(self, version: str) -> ModelInfo:
        """A version by name.

        :raises ModelError: when there is none, listing those there are
        """
        models = self.list()
        for info in models:
            if info.version == version:
                return info
        known = ", ".join(m.version for m in models) or "none yet"
        raise ModelError(f"no model version {version!r} (known: {known})")

    def active(self) -> ModelInfo | None:
        """The active version, else the bundled default, else ``None``."""
        version = self.store.get_meta(ACTIVE_KEY)
        if version:
            return self.get(version)
        bundled = self._bundled()
        return bundled[-1] if bundled else None

    def require_active(self, version: str | None = None) -> ModelInfo:
        """The version asked for, or the active one.

        :raises ModelError: when there is no model at all
        """
        info = self.get(version) if version else self.active()
        if info is None:
            raise ModelError("there is no model yet: train one with 'poster-tool train'")
        return info

    def activate(self, version: str, load: bool = True) -> ModelInfo:
        """Make ``version`` the active model (the previous one can be rolled back to).

        :param load: load its network first, so a model whose weights cannot load is
            refused rather than made active (this imports torch)
        :raises ModelError: when the model cannot be used
        """
        info = self.get(version)
        info.check()
        if load:
            load_network(info)
        current = self.store.get_meta(ACTIVE_KEY)
        if current == version:
            return info
        history = self._history()
        if current:
            history.append(current)
        with self.store.transaction():
            self.store.set_meta(HISTORY_KEY, json.dumps(history[-50:]))
            self.store.set_meta(ACTIVE_KEY, version)
        return info

    def rollback(self) -> ModelInfo | None:
        """Go back to the previously active version (or the bundled default)."""
        history = self._history()
        if not history and not self.store.get_meta(ACTIVE_KEY):
            raise ModelError("nothing to roll back: no model was ever activated here")
        previous = history.pop() if history else None
        with self.store.transaction():
            self.store.set_meta(HISTORY_KEY, json.dumps(history))
            self.store.set_meta(ACTIVE_KEY, previous)
        return self.active()

    def _history(self) -> builtins.list[str]:
        return json.loads(self.store.get_meta(HISTORY_KEY) or "[]")

    def remove(self, version: str) -> None:
        """Delete a version that is not in use (a discarded training run).

        :raises ModelError: for the active version or the bundled default
        """
        info = self.get(version)
        if info.bundled:
            raise ModelError(f"model {version} ships with Poster Studio and cannot be removed")
        if self.store.get_meta(ACTIVE_KEY) == version:
            raise ModelError(f"model {version} is the active model; activate another first")
        history = [v for v in self._history() if v != version]
        with self.store.transaction():  # a roll-back must never land on a removed version
            self.store.set_meta(HISTORY_KEY, json.dumps(history))
        shutil.rmtree(info.path)

    def new_version(self, kind: str, name: str | None = None) -> str:
        """A fresh version name: the one asked for, else date, time and kind."""
        if name:
            if name in {m.version for m in self.list()} or (self.root / name).exists():
                raise ModelError(f"a model version {name!r} exists already")
            if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
                raise ModelError("a version name may use letters, digits, '-', '_' and '.'")
            return name
        base = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{kind}"
        version, n = base, 1
        while (self.root / version).exists():
            n += 1
            version = f"{base}-{n}"
        return version

    def save(
        self,
        net: GenreNet,
        meta: dict[str, Any],
        split: dict[str, builtins.list[str]],
        card: str,
        test_scores: dict[str, Any] | None = None,
    ) -> ModelInfo:
        """Write a version through a temporary folder renamed into place.

        :param test_scores: see :meth:`ModelInfo.test_scores`
        """
        import torch

        version = meta["version"]
        final = self.root / version
        tmp = self.root / f".tmp-{version}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            state = {k: v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
            torch.save(state, tmp / WEIGHTS)
            (tmp / META).write_text(
                json.dumps({"format": FORMAT, **meta}, indent=2, ensure_ascii=False),
                encoding="utf-8",
            )
            (tmp / SPLIT).write_text(json.dumps(split), encoding="utf-8")
            (tmp / CARD).write_text(card, encoding="utf-8")
            if test_scores is not None:
                (tmp / TEST_SCORES).write_text(json.dumps(test_scores), encoding="utf-8")
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return read_info(final)


_warned: set[Path] = set()  # one warning per broken folder and process, not per listing


def _warn_once(folder: Path, message: str) -> None:
    if folder not in _warned:
        _warned.add(folder)
        log.warning("poster-tool: warning: %s", message)
