"""Poster lists found off the GUI thread: near-duplicates and similar posters of one poster.

Each function opens its own store (it runs in a worker) and returns ids, the poster itself
first and the closest next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poster_tool.core import curation
from poster_tool.core.errors import PosterToolError

if TYPE_CHECKING:
    from poster_tool.core.workspace import Workspace


def near_duplicate_ids(workspace: Workspace, poster_id: int) -> list[int]:
    """The poster and those whose perceptual hash is close to its own."""
    with workspace.store() as store:
        return [poster_id, *store.near_duplicates(poster_id)]


def similar_ids(workspace: Workspace, poster_id: int) -> list[int]:
    """The poster and those closest by model embedding (the active model's, if stored).

    :raises StoreError: when the poster has no embedding yet
    """
    with workspace.store() as store:
        prefer = None
        try:
            from poster_tool.core.ml.registry import Registry  # light: no torch import

            info = Registry(workspace, store).active()
            prefer = info.embedding_key if info is not None else None
        except (ImportError, PosterToolError):
            pass  # any stored embedding will do
        keys = curation.embedding_backbones(store, poster_id, prefer)
        found = curation.similar_posters(store, poster_id, backbone=next(iter(keys), None))
        return [pid for pid, _ in found]
