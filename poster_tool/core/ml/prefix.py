"""Fine-tuning the top of a network whose lower layers stay frozen, at CPU-friendly speed.

On a laptop CPU a full EfficientNet-Lite0 pass costs about 25 ms per poster, 90 % of it in
the high-resolution lower layers that ImageNet already taught well.  A full run therefore
freezes ``trunk.features[:k]``, computes their output once per poster (for the training
split, once per augmented *view*, so augmentation survives), keeps those feature maps in
memory as float16, and trains only the layers above on them: 10–20 times faster per epoch
than running the whole network, with the same result as freezing those layers in place.
With every layer frozen, what is computed once is the embedding itself, and the epochs
train the head alone (seconds each).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from poster_tool.core.ml.data import batches
from poster_tool.core.ml.lite import EfficientNetLite
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

    from poster_tool.core.ml.network import GenreNet


def features_of(net: GenreNet) -> nn.Sequential:
    """The trunk's sequence of feature layers, whose pooled output is the embedding (as in
    :class:`~poster_tool.core.ml.lite.EfficientNetLite`)."""
    features = getattr(net.trunk, "features", None)
    if not isinstance(features, nn.Sequential):
        raise TypeError(f"{net.backbone_name} has no sequence of feature layers")
    return features


class TopNet(nn.Module):
    """The trainable top of a :class:`GenreNet`: ``features[k:]``, pooling and the head.

    It shares its modules with ``net``, so training it trains ``net``.  Until
    :meth:`unfreeze`, only the head learns (the layers above the cut keep their ImageNet
    weights and batch-norm statistics).  With ``k`` at the number of feature layers, its
    input is the embedding and only the head ever learns.
    """

    def __init__(self, net: GenreNet, k: int) -> None:
        super().__init__()
        self.net = net
        self.k = k
        self.whole = k >= len(features_of(net))
        self.blocks = features_of(net)[k:]
        self.head_only = True
        self.blocks.requires_grad_(False)

    def unfreeze(self) -> None:
        """Let the layers above the cut learn too."""
        self.head_only = False
        self.blocks.requires_grad_(True)
        self.train(self.training)

    def train(self, mode: bool = True) -> TopNet:
        super().train(mode)
        if self.head_only:
            self.blocks.eval()  # frozen layers keep their batch-norm statistics
        return self

    @property
    def head(self) -> nn.Module:
        return self.net.head

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        """The poster embedding from the cut's feature maps (or the embedding itself)."""
        if self.whole:
            return feats.float()
        return embed_from(self.net, feats.float(), self.k)

    def probabilities(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.net.probabilities(embedding)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.net.head(self.embed(feats))


def embed_from(net: GenreNet, x: torch.Tensor, k: int) -> torch.Tensor:
    """The embedding of feature layer ``k``'s input: an EfficientNet-Lite pools the layers
    it taps; other trunks pool their last."""
    trunk = net.trunk
    if isinstance(trunk, EfficientNetLite):
        return trunk.embed_from(x, k)
    pooled = nn.functional.adaptive_avg_pool2d(features_of(net)[k:](x), 1)
    return torch.flatten(pooled, 1)


def prefix_of(net: GenreNet, k: int) -> nn.Module:
    """The frozen part: normalisation and ``features[:k]``, for uint8 posters; with every
    layer frozen, the whole trunk (its output is the embedding)."""

    lower = net.trunk if k >= len(features_of(net)) else features_of(net)[:k]

    class Prefix(nn.Module):
        def forward(self, images: torch.Tensor) -> torch.Tensor:
            return lower((images.float() - net.shift) / net.scale)

    return Prefix()


def compute_views(
    net: GenreNet, k: int, loader: DataLoader, device: torch.device, label: str
) -> Generator[Progress, None, torch.Tensor]:
    """The frozen part's output for every poster of a loader, float16 on the CPU."""
    prefix = prefix_of(net, k).eval()
    net.eval()
    chunks: list[torch.Tensor] = []
    assert hasattr(loader.dataset, "__len__")
    meter = Meter("features", total=len(loader.dataset))
    for images, _ in batches(loader):
        with torch.inference_mode():
            x = images.to(device, non_blocking=True)
            if device.type in ("cpu", "cuda"):  # depthwise convolutions run faster so
                x = x.contiguous(memory_format=torch.channels_last)
            chunks.append(prefix(x).to("cpu", torch.float16).contiguous())
        meter.done += len(images)
        yield meter.report(label)
    return torch.cat(chunks)


class FeatureViews(Dataset):
    """Cached feature maps with their truths; each epoch reads one of the augmented views.

    :param views: ``(N, C, H, W)`` float16 tensors, one per view, same posters in the same
        order
    """

    def __init__(self, views: Sequence[torch.Tensor], labels: np.ndarray) -> None:
        self.views = list(views)
        self.labels = torch.from_numpy(labels)
        self.view = 0

    def set_epoch(self, epoch: int) -> None:
        """Read the view of this epoch (views take turns)."""
        self.view = epoch % len(self.views)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.views[self.view][index], self.labels[index]


@dataclass
class FrozenFeatures:
    """The frozen layers' output: training views, validation and test (one view each)."""

    train: FeatureViews
    val: FeatureViews
    test: FeatureViews

    def loader(self, name: str, batch_size: int) -> DataLoader:
        """An in-order loader over validation or test features."""
        from poster_tool.core.ml.data import make_loader

        return make_loader(getattr(self, name), batch_size)


def views_that_fit(
    n_train: int, n_eval: int, per_poster_bytes: int, budget: int, wanted: int
) -> int:
    """How many training views fit the memory budget beside the evaluation features
    (0: not even one; the run then trains the whole network with the prefix frozen)."""
    free = budget - n_eval * per_poster_bytes
    return max(0, min(wanted, free // max(1, n_train * per_poster_bytes)))
