"""Preset classes that turn a decoded poster into the network's input (torchvision style).

Posters are portrait, so the input is ``(height, width)`` near the poster's 3:2 shape
rather than a square: nothing is cropped away at evaluation and little is squashed.
Training augmentations keep a poster's *feel*: mild crops and a left-right flip, light
brightness and contrast changes, but no vertical flips and no hue or saturation shifts,
because colour carries genre (red horror, pastel romance).

The presets stop at a ``uint8`` tensor: normalisation happens inside the network
(:class:`~poster_tool.core.ml.network.GenreNet`), batched on the training device, so
DataLoader workers do less and pass a quarter of the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def decode_side(input_size: Sequence[int]) -> int:
    """The long side to decode a poster at: a little above the input, for the crops."""
    return int(max(input_size) * 1.15)


class _Preset:
    """Decoded poster in (PIL, or a ``(3, H, W)`` uint8 tensor), ``(3, height, width)`` uint8
    tensor out."""

    def __init__(self, steps: list) -> None:
        self.transforms = v2.Compose([v2.ToImage(), *steps])

    def __call__(self, img: Image.Image | torch.Tensor) -> torch.Tensor:
        # Contiguous: a PIL picture comes in channels-last, which makes batching and the
        # network's convolutions several times slower on a CPU.
        return self.transforms(img).as_subclass(torch.Tensor).contiguous()


class EvalPreset(_Preset):
    """Resize the whole poster to the input size."""

    def __init__(self, input_size: Sequence[int]) -> None:
        super().__init__([v2.Resize(tuple(input_size), antialias=True)])


class TrainPreset(_Preset):
    """A mild random crop near the poster's aspect, a left-right flip, light tone changes."""

    def __init__(self, input_size: Sequence[int]) -> None:
        height, width = input_size
        aspect = width / height
        super().__init__(
            [
                v2.RandomResizedCrop(
                    (height, width),
                    scale=(0.7, 1.0),
                    ratio=(aspect * 0.9, aspect * 1.1),
                    antialias=True,
                ),
                v2.RandomHorizontalFlip(),
                v2.ColorJitter(brightness=0.1, contrast=0.1),
            ]
        )
