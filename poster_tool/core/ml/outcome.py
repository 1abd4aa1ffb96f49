"""The end of a training run: calibration, cuts, the report beside both baselines, the version.

Shared by full and quick runs: per-genre Platt scaling, F1 thresholds and precision-first
suggestion cuts are fitted on validation; the test split is judged for the model and for the
two baselines fitted on the same split (the genre prior and a colour-histogram logistic
regression); the network is registered with its metadata, split and model card.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from poster_tool.core.catalog.connection import now
from poster_tool.core.ml import embeddings
from poster_tool.core.ml.baselines import baselines, colour_features
from poster_tool.core.ml.calibration import (
    Fitted,
    absent_cuts,
    expected_calibration_error,
    judge,
)
from poster_tool.core.ml.card import model_card
from poster_tool.core.ml.data import (
    Example,
    PosterDataset,
    Split,
    batches,
    default_workers,
    label_matrix,
    make_loader,
)
from poster_tool.core.ml.registry import Registry, test_scores_record
from poster_tool.core.ml.results import TrainResult
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.network import GenreNet
    from poster_tool.core.workspace import Workspace


def colour_feature_tensor(img: Any) -> torch.Tensor:
    """Dataset transform for the colour-histogram baseline (a module-level function so
    DataLoader workers can pickle it)."""
    return torch.from_numpy(colour_features(img))


def cached_colour_features(
    store: PosterStore, examples: Sequence[Example], workers: int | None = None
) -> Generator[Progress, None, dict[int, np.ndarray]]:
    """The baseline's colour features, computed once per poster and cached."""
    vectors = embeddings.read(store, embeddings.COLOUR_KEY, [e.poster_id for e in examples])
    missing = [e for e in examples if e.poster_id not in vectors]
    if missing:
        dataset = PosterDataset([e.path for e in missing], None, colour_feature_tensor, 96)
        workers = default_workers() if workers is None else workers
        loader = make_loader(dataset, 128, workers=workers)
        meter = Meter("colour features", total=len(missing))
        for feats, _ in batches(loader):
            ids = [e.poster_id for e in missing[meter.done : meter.done + len(feats)]]
            embeddings.write(store, embeddings.COLOUR_KEY, ids, feats.numpy())
            vectors.update(zip(ids, feats.numpy(), strict=True))
            meter.done += len(feats)
            yield meter.report("for the colour-histogram baseline")
    return vectors


@dataclass
class Trained:
    """A trained network and how it came about: what :func:`finish` turns into a version.

    :param val_probs: uncalibrated probabilities on validation (calibration is fitted there)
    :param started: ``time.monotonic()`` when the run began (earlier when it was resumed)
    :param trunk: the version whose trunk a quick run reused (``None``: this one's own)
    :param parent: the version a quick run started from
    :param resumed_after: the epochs after which an interrupted run was resumed
    :param trunk_frozen: every trunk layer kept its ImageNet weights (only the head learnt)
    """

    config: TrainConfig
    net: GenreNet
    genres: Sequence[str]
    split: Split
    val_probs: np.ndarray
    val_truth: np.ndarray
    test_probs: np.ndarray
    test_truth: np.ndarray
    device: torch.device
    pretrained: bool
    note: str
    started: float
    epochs_run: int
    best_epoch: int
    stopped_early: bool
    history: list[dict[str, Any]]
    trunk: str | None = None
    parent: str | None = None
    resumed_after: list[int] = field(default_factory=list)
    trunk_frozen: bool = False


