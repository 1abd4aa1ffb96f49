"""Per-poster vectors in the ``embeddings`` table, keyed by what produced them.

The key names the trunk weights (``mobilenet_v3_small@<version>``), so a quick retrain
on the same trunk reuses them, and the colour features of the histogram baseline are
cached the same way under :data:`COLOUR_KEY`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

COLOUR_KEY = "colour-histogram-v1"


def write(store: PosterStore, key: str, ids: Sequence[int], vectors: np.ndarray) -> None:
    """Store one float32 vector per poster (replacing an older one)."""
    store.write_embeddings(
        key,
        [(int(i), np.asarray(v, np.float32).tobytes()) for i, v in zip(ids, vectors, strict=True)],
    )


def read(store: PosterStore, key: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The stored vectors of these posters (those without one are absent)."""
    if not ids:
        return {}
    return {i: np.frombuffer(v, np.float32) for i, v in store.embeddings(key, ids).items()}
