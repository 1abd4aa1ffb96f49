"""A full run: fine-tune the network, a checkpoint after every epoch.

Resume continues from the checkpoint, early stopping on validation mAP keeps the best
epoch.  From ImageNet weights the lower feature layers stay frozen: their output is
computed once per poster (and augmented view) and the epochs train only the layers above.
Under ``torchrun`` every rank trains with DistributedDataParallel; rank 0 alone writes
checkpoints and the model.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Generator, Sequence, Sized
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from poster_tool.core.errors import ModelError
from poster_tool.core.ml.config import FREEZE_ALL
from poster_tool.core.ml.data import (
    DecodedPosters,
    Example,
    Split,
    label_matrix,
    make_loader,
    model_genres,
)
from poster_tool.core.ml.loop import (
    Best,
    RunContext,
    epoch_record,
    evaluate,
    examples_or_fail,
    fixed_splits,
    pos_weight,
    split_loader,
    split_or_fail,
    train_one_epoch,
)
from poster_tool.core.ml.network import GenreNet, backbone, load_pretrained
from poster_tool.core.ml.outcome import Trained, finish
from poster_tool.core.ml.prefix import (
    FeatureViews,
    FrozenFeatures,
    TopNet,
    compute_views,
    features_of,
    prefix_of,
    views_that_fit,
)
from poster_tool.core.ml.results import TrainResult
from poster_tool.core.ml.transforms import EvalPreset, TrainPreset, decode_side
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler

    from poster_tool.core.ml.config import TrainConfig
    from poster_tool.core.ml.distributed import Distributed

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
    "taps",
    "hidden",
)


@dataclass
class _Inputs:
    """The posters a run learns from, and the loaders over them."""

    config: TrainConfig
    genres: Sequence[str]
    split: Split
    device: torch.device
    cache: DecodedPosters | None

    def train_loader(self, sampler: DistributedSampler | None, mlp: bool) -> DataLoader:
        """The training posters, shuffled and augmented (``mlp``: the head has batch norm,
        which cannot train on a last batch of one poster)."""
        return split_loader(
            self.split.train,
            self.genres,
            TrainPreset(self.config.input_size),
            self.config,
            self.device,
            shuffle=True,
            sampler=sampler,
            cache=self.cache,
            drop_last=mlp and len(self.split.train) > self.config.batch_size,
        )

    def eval_loader(self, examples: list[Example], preset: Any = None) -> DataLoader:
        """These posters in order (plain, unless ``preset`` says otherwise)."""
        return split_loader(
            examples,
            self.genres,
            EvalPreset(self.config.input_size) if preset is None else preset,
            self.config,
            self.device,
            batch_size=self.config.batch_size * 2,
            cache=self.cache,
        )


@dataclass
class _Trainee:
    """What the epochs train: the network, or the layers above its frozen ones (then on
    their precomputed output), wrapped for DistributedDataParallel under torchrun."""

    net: GenreNet
    trainable: GenreNet | TopNet
    model: nn.Module
    sampler: DistributedSampler | None
    feats: FrozenFeatures | None
    train_loader: DataLoader
    val_loader: DataLoader

    def test_loader(self, inputs: _Inputs) -> DataLoader:
        batch = inputs.config.batch_size * 2
        if self.feats is not None:
            return self.feats.loader("test", batch)
        return inputs.eval_loader(inputs.split.test)


@dataclass
class _Course:
    """How the run went so far: what a checkpoint carries besides the weights and the
    optimizer, so a resumed run reports (and stops) like an uninterrupted one."""

    history: list[dict[str, Any]] = field(default_factory=list)
    best: Best = field(default_factory=Best)
    epoch: int = 0
    resumed_after: list[int] = field(default_factory=list)

    @classmethod
    def of_checkpoint(cls, ckpt: dict[str, Any]) -> _Course:
        epoch = int(ckpt["epoch"])
        best = Best(
            float(ckpt["best_score"]),
            int(ckpt["best_epoch"]),
            int(ckpt["bad_epochs"]),
            ckpt["best_state"],
        )
        return cls(list(ckpt["history"]), best, epoch, [*ckpt["resumed_after"], epoch])


def fit_full(run: RunContext, config: TrainConfig) -> Generator[Progress, None, TrainResult]:
    """Fine-tune a new network on the catalog; see :func:`train.fit`."""
    started = time.monotonic()
    device, dist = run.device, run.dist
    ckpt_path = run.workspace.models_dir / CHECKPOINT
    ckpt = _load_checkpoint(ckpt_path) if config.resume else None
    if ckpt is not None:
        config = _resumed_config(config, ckpt["args"])
    torch.manual_seed(config.seed)
    examples = examples_or_fail(run.workspace, run.store)
    genres = ckpt["genres"] if ckpt else model_genres(examples, config.min_positives)
    if not genres:
        raise ModelError(f"no genre has {config.min_positives} posters or more to learn from")
    split = split_or_fail(examples, genres, config, fixed_splits(ckpt["split"]) if ckpt else None)
    cache = yield from _decoded_posters(examples, config)
    inputs = _Inputs(config, genres, split, device, cache)

    net, pretrained, weights = yield from _network(config, len(genres), device, ckpt)
    note = weights  # the model's note says what was frozen too; a checkpoint keeps weights'
    layers = len(features_of(net)) if backbone(config.backbone).lite else None
    frozen = frozen_layers(config, pretrained, layers)
    whole = frozen == layers
    feats = None
    if frozen:
        feats = yield from frozen_features(net, frozen, inputs)
        n = len(feats.train.views)
        views = "the plain training posters" if n == 1 else f"{n} views per training poster"
        note += (
            f"; every feature layer frozen, the head trained on {views}"
            if whole
            else f"; the first {frozen} feature layers frozen, the layers above fine-tuned "
            f"on {views}"
        )
    trainee = _trainee(net, frozen, feats, inputs, dist)

    epochs = config.epochs_or_default()
    steps = len(trainee.train_loader)
    criterion = nn.BCEWithLogitsLoss(
        pos_weight=pos_weight(label_matrix(split.train, genres)).to(device)
    )
    optimizer, scheduler = _optimizer(trainee.trainable, config, epochs * steps, steps)
    course = _Course()
    if ckpt:
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["lr_scheduler"])
        if "rng" in ckpt:  # (checkpoints written before it was kept: dropout draws anew)
            torch.set_rng_state(ckpt["rng"])
        course = _Course.of_checkpoint(ckpt)
        # The run's wall time and resumptions carry over, so the card reports the whole run.
        started -= float(ckpt["seconds"])
        yield Progress("resume", course.epoch, epochs, f"resuming after epoch {course.epoch}")

    def save_checkpoint() -> None:
        _save_checkpoint(
            ckpt_path,
            {
                "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "lr_scheduler": scheduler.state_dict(),
                "rng": torch.get_rng_state(),  # dropout and augmentations go on as they were
                "epoch": course.epoch,
                "args": {**asdict(config), "epochs": epochs},
                "genres": list(genres),
                "split": split.snapshot(),
                "history": course.history,
                "best_score": course.best.score,
                "best_epoch": course.best.epoch,
                "bad_epochs": course.best.bad_epochs,
                "best_state": course.best.state,
                "pretrained": pretrained,
                "pretrained_note": weights,
                "seconds": time.monotonic() - started,
                "resumed_after": course.resumed_after,
            },
        )

    stopped_early = yield from _epochs(
        trainee,
        course,
        inputs,
        dist,
        criterion,
        optimizer,
        scheduler,
        epochs,
        save_checkpoint if dist.main else None,
    )
    course.best.restore(net)
    if not dist.main:
        return TrainResult.of_helper_rank("full", str(device), course.epoch)

    yield Progress("evaluate", message="tuning thresholds on validation, scoring the test split")
    val_probs, val_truth = evaluate(trainee.trainable, trainee.val_loader, device)
    test_probs, test_truth = evaluate(trainee.trainable, trainee.test_loader(inputs), device)
    trained = Trained(
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
        epochs_run=course.epoch,
        best_epoch=course.best.epoch,
        stopped_early=stopped_early,
        history=course.history,
        resumed_after=course.resumed_after,
        trunk_frozen=bool(whole),
    )
    result = yield from finish(run.workspace, run.store, trained)
    ckpt_path.unlink(missing_ok=True)
    return result


def _epochs(
    trainee: _Trainee,
    course: _Course,
    inputs: _Inputs,
    dist: Distributed,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    epochs: int,
    save_checkpoint: Callable[[], None] | None,
) -> Generator[Progress, None, bool]:
    """Train from the epoch after ``course.epoch`` on, with a report per batch and per epoch;
    returns whether early stopping ended the run."""
    device, config = inputs.device, inputs.config
    scaler = torch.amp.GradScaler("cuda") if device.type == "cuda" else None
    loader = trainee.train_loader
    assert isinstance(loader.sampler, Sized)  # torch's samplers here all have a length
    meter = Meter("train", total=(epochs - course.epoch) * len(loader.sampler))
    for epoch in range(course.epoch + 1, epochs + 1):
        meter.stage = f"epoch {epoch}/{epochs}"
        if trainee.sampler is not None:
            trainee.sampler.set_epoch(epoch)
        elif loader.generator is not None:
            # The epoch's order follows its number: a resumed run goes on with new orders
            # instead of replaying its first epochs' (it learnt those by heart: a training
            # loss of 0.18 against 0.38 after a resume at epoch 2 of 8, on real posters).
            loader.generator.manual_seed(config.seed * 1_000 + epoch)
        if trainee.feats is not None:
            trainee.feats.train.set_epoch(epoch - 1)
        if isinstance(trainee.trainable, TopNet) and epoch > config.head_epochs:
            trainee.trainable.unfreeze()
        epoch_start, seen, loss_sum = time.monotonic(), 0, 0.0
        steps = train_one_epoch(
            trainee.model, loader, criterion, optimizer, scheduler, device, scaler
        )
        for batch, (n, loss) in enumerate(steps):
            meter.done += n
            seen += n
            loss_sum += loss * n
            rate = seen / max(1e-9, time.monotonic() - epoch_start)
            yield meter.report(
                f"loss {loss:.4f}",
                kind="batch",
                epoch=epoch,
                batch=batch + 1,
                batches=len(loader),
                loss=loss,
                images_per_s=rate,
            )
        train_seconds = time.monotonic() - epoch_start
        probs, truth = evaluate(trainee.trainable, trainee.val_loader, device)
        record, val = epoch_record(epoch, loss_sum / max(1, seen), probs, truth, inputs.genres)
        record["val_macro_f1_at_0.5"] = val["macro_f1"]
        record["images_per_s"] = round(seen / max(1e-9, train_seconds), 1)
        course.history.append(record)
        course.epoch = epoch
        best = course.best
        best.update(val["map"], epoch, trainee.net)
        stop = dist.agree(best.bad_epochs >= config.patience)
        if save_checkpoint is not None:
            save_checkpoint()
        yield meter.report(
            f"val mAP {val['map']:.3f} (best {best.score:.3f} at epoch {best.epoch})",
            kind="epoch",
            history=list(course.history),
            **record,
        )
        if stop:
            return epoch < epochs
    return False


def _load_checkpoint(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ModelError("there is no unfinished training run to resume")
    return torch.load(path, map_location="cpu", weights_only=True)


def _resumed_config(config: TrainConfig, stored: dict[str, Any]) -> TrainConfig:
    return replace(
        config,
        **{k: stored[k] for k in _RESUMED},
        input_size=tuple(stored["input_size"]),
        fractions=tuple(stored["fractions"]),
        epochs=config.epochs or stored["epochs"],
    )


def _network(
    config: TrainConfig, n_genres: int, device: torch.device, ckpt: dict[str, Any] | None
) -> Generator[Progress, None, tuple[GenreNet, bool, str]]:
    """A new network on ``device`` with ImageNet weights when asked and available; whether
    it got them, and a note saying so (a resumed run's come from its checkpoint)."""
    spec = backbone(config.backbone)
    net = GenreNet(
        config.backbone,
        n_genres,
        taps=spec.taps if config.taps is None else config.taps,
        hidden=spec.hidden if config.hidden is None else config.hidden,
    )
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
    return net, pretrained, note


def _decoded_posters(
    examples: list[Example], config: TrainConfig
) -> Generator[Progress, None, DecodedPosters | None]:
    """The posters decoded once into memory, when ``--cache-mb`` allows it."""
    if config.cache_mb <= 0:
        return None
    cache = yield from DecodedPosters.build(
        [e.path for e in examples],
        decode_side(config.input_size),
        config.cache_mb * 2**20,
        os.cpu_count() or 1,
    )
    if cache is None:
        yield Progress("decode", message="the posters exceed --cache-mb: decoding each epoch")
    return cache


def _trainee(
    net: GenreNet, frozen: int, feats: FrozenFeatures | None, inputs: _Inputs, dist: Distributed
) -> _Trainee:
    config = inputs.config
    trainable: GenreNet | TopNet = TopNet(net, frozen) if frozen else net
    model: nn.Module = trainable
    sampler: DistributedSampler | None = None
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel
        from torch.utils.data.distributed import DistributedSampler

        model = DistributedDataParallel(
            trainable, device_ids=[inputs.device.index] if inputs.device.index is not None else None
        )
        # It only takes len() of its dataset, so the indices stand in for the posters
        # (torch annotates Dataset, which declares no __len__).
        sampler = DistributedSampler(
            range(len(inputs.split.train)),  # type: ignore[arg-type]
            dist.world,
            dist.rank,
            shuffle=True,
            seed=config.seed,
        )
    if feats is not None:
        train_loader = make_loader(
            feats.train,
            config.batch_size,
            shuffle=True,
            seed=config.seed,
            sampler=sampler,
            # An MLP head's batch norm cannot train on a last batch of one poster.
            drop_last=bool(net.hidden) and len(feats.train) > config.batch_size,
        )
        val_loader = feats.loader("val", config.batch_size * 2)
    else:
        train_loader = inputs.train_loader(sampler, bool(net.hidden))
        val_loader = inputs.eval_loader(inputs.split.val)
    return _Trainee(net, trainable, model, sampler, feats, train_loader, val_loader)


def frozen_layers(config: TrainConfig, pretrained: bool, layers: int | None) -> int:
    """How many feature layers a full run keeps frozen (none without ImageNet weights:
    random layers are not worth keeping).

    :param layers: how many the trunk has (``None``: no sequence of feature layers to
        freeze; asking for some is refused later, with a reason)
    """
    if config.freeze is None:
        freeze = backbone(config.backbone).frozen if pretrained else 0
    else:
        freeze = config.freeze
    if layers is None:
        return max(0, freeze)
    return layers if freeze == FREEZE_ALL else max(0, min(freeze, layers))


def frozen_features(
    net: GenreNet, k: int, inputs: _Inputs
) -> Generator[Progress, None, FrozenFeatures]:
    """The frozen layers' output for validation and test posters, and ``config.views``
    views of each training poster (the plain one, then augmented ones).

    :raises ModelError: when they would not fit ``config.cache_mb``
    """
    config, split, device = inputs.config, inputs.split, inputs.device
    if not backbone(net.backbone_name).lite:
        raise ModelError(
            "frozen layers need an EfficientNet-Lite backbone; "
            f"use --freeze 0 with {config.backbone}"
        )
    first_tap = len(features_of(net)) - net.taps
    if first_tap < k < len(features_of(net)):
        raise ModelError(
            f"the embedding pools layers from {first_tap} up, below the {k} frozen ones; "
            f"freeze at most {first_tap} layers, or all of them"
        )
    height, width = config.input_size
    net.eval()  # in training mode the probe would move the frozen batch-norm statistics
    with torch.inference_mode():
        probe = prefix_of(net, k)(
            torch.zeros(1, 3, height, width, dtype=torch.uint8, device=device)
        )
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
        return inputs.eval_loader(examples, preset)

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
    y = {n: label_matrix(getattr(split, n), inputs.genres) for n in ("train", "val", "test")}
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
