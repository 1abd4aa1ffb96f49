"""Quick retrain: a new head on embeddings cached per poster and trunk (seconds, not hours).

The base model's trunk is frozen; its embeddings of every usable poster are read from the
``embeddings`` table (computed and stored once for the posters that lack one), and only
the head is trained, warm-started from the base model's.  Titles the base model
already placed keep their split, so its test titles stay held out.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from poster_tool.core.ml import embeddings
from poster_tool.core.ml.data import Example, label_matrix
from poster_tool.core.ml.loop import (
    Best,
    RunContext,
    batch_outputs,
    epoch_record,
    examples_or_fail,
    fixed_splits,
    pos_weight,
    split_loader,
    split_or_fail,
)
from poster_tool.core.ml.outcome import Trained, finish
from poster_tool.core.ml.registry import Registry, load_network
from poster_tool.core.ml.results import TrainResult
from poster_tool.core.ml.transforms import EvalPreset
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.network import GenreNet
    from poster_tool.core.ml.registry import ModelInfo


def fit_head(run: RunContext, config: TrainConfig) -> Generator[Progress, None, TrainResult]:
    """Train a new head for the base model's trunk; see :func:`train.fit`."""
    workspace, store, device = run.workspace, run.store, run.device
    if not run.dist.main:  # seconds of work: under torchrun rank 0 alone does it
        return TrainResult.of_helper_rank("quick", str(device))
    started = time.monotonic()
    torch.manual_seed(config.seed)
    base = Registry(workspace, store).require_active(config.base)
    net = load_network(base, device)
    genres = base.genres
    config = replace(config, backbone=base.backbone, input_size=base.input_size)
    examples = examples_or_fail(workspace, store)
    split = split_or_fail(examples, genres, config, fixed_splits(base.split()))
    vectors = yield from cached_embeddings(store, net, base, examples, device, config)
    x = {
        name: torch.from_numpy(np.stack([vectors[e.poster_id] for e in getattr(split, name)]))
        for name in ("train", "val", "test")
    }
    y = {name: label_matrix(getattr(split, name), genres) for name in ("train", "val", "test")}

    head = net.head  # its own dropout stands in for the dropout of a full run's head
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight(y["train"]))
    optimizer = torch.optim.AdamW(
        head.parameters(), lr=config.lr_or_default(), weight_decay=config.weight_decay
    )
    epochs = config.epochs_or_default()
    generator = torch.Generator().manual_seed(config.seed)
    x_train, y_train = x["train"].to(device), torch.from_numpy(y["train"]).to(device)
    meter = Meter("head", total=epochs)
    history, best = [], Best()
    epoch = 0
    for epoch in range(1, epochs + 1):
        head.train()
        order = torch.randperm(len(x_train), generator=generator).to(device)
        loss_sum = 0.0
        for i in range(0, len(order), 256):
            idx = order[i : i + 256]
            if len(idx) < 2:  # an MLP head's batch norm cannot train on a single poster
                continue
            loss = criterion(head(x_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += float(loss.detach()) * len(idx)
        probs = _head_probs(head, x["val"], device)
        record, val = epoch_record(epoch, loss_sum / len(order), probs, y["val"], genres)
        history.append(record)
        best.update(val["map"], epoch, head)
        meter.done = epoch
        yield meter.report(
            f"val mAP {val['map']:.3f}", kind="epoch", history=list(history), **record
        )
        if best.bad_epochs >= config.patience * 2:  # head epochs are short: allow a longer plateau
            break
    best.restore(head)
    trunk = base.meta.get("trunk") or base.version
    trained = Trained(
        config,
        net,
        genres,
        split,
        _head_probs(head, x["val"], device),
        y["val"],
        _head_probs(head, x["test"], device),
        y["test"],
        device,
        bool(base.meta.get("pretrained")),
        f"head only, retrained on the trunk of {trunk} ({base.meta.get('pretrained_note', '')})",
        started,
        epochs_run=epoch,
        best_epoch=best.epoch,
        stopped_early=epoch < epochs,
        history=history,
        trunk=trunk,
        parent=base.version,
        trunk_frozen=bool(base.meta.get("trunk_frozen")),
    )
    return (yield from finish(workspace, store, trained))


def _head_probs(head: nn.Module, x: torch.Tensor, device: torch.device) -> np.ndarray:
    head.eval()
    with torch.inference_mode():
        return torch.sigmoid(head(x.to(device))).cpu().numpy()


def cached_embeddings(
    store: PosterStore,
    net: GenreNet,
    info: ModelInfo,
    examples: Sequence[Example],
    device: torch.device,
    config: TrainConfig,
) -> Generator[Progress, None, dict[int, np.ndarray]]:
    """Embeddings of these posters by the model's trunk: cached ones read, the rest computed
    and stored (each batch committed, so a cancelled run keeps what it computed)."""
    key = info.embedding_key
    vectors = embeddings.read(store, key, [e.poster_id for e in examples])
    missing = [e for e in examples if e.poster_id not in vectors]
    if not missing:
        return vectors
    loader = split_loader(
        missing,
        [],
        EvalPreset(info.input_size),
        replace(config, input_size=info.input_size),
        device,
        batch_size=config.batch_size * 2,
    )
    meter = Meter("embed", total=len(missing))
    for _, _, emb in batch_outputs(net, loader, device):
        ids = [e.poster_id for e in missing[meter.done : meter.done + len(emb)]]
        embeddings.write(store, key, ids, emb)
        vectors.update(zip(ids, emb, strict=True))
        meter.done += len(emb)
        yield meter.report("embedding posters with the base model")
    return vectors