def finish(
    workspace: Workspace, store: PosterStore, run: Trained
) -> Generator[Progress, None, TrainResult]:
    """Calibration and cuts, the report beside both baselines, the model folder, activation."""
    config, genres, split = run.config, run.genres, run.split
    fitted = Fitted.on_validation(run.val_probs, run.val_truth)
    run.net.set_calibration(fitted.platt.tolist())
    cuts, f1_cuts = fitted.cuts, fitted.f1_thresholds
    absent = absent_cuts(label_matrix(split.train, genres))
    test_probs = fitted.apply(run.test_probs)
    report = judge(test_probs, run.test_truth, f1_cuts, cuts, genres, absent)
    report["ece_uncalibrated"] = round(
        expected_calibration_error(run.test_probs, run.test_truth), 4
    )
    everything = split.train + split.val + split.test
    colour = yield from cached_colour_features(store, everything, config.workers)
    names = ("train", "val", "test")
    features = {n: np.stack([colour[e.poster_id] for e in getattr(split, n)]) for n in names}
    truths = {n: label_matrix(getattr(split, n), genres) for n in names}
    full_report = {
        "model": report,
        "val": {
            k: v
            for k, v in judge(
                fitted.apply(run.val_probs), run.val_truth, f1_cuts, cuts, genres, absent
            ).items()
            if k != "per_genre"
        },
        "baselines": baselines(truths, features, genres),
        "n_train": len(split.train),
        "n_val": len(split.val),
        "n_test": len(split.test),
        "n_curator": sum(e.curated for e in split.train),
    }
    registry = Registry(workspace, store)
    version = registry.new_version(config.kind, config.version)
    seconds = time.monotonic() - run.started
    meta = {
        "version": version,
        "kind": config.kind,
        "created_at": now(),
        "backbone": config.backbone,
        "genres": list(genres),
        "input_size": list(config.input_size),
        "mean": list(run.net.mean),
        "std": list(run.net.std),
        # Suggestion cuts on calibrated probabilities (what the catalog marks positive)...
        "thresholds": {g: round(float(t), 4) for g, t in zip(genres, cuts, strict=True)},
        # ... and the F1-best ones, for figures comparable with the literature.
        "f1_thresholds": {g: round(float(t), 4) for g, t in zip(genres, f1_cuts, strict=True)},
        # At or below these, the model is sure a labelled genre is absent ("disagrees").
        "sure_absent": {g: round(float(t), 4) for g, t in zip(genres, absent, strict=True)},
        "calibration": {
            g: [round(float(a), 5), round(float(b), 5)]
            for g, (a, b) in zip(genres, fitted.platt, strict=True)
        },
        "pretrained": run.pretrained,
        "pretrained_note": run.note,
        "trunk_frozen": run.trunk_frozen,
        # The network's shape beyond its backbone (load_network rebuilds it from these).
        "taps": run.net.taps,
        "head_hidden": run.net.hidden,
        "device": str(run.device),
        "seed": config.seed,
        "train_seconds": round(seconds, 1),
        "config": {
            **asdict(config),
            "epochs": config.epochs_or_default(),
            "lr": config.lr_or_default(),
        },
        "metrics": full_report,
        "training_data": snapshot(everything, split),
        "epochs_run": run.epochs_run,
        "best_epoch": run.best_epoch,
        "stopped_early": run.stopped_early,
        "history": run.history,
        "trunk": run.trunk or version,
        "parent": run.parent,
        "resumed_after": run.resumed_after,
    }
    # Per poster, so the posters it got most wrong can be listed later (core.ml.mistakes).
    tested = test_scores_record([e.poster_id for e in split.test], genres, test_probs)
    info = registry.save(run.net, meta, split.snapshot(), model_card(meta), tested)
    if config.activate:
        registry.activate(version)
    yield Progress("saved", message=f"model {version} saved to {info.path}")
    return TrainResult(
        version,
        config.kind,
        info.path,
        full_report,
        run.epochs_run,
        run.stopped_early,
        run.pretrained,
        run.note,
        str(run.device),
        seconds,
        config.activate,
        run.history,
    )


def snapshot(examples: Sequence[Example], split: Split) -> dict[str, Any]:
    """What the model was trained on: counts and a fingerprint of (title, truth) pairs."""
    digest = hashlib.sha256()
    for line in sorted(f"{e.title_key}\t{e.path.name}\t{'|'.join(e.genres)}" for e in examples):
        digest.update(line.encode() + b"\n")
    counts: dict[str, int] = {}
    for e in examples:
        for g in e.genres:
            counts[g] = counts.get(g, 0) + 1
    return {
        "posters": len(examples),
        "titles": len({e.title_id for e in examples}),
        "curated": sum(e.curated for e in examples),
        "train": len(split.train),
        "val": len(split.val),
        "test": len(split.test),
        "genre_counts": counts,
        "fingerprint": digest.hexdigest(),
    }
