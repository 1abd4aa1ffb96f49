"""Scoring with a registered model: image files, the catalog (incrementally), evaluation.

Catalog scoring writes each poster's genre probabilities through
``PosterStore.write_model_scores`` (which also sets its uncertainty and whether the model
disagrees with its labels) and its embedding, in chunks of one transaction each: a
cancelled run keeps what it scored, and the next run scores only the posters the model
has not scored yet.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from poster_tool.core.errors import ModelError
from poster_tool.core.ml import embeddings
from poster_tool.core.ml.baselines import baselines
from poster_tool.core.ml.calibration import judge
from poster_tool.core.ml.data import (
    PosterDataset,
    default_workers,
    label_matrix,
    load_examples,
    make_loader,
)
from poster_tool.core.ml.distributed import Distributed
from poster_tool.core.ml.loop import batch_outputs, evaluate
from poster_tool.core.ml.metrics import intervals
from poster_tool.core.ml.network import fold_batch_norms, pick_device
from poster_tool.core.ml.outcome import cached_colour_features
from poster_tool.core.ml.registry import ModelInfo, Registry, load_network, test_scores_record
from poster_tool.core.ml.results import ScoreResult
from poster_tool.core.ml.transforms import EvalPreset, decode_side
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.records import PosterQuery

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.network import GenreNet
    from poster_tool.core.workspace import Workspace

CHUNK = 256  # posters per transaction: ~0.1 s of writing, so a curator's edit waits little


def _dataset(info: ModelInfo, paths: Sequence[Path | str]) -> PosterDataset:
    preset = EvalPreset(info.input_size)
    return PosterDataset(paths, None, preset, decode_side(info.input_size))


def scoring_network(info: ModelInfo, device: torch.device) -> GenreNet:
    """A model's network for inference: loaded in eval mode, its batch norms folded into
    their convolutions (half the layers to run, the same scores within 1e-5; the figures
    are in docs/model.md)."""
    # Channels-last again: the folded weights are new tensors.
    return fold_batch_norms(load_network(info, device)).to(memory_format=torch.channels_last)


def _named(info: ModelInfo, probs: np.ndarray) -> dict[str, float]:
    return {g: round(float(p), 4) for g, p in zip(info.genres, probs, strict=True)}


def predict_images(
    workspace: Workspace,
    store: PosterStore,
    paths: Sequence[str | Path],
    version: str | None = None,
    device: str = "auto",
) -> list[dict[str, Any]]:
    """Score image files: ``[{"path", "scores": {genre: p, …}, "genres": [...]}, …]``.

    :param version: a model version (default: the active one, else the bundled default)
    :raises ModelError: for an unreadable image (naming it) or no usable model
    """
    info = Registry(workspace, store).require_active(version)
    for path in paths:
        if not Path(path).is_file():
            raise ModelError(f"{path}: no such image file")
    dev = pick_device(device)
    net = scoring_network(info, dev)
    thresholds = info.thresholds
    out = []
    loader = make_loader(_dataset(info, paths), 32)
    rows = (p for probs, _, _ in batch_outputs(net, loader, dev) for p in probs)
    for path, probs in zip(paths, rows, strict=True):
        scores = _named(info, probs)
        genres = [g for g, s in scores.items() if s >= thresholds[g]]
        out.append({"path": str(path), "scores": scores, "genres": genres})
    return out


def score_catalog(
    workspace: Workspace,
    version: str | None = None,
    rescore: bool = False,
    device: str = "auto",
    batch_size: int = 64,
    workers: int | None = None,
) -> Generator[Progress, None, ScoreResult]:
    """Score the catalog's posters the model has not scored yet (or all, with ``rescore``).

    Opens its own catalog connection, so it can run on a worker thread.  Under torchrun
    every rank scores every ``world``-th poster of the list and rank 0, the catalog's one
    writer, gathers the scores batch by batch and writes them.
    """
    started = time.monotonic()
    dist = Distributed.from_env()
    dev = dist.start(device)
    store = workspace.store()
    try:
        info = Registry(workspace, store).require_active(version)
        net = scoring_network(info, dev)
        rows = store.unscored(info.version, rescore)
        total = store.count(PosterQuery())
        todo = [(i, workspace.image_path(p)) for i, p in rows]
        present = [(i, p) for i, p in todo if p.exists()]
        # Every rank reads the same list: rank 0 writes only after the first gather, which
        # waits for every rank to have read it.
        mine = dist.share(present)
        loader = make_loader(
            _dataset(info, [p for _, p in mine]),
            batch_size,
            workers=default_workers() if workers is None else workers,
        )
        # Every rank joins every gather: as many rounds as the largest share has batches.
        rounds = -(-len(present[:: dist.world]) // batch_size)
        outputs = batch_outputs(net, loader, dev)
        meter = Meter("score", total=len(present) if dist.main else len(mine))
        pending: list[tuple[list[int], np.ndarray, np.ndarray]] = []
        written = sent = 0

        def flush() -> None:
            nonlocal written
            ids = [i for part, _, _ in pending for i in part]
            probs = np.concatenate([p for _, p, _ in pending])
            with store.transaction():
                store.write_model_scores(
                    info.version,
                    {i: _named(info, p) for i, p in zip(ids, probs, strict=True)},
                    info.thresholds,
                    info.sure_absent,
                )
                embeddings.write(
                    store, info.embedding_key, ids, np.concatenate([e for *_, e in pending])
                )
            written += len(ids)
            pending.clear()

        for _ in range(rounds):
            probs, _, embs = next(outputs, (np.zeros((0, len(info.genres))), None, np.zeros(0)))
            ids = [i for i, _ in mine[sent : sent + len(probs)]]
            sent += len(ids)
            parts = dist.gather((ids, probs, embs))
            if parts is None:  # a helper rank: rank 0 writes
                meter.done += len(ids)
            else:
                pending.extend(part for part in parts if part[0])
                meter.done += sum(len(part[0]) for part in parts)
                if sum(len(part[0]) for part in pending) >= CHUNK:
                    flush()
            yield meter.report(f"with model {info.version}")
        if pending:
            flush()
        dist.barrier()  # the helpers leave once rank 0 has written everything
        return ScoreResult(
            info.version,
            written,
            total - len(todo),
            len(todo) - len(present),
            time.monotonic() - started,
            dist.world,
        )
    finally:
        store.close()
        dist.close()


def evaluate_model(
    workspace: Workspace, store: PosterStore, version: str | None = None, device: str = "auto"
) -> Generator[Progress, None, dict[str, Any]]:
    """A model's metrics on the catalog's posters it never trained on, beside both baselines.

    Held out: the titles of the model's own test split, plus titles it never saw at all.
    The baselines are fitted on the model's training titles and tuned on its validation
    titles, when the catalog has them.

    :raises ModelError: when the catalog holds no poster the model was not trained on
    """
    info = Registry(workspace, store).require_active(version)
    where = {key: name for name, keys in info.split().items() for key in keys}
    parts: dict[str, list] = {"train": [], "val": [], "test": []}
    unseen = 0
    for e in load_examples(workspace, store):
        name = where.get(e.title_key, "test")
        unseen += e.title_key not in where
        parts[name].append(e)
    if not parts["test"]:
        raise ModelError(f"every poster in this catalog was used to train model {info.version}")
    dev = pick_device(device)
    net = scoring_network(info, dev)
    yield Progress("evaluate", message=f"scoring {len(parts['test'])} held-out posters")
    loader = make_loader(
        _dataset(info, [e.path for e in parts["test"]]), 64, workers=default_workers()
    )
    probs, _ = evaluate(net, loader, dev)
    genres = info.genres
    truth = {n: label_matrix(p, genres) for n, p in parts.items()}
    f1_cuts = [info.f1_thresholds[g] for g in genres]
    cuts = [info.thresholds[g] for g in genres]
    report: dict[str, Any] = {
        "version": info.version,
        "n_test": len(parts["test"]),
        "n_unseen_titles": unseen,
        "source": f"{len(parts['test']) - unseen} from its test split, {unseen} of titles it "
        "never saw",
        "model": judge(
            probs, truth["test"], f1_cuts, cuts, genres, [info.sure_absent[g] for g in genres]
        ),
        "baselines": None,
    }
    report["model"]["intervals"] = intervals(truth["test"], probs, f1_cuts)
    if parts["train"] and parts["val"]:
        everything = parts["train"] + parts["val"] + parts["test"]
        colour = yield from cached_colour_features(store, everything)
        features = {n: np.stack([colour[e.poster_id] for e in p]) for n, p in parts.items()}
        report["baselines"] = baselines(truth, features, genres)
    return report


def score_test_split(
    workspace: Workspace, version: str, device: str = "auto"
) -> Generator[Progress, None, dict[str, Any]]:
    """A version's calibrated scores on its test posters still in the catalog, saved beside
    it (a version shipped with the application is only scored, never written to).

    :raises ModelError: the version carries no split, or none of its test posters is left
    """
    with workspace.store() as store:
        info = Registry(workspace, store).require_active(version)
        test_keys = set(info.split().get("test", []))
        if not test_keys:
            raise ModelError(f"model {info.version} does not record which posters it was tested on")
        examples = [e for e in load_examples(workspace, store) if e.title_key in test_keys]
    if not examples:
        raise ModelError(f"none of the test posters of model {info.version} is in this catalog")
    yield Progress("evaluate", message=f"scoring {len(examples)} test posters")
    dev = pick_device(device)
    loader = make_loader(_dataset(info, [e.path for e in examples]), 64, workers=default_workers())
    probs, _ = evaluate(scoring_network(info, dev), loader, dev)
    scores = test_scores_record([e.poster_id for e in examples], info.genres, probs)
    if not info.bundled:
        info.write_test_scores(scores)
    return scores
