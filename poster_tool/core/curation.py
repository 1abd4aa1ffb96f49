"""Catalog questions the curation window asks beyond :class:`PosterStore`'s own API.

Similar posters by embedding (cosine similarity over the stored vectors, with numpy), and
titles left without a showable default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from poster_tool.core.errors import StoreError

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore


def embedding_backbones(store: PosterStore, poster_id: int, prefer: str | None = None) -> list[str]:
    """The embedding keys that hold a vector of this poster, ``prefer`` first.

    :param prefer: usually the active model's ``embedding_key``
    """
    return sorted(store.embedding_keys(poster_id), key=lambda b: b != prefer)


def similar_posters(
    store: PosterStore, poster_id: int, limit: int = 200, backbone: str | None = None
) -> list[tuple[int, float]]:
    """Posters closest to ``poster_id`` by cosine similarity of their embeddings.

    :param backbone: the embedding key to compare by (default: the poster's first)
    :returns: ``(poster id, similarity)`` pairs, most similar first, the poster itself first
    :raises StoreError: when the poster has no embedding yet
    """
    backbone = backbone or next(iter(embedding_backbones(store, poster_id)), None)
    if backbone is None:
        raise StoreError(
            f"poster {poster_id} has no embedding yet; train or run a model to score posters"
        )
    rows = store.embeddings(backbone)
    ids = np.fromiter(rows, dtype=np.int64, count=len(rows))
    vectors = np.stack([np.frombuffer(v, dtype=np.float32) for v in rows.values()])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    target = vectors[int(np.flatnonzero(ids == poster_id)[0])]
    similarity = vectors @ target
    order = np.argsort(-similarity, kind="stable")[:limit]
    return [(int(ids[i]), float(similarity[i])) for i in order]


def sensitive_defaults(store: PosterStore, ids: Sequence[int]) -> list[str]:
    """Titles among ``ids`` whose default poster is sensitive: picks never show it, so such
    a title appears only through its other approved posters, or not at all."""
    return sorted({p.title_name for p in store.posters(ids) if p.is_default and p.sensitive})


def titles_line(names: Sequence[str], most: int = 3) -> str:
    """“A”, “B”, “C” … for a one-line message."""
    return ", ".join(f"“{n}”" for n in names[:most]) + (" …" if len(names) > most else "")
