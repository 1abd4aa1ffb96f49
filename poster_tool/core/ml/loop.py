"""The pieces every training run is made of (torchvision reference shape): one epoch of
training, evaluation, the losses, early stopping, and the catalog's posters as checked
examples, splits and loaders.  Full and quick runs build on these and on nothing of each
other's."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from poster_tool.core.errors import ModelError
from poster_tool.core.ml.data import (
    DecodedPosters,
    Example,
    PosterDataset,
    Split,
    batches,
    default_workers,
    label_matrix,
    load_examples,
    make_loader,
    split_by_title,
)
from poster_tool.core.ml.metrics import scores_report
from poster_tool.core.ml.transforms import decode_side

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.distributed import Distributed
    from poster_tool.core.ml.network import GenreNet
    from poster_tool.core.ml.prefix import TopNet
    from poster_tool.core.workspace import Workspace

MIN_EXAMPLES = 16


@dataclass(frozen=True)
class RunContext:
    """Where a run happens: the workspace, the run's one catalog connection, the device,
    and this process's place among torchrun's ranks."""

    workspace: Workspace
    store: PosterStore
    device: torch.device
    dist: Distributed


# -- one epoch, evaluation, losses --------------------------------------------------------------
def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
    scaler: torch.amp.GradScaler | None = None,
) -> Iterator[tuple[int, float]]:
    """Train on every batch once, yielding ``(images, loss)`` after each step."""
    model.train()
    channels_last = device.type == "cuda"
    for images, targets in batches(loader):
        images = images.to(device, non_blocking=True)
        if channels_last:
            images = images.to(memory_format=torch.channels_last)
        targets = targets.to(device, non_blocking=True)
        with torch.autocast(device.type, enabled=scaler is not None):
            loss = criterion(model(images), targets)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        scheduler.step()
        yield len(images), float(loss.detach())


def batch_outputs(
    net: GenreNet | TopNet, loader: DataLoader, device: torch.device
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(probabilities, targets, embeddings)`` per batch, without gradients."""
    net.eval()
    for images, targets in batches(loader):
        # Inference mode per batch, not around the yield: it is thread state the caller shares.
        with torch.inference_mode(), torch.autocast(device.type, enabled=device.type == "cuda"):
            x = images.to(device, non_blocking=True)
            if device.type == "cuda":
                x = x.to(memory_format=torch.channels_last)
            emb = net.embed(x)
            probs = net.probabilities(emb)
        yield probs.cpu().numpy(), targets.numpy(), emb.float().cpu().numpy()


def evaluate(
    net: GenreNet | TopNet, loader: DataLoader, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and truths of a whole split."""
    probs, truths = [], []
    for p, t, _ in batch_outputs(net, loader, device):
        probs.append(p)
        truths.append(t)
    return np.concatenate(probs), np.concatenate(truths)


def bce(probs: np.ndarray, truth: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities (the validation loss)."""
    p = np.clip(probs, 1e-6, 1 - 1e-6)
    return float(-np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p)))


def pos_weight(truth: np.ndarray) -> torch.Tensor:
    """Per-genre weight of positives against class imbalance: sqrt(negatives/positives),
    in [1, 10], so rare genres count without their few posters dominating the loss."""
    pos = truth.sum(axis=0)
    ratio = (len(truth) - pos) / np.maximum(pos, 1)
    return torch.tensor(np.clip(np.sqrt(ratio), 1.0, 10.0), dtype=torch.float32)


# -- early stopping -------------------------------------------------------------------------------
def epoch_record(
    epoch: int, train_loss: float, probs: np.ndarray, truth: np.ndarray, genres: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One epoch's line of the run history, and the validation report it came from."""
    val = scores_report(truth, probs, [0.5] * len(genres), genres)
    record = {
        "epoch": epoch,
        "train_loss": round(train_loss, 5),
        "val_loss": round(bce(probs, truth), 5),
        "val_map": val["map"],
        "val_micro_f1_at_0.5": val["micro_f1"],
    }
    return record, val


@dataclass
class Best:
    """The best epoch by validation mAP, its weights, and the epochs since it (a checkpoint
    carries these, so a resumed run stops where the uninterrupted one would)."""

    score: float = -1.0
    epoch: int = 0
    bad_epochs: int = 0
    state: dict[str, Any] | None = None

    def update(self, score: float, epoch: int, module: nn.Module) -> None:
        if score > self.score + 1e-4:
            self.score, self.epoch, self.bad_epochs = score, epoch, 0
            self.state = copy.deepcopy(module.state_dict())
        else:
            self.bad_epochs += 1

    def restore(self, module: nn.Module) -> None:
        """Put the best epoch's weights back (a no-op before any epoch ran)."""
        if self.state is not None:
            module.load_state_dict(self.state)


# -- the catalog's posters as examples, splits and loaders ----------------------------------------
def examples_or_fail(workspace: Workspace, store: PosterStore) -> list[Example]:
    examples = load_examples(workspace, store)
    if len(examples) < MIN_EXAMPLES:
        raise ModelError(
            f"only {len(examples)} usable posters (not rejected, with genres, file present); "
            f"training needs at least {MIN_EXAMPLES}"
        )
    return examples


def split_or_fail(
    examples: list[Example],
    genres: Sequence[str],
    config: TrainConfig,
    fixed: dict[str, str] | None = None,
) -> Split:
    split = split_by_title(examples, genres, config.seed, config.fractions, fixed)
    if not split.train or not split.val or not split.test:
        raise ModelError(
            f"too few titles ({len({e.group for e in examples})}) to hold out validation and "
            "test posters; import more posters first"
        )
    return split


def fixed_splits(snapshot: dict[str, list[str]]) -> dict[str, str]:
    return {key: name for name, keys in snapshot.items() for key in keys}


def split_loader(
    examples: Sequence[Example],
    genres: Sequence[str],
    transform: Any,
    config: TrainConfig,
    device: torch.device,
    *,
    shuffle: bool = False,
    sampler: torch.utils.data.Sampler | None = None,
    batch_size: int | None = None,
    cache: DecodedPosters | None = None,
    drop_last: bool = False,
) -> DataLoader:
    dataset = PosterDataset(
        [e.path for e in examples],
        label_matrix(examples, genres),
        transform,
        decode_side(config.input_size),
        cache,
    )
    workers = default_workers(cache is not None) if config.workers is None else config.workers
    return make_loader(
        dataset,
        batch_size or config.batch_size,
        shuffle=shuffle,
        workers=workers,
        seed=config.seed,
        sampler=sampler,
        pin_memory=device.type == "cuda",
        drop_last=drop_last,
    )
