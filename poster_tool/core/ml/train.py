"""Training: ``train_one_epoch``, ``evaluate`` and ``fit`` (torchvision reference shape).

``fit`` is a generator of :class:`~poster_tool.core.progress.Progress` that returns a
:class:`TrainResult`; the CLI prints its reports and the GUI's retrain button drives it
from a worker thread.  Two speeds:

* **full** fine-tunes the whole network, with a checkpoint after every epoch (resume
  continues from it), early stopping on validation mAP and the best epoch kept;
* **quick** trains only the head on embeddings cached per poster and trunk, so a curator's
  corrections take effect in seconds.

Under ``torchrun`` with ``WORLD_SIZE`` > 1 the same entry point trains with
DistributedDataParallel; rank 0 alone writes checkpoints, the model and the run log.
Cancelling (``generator.close()``) between reports never leaves a half-written model:
versions are written to a temporary folder and renamed.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Generator, Iterator, Sequence, Sized
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from poster_tool.core.errors import Cancelled, ModelError
from poster_tool.core.ml.config import TrainConfig
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
    model_genres,
    split_by_title,
)
from poster_tool.core.ml.distributed import Distributed
from poster_tool.core.ml.metrics import scores_report
from poster_tool.core.ml.network import (
    LITE0,
    GenreNet,
    backbone,
    load_pretrained,
)
from poster_tool.core.ml.outcome import finish
from poster_tool.core.ml.prefix import (
    FeatureViews,
    FrozenFeatures,
    TopNet,
    compute_views,
    prefix_of,
    views_that_fit,
)
from poster_tool.core.ml.results import TrainResult
from poster_tool.core.ml.transforms import EvalPreset, TrainPreset, decode_side
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

MIN_EXAMPLES = 16
TOP_LR_FACTOR = 0.2  # pretrained layers above the frozen ones learn slower than the head
CHECKPOINT = Path(".checkpoint") / "last.pt"  # under the workspace's models/
# What a resumed run takes from its checkpoint (epochs, device and workers may change).
_RESUMED = (
    "backbone",
    "batch_size",
    "lr",
    "weight_decay",
    "seed",
    "patience",
    "min_positives",
    "pretrained",
    "version",
    "activate",
    "freeze",
    "views",
    "head_epochs",
)


# -- the torchvision-reference pieces -------------------------------------------------------
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


# -- fit --------------------------------------------------------------------------------------
def fit(
    workspace: Workspace, config: TrainConfig | None = None
) -> Generator[Progress, None, TrainResult]:
    """Train a model on the catalog, register it and (by default) activate it.

    Opens its own catalog connection, so it can run on a worker thread.

    :raises ModelError: with too little data, an unknown backbone, or nothing to resume
    """
    config = config or TrainConfig()
    backbone(config.backbone)
    dist = Distributed.from_env()
    device = dist.start(config.device)
    store = workspace.store()
    run_id = store.start_run(config.kind, config.backbone, str(device)) if dist.main else 0
    status, message, result = "failed", "", None
    try:
        if config.quick:
            # Imported here: quick.py builds on this module's helpers.
            from poster_tool.core.ml.quick import fit_head

            job = fit_head
        else:
            job = _fit_full
        result = yield from job(workspace, store, config, device, dist)
        status = "finished"
        return result
    except (GeneratorExit, Cancelled, KeyboardInterrupt):  # closed, stopped, or Ctrl-C
        status, message = "cancelled", "cancelled by the user"
        raise
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        raise
    finally:
        if dist.main:
            report = result.report if result else {}
            store.finish_run(
                run_id,
                status,
                version=result.version if result else None,
                n_train=report.get("n_train"),
                n_curator=report.get("n_curator"),
                metrics=report.get("model"),
                message=message,
            )
        store.close()
        dist.close()


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
    )


def _fit_full(
    workspace: Workspace,
    store: PosterStore,
    config: TrainConfig,
    device: torch.device,
    dist: Distributed,
) -> Generator[Progress, None, TrainResult]:
    started = time.monotonic()
    ckpt_path = workspace.models_dir / CHECKPOINT
    ckpt: dict[str, Any] | None = None
    if config.resume:
        if not ckpt_path.exists():
            raise ModelError("there is no unfinished training run to resume")
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        stored = ckpt["args"]
        config = replace(
            config,
            **{k: stored[k] for k in _RESUMED},
            input_size=tuple(stored["input_size"]),
            fractions=tuple(stored["fractions"]),
            epochs=config.epochs or stored["epochs"],
        )
    torch.manual_seed(config.seed)
    examples = examples_or_fail(workspace, store)
    genres = ckpt["genres"] if ckpt else model_genres(examples, config.min_positives)
    if not genres:
        raise ModelError(f"no genre has {config.min_positives} posters or more to learn from")
    split = split_or_fail(examples, genres, config, fixed_splits(ckpt["split"]) if ckpt else None)
    y_train = label_matrix(split.train, genres)

    cache = None
    if config.cache_mb > 0:
        cache = yield from DecodedPosters.build(
            [e.path for e in examples],
            decode_side(config.input_size),
            config.cache_mb * 2**20,
            os.cpu_count() or 1,
        )
        if cache is None:
            yield Progress("decode", message="the posters exceed --cache-mb: decoding each epoch")

    net = GenreNet(config.backbone, len(genres))
    if config.pretrained == "none":
        pretrained, note = False, "trained from scratch (ImageNet weights not requested)"
    else:
        pretrained, note = yield from load_pretrained(net, config.pretrained == "download")
    if ckpt:
        pretrained, note = bool(ckpt["pretrained"]), str(ckpt["pretrained_note"])
    yield Progress("weights", message=note)
    net.to(device)
    if device.type == "cuda":
        net.to(memory_format=torch.channels_last)
    frozen = frozen_layers(config, pretrained)

    def eval_loader(examples: list[Example]) -> DataLoader:
        preset = EvalPreset(config.input_size)
        return split_loader(
            examples, genres, preset, config, device, batch_size=config.batch_size * 2, cache=cache
        )

    trainable: GenreNet | TopNet = net
    feats: FrozenFeatures | None = None
    if frozen:
        trainable = TopNet(net, frozen)
        feats = yield from frozen_features(net, frozen, split, genres, config, device, cache)
        note += (
            f"; the first {frozen} feature layers frozen, the layers above fine-tuned "
            f"on {len(feats.train.views)} views per training poster"
        )
    model: nn.Module = trainable
    sampler: DistributedSampler | None = None
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel
        from torch.utils.data.distributed import DistributedSampler

        model = DistributedDataParallel(
            trainable, device_ids=[device.index] if device.index is not None else None
        )
        # It only takes len() of its dataset, so the indices stand in for the posters
        # (torch annotates Dataset, which declares no __len__).
        sampler = DistributedSampler(
            range(len(split.train)),  # type: ignore[arg-type]
            dist.world,
            dist.rank,
            shuffle=True,
            seed=config.seed,
        )
    if feats is not None:
        train_loader = make_loader(
            feats.train, config.batch_size, shuffle=True, seed=config.seed, sampler=sampler
        )
        val_loader = feats.loader("val", config.batch_size * 2)
    else:
        train_loader = split_loader(
            split.train,
            genres,
            TrainPreset(config.input_size),
            config,
            device,
            shuffle=True,
            sampler=sampler,
            cache=cache,
        )
        val_loader = eval_loader(split.val)

    epochs = config.epochs_or_default()
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight(y_train).to(device))
    optimizer, scheduler = _optimizer(
        trainable, config, epochs * len(train_loader), len(train_loader)
    )
    scaler = torch.amp.GradScaler("cuda") if device.type == "cuda" else None

    start_epoch, history, best_score, best_epoch, bad_epochs = 0, [], -1.0, 0, 0
    best_state, resumed = None, []
    if ckpt:
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["lr_scheduler"])
        start_epoch, history = int(ckpt["epoch"]), list(ckpt["history"])
        best_score, best_epoch = float(ckpt["best_score"]), int(ckpt["best_epoch"])
        bad_epochs, best_state = int(ckpt["bad_epochs"]), ckpt["best_state"]
        # The run's wall time and resumptions carry over, so the card reports the whole run.
        started -= float(ckpt["seconds"])
        resumed = [*ckpt["resumed_after"], start_epoch]
        yield Progress("resume", start_epoch, epochs, f"resuming after epoch {start_epoch}")

    assert isinstance(train_loader.sampler, Sized)  # torch's samplers here all have a length
    meter = Meter("train", total=(epochs - start_epoch) * len(train_loader.sampler))
    stopped_early = False
    epoch = start_epoch
    for epoch in range(start_epoch + 1, epochs + 1):
        meter.stage = f"epoch {epoch}/{epochs}"
        if sampler is not None:
            sampler.set_epoch(epoch)
        if feats is not None:
            feats.train.set_epoch(epoch - 1)
        if isinstance(trainable, TopNet) and epoch > config.head_epochs:
            trainable.unfreeze()
        epoch_start, seen, loss_sum = time.monotonic(), 0, 0.0
        for batch, (n, loss) in enumerate(
            train_one_epoch(model, train_loader, criterion, optimizer, scheduler, device, scaler)
        ):
            meter.done += n
            seen += n
            loss_sum += loss * n
            rate = seen / max(1e-9, time.monotonic() - epoch_start)
            yield meter.report(
                f"loss {loss:.4f}",
                kind="batch",
                epoch=epoch,
                batch=batch + 1,
                batches=len(train_loader),
                loss=loss,
                images_per_s=rate,
            )
        train_seconds = time.monotonic() - epoch_start
        probs, truth = evaluate(trainable, val_loader, device)
        val = scores_report(truth, probs, [0.5] * len(genres), genres)
        history.append(
            {
                "epoch": epoch,
                "train_loss": round(loss_sum / max(1, seen), 5),
                "val_loss": round(bce(probs, truth), 5),
                "val_map": val["map"],
                "val_micro_f1_at_0.5": val["micro_f1"],
                "val_macro_f1_at_0.5": val["macro_f1"],
                "images_per_s": round(seen / max(1e-9, train_seconds), 1),
            }
        )
        if val["map"] > best_score + 1e-4:
            best_score, best_epoch, bad_epochs = val["map"], epoch, 0
            best_state = copy.deepcopy(net.state_dict())
        else:
            bad_epochs += 1
        stop = dist.agree(bad_epochs >= config.patience)
        if dist.main:
            _save_checkpoint(
                ckpt_path,
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "lr_scheduler": scheduler.state_dict(),
                    "epoch": epoch,
                    "args": {**asdict(config), "epochs": epochs},
                    "genres": list(genres),
                    "split": split.snapshot(),
                    "history": history,
                    "best_score": best_score,
                    "best_epoch": best_epoch,
                    "bad_epochs": bad_epochs,
                    "best_state": best_state,
                    "pretrained": pretrained,
                    "pretrained_note": note,
                    "seconds": time.monotonic() - started,
                    "resumed_after": resumed,
                },
            )
        yield meter.report(
            f"val mAP {val['map']:.3f} (best {best_score:.3f} at epoch {best_epoch})",
            kind="epoch",
            history=list(history),
            **history[-1],
        )
        if stop:
            stopped_early = epoch < epochs
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    if not dist.main:
        return TrainResult.of_helper_rank("full", str(device), epoch)

    yield Progress("evaluate", message="tuning thresholds on validation, scoring the test split")
    val_probs, val_truth = evaluate(trainable, val_loader, device)
    test_loader = (
        eval_loader(split.test) if feats is None else feats.loader("test", config.batch_size * 2)
    )
    test_probs, test_truth = evaluate(trainable, test_loader, device)
    result = yield from finish(
        workspace,
        store,
        config,
        net,
        genres,
        split,
        val_probs,
        val_truth,
        test_probs,
        test_truth,
        device,
        pretrained,
        note,
        started,
        {
            "epochs_run": epoch,
            "best_epoch": best_epoch,
            "stopped_early": stopped_early,
            "history": history,
            "trunk": None,
            "parent": None,
            "resumed_after": resumed,
        },
    )
    ckpt_path.unlink(missing_ok=True)
    return result


def frozen_layers(config: TrainConfig, pretrained: bool) -> int:
    """How many feature layers a full run keeps frozen (none without ImageNet weights:
    random layers are not worth keeping)."""
    if config.freeze is not None:
        return max(0, config.freeze)
    return backbone(config.backbone).frozen if pretrained else 0


def frozen_features(
    net: GenreNet,
    k: int,
    split: Split,
    genres: Sequence[str],
    config: TrainConfig,
    device: torch.device,
    cache: DecodedPosters | None,
) -> Generator[Progress, None, FrozenFeatures]:
    """The frozen layers' output for validation and test posters, and ``config.views``
    views of each training poster (the plain one, then augmented ones).

    :raises ModelError: when they would not fit ``config.cache_mb``
    """
    if net.backbone_name != LITE0:
        raise ModelError(
            f"frozen layers need the {LITE0} backbone; use --freeze 0 with {config.backbone}"
        )
    height, width = config.input_size
    probe = prefix_of(net, k)(torch.zeros(1, 3, height, width, dtype=torch.uint8, device=device))
    per_poster = probe.numel() * 2  # float16
    n_eval = len(split.val) + len(split.test)
    wanted = max(1, config.views)
    fit = views_that_fit(len(split.train), n_eval, per_poster, config.cache_mb * 2**20, wanted)
    if fit == 0:
        need = (n_eval + len(split.train)) * per_poster / 2**20
        raise ModelError(
            f"the frozen layers' features need {need:.0f} MB, over --cache-mb "
            f"{config.cache_mb}; raise it, or train every layer with --freeze 0"
        )
    if fit < wanted:
        yield Progress("features", message=f"memory allows {fit} of {wanted} training views")

    def loader(examples: list[Example], preset: Any, seed: int) -> DataLoader:
        torch.manual_seed(seed)  # each augmented view draws its own crops and flips
        return split_loader(
            examples, genres, preset, config, device, batch_size=config.batch_size * 2, cache=cache
        )

    plain = EvalPreset(config.input_size)
    out = {}
    for name in ("val", "test"):
        examples = getattr(split, name)
        out[name] = yield from compute_views(
            net, k, loader(examples, plain, config.seed), device, f"frozen layers: {name} posters"
        )
    train_views = []
    for v in range(fit):
        preset = plain if v == 0 else TrainPreset(config.input_size)
        train_views.append(
            (
                yield from compute_views(
                    net,
                    k,
                    loader(split.train, preset, config.seed + v),
                    device,
                    f"frozen layers: training view {v + 1} of {fit}",
                )
            )
        )
    y = {n: label_matrix(getattr(split, n), genres) for n in ("train", "val", "test")}
    return FrozenFeatures(
        FeatureViews(train_views, y["train"]),
        FeatureViews([out["val"]], y["val"]),
        FeatureViews([out["test"]], y["test"]),
    )


def _optimizer(
    net: nn.Module, config: TrainConfig, steps: int, steps_per_epoch: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """AdamW (no weight decay on norms and biases) with a one-epoch linear warm-up, then
    cosine decay to 2 % of the peak rate, stepped per batch.  Above frozen layers, the
    pretrained layers learn at a fifth of the head's rate."""
    lr = config.lr_or_default()
    head = {id(p) for p in net.head.parameters()} if isinstance(net, TopNet) else set()
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for p in net.parameters():
        groups.setdefault((id(p) in head or not head, p.ndim > 1), []).append(p)
    optimizer = torch.optim.AdamW(
        [
            {
                "params": params,
                "weight_decay": config.weight_decay if decays else 0.0,
                "lr": lr if fast else lr * TOP_LR_FACTOR,
            }
            for (fast, decays), params in sorted(groups.items())
        ],
        lr=lr,
    )
    warmup = max(1, min(steps_per_epoch, steps // 10))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, steps - warmup))
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write through a temporary file: a kill mid-write keeps the previous checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
