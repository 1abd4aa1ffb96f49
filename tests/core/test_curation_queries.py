"""Catalog questions of the curation window: model suggestions, sources, similar posters."""

from __future__ import annotations

import numpy as np
import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.curation import (
    embedding_backbones,
    similar_posters,
)
from poster_tool.core.errors import StoreError
from poster_tool.core.records import TitleIn
from tests.core.test_store import add


@pytest.fixture
def ids(fresh_store: PosterStore) -> list[int]:
    title, _ = fresh_store.upsert_title(TitleIn("t:1", "Okja", 2017, genres=("Adventure",)))
    return [
        add(fresh_store, title, 1, "csv"),
        add(fresh_store, title, 2, "tmdb"),
        add(fresh_store, title, 3, "csv"),
    ]


def test_model_suggestions_are_the_models_positive_genres_in_taxonomy_order(
    fresh_store, ids
) -> None:
    fresh_store.write_model_scores(
        "m1",
        {ids[0]: {"Horror": 0.9, "Drama": 0.7, "War": 0.1}},
        {"Horror": 0.5, "Drama": 0.5, "War": 0.5},
    )
    assert fresh_store.model_suggestions(ids) == {ids[0]: ["Drama", "Horror"]}
    assert fresh_store.model_suggestions([]) == {}


def test_sources_lists_each_source_once(fresh_store, ids) -> None:
    assert fresh_store.sources() == ["csv", "tmdb"]


def write(store: PosterStore, key: str, vectors: dict[int, list[float]]) -> None:
    with store.transaction():
        store._many(
            "INSERT INTO embeddings(poster_id, backbone, vector) VALUES (?, ?, ?)",
            [(i, key, np.asarray(v, np.float32).tobytes()) for i, v in vectors.items()],
        )


def test_similar_posters_rank_by_cosine_similarity(fresh_store, ids) -> None:
    write(fresh_store, "net@1", {ids[0]: [1, 0, 0], ids[1]: [0.1, 1, 0], ids[2]: [2, 0.2, 0]})
    ranked = similar_posters(fresh_store, ids[0])
    assert [pid for pid, _ in ranked] == [ids[0], ids[2], ids[1]]  # scale does not matter
    assert ranked[0][1] == pytest.approx(1.0)
    assert len(similar_posters(fresh_store, ids[0], limit=2)) == 2


def test_the_preferred_embedding_key_comes_first(fresh_store, ids) -> None:
    write(fresh_store, "a@1", {ids[0]: [1, 0]})
    write(fresh_store, "b@2", {ids[0]: [1, 0]})
    assert embedding_backbones(fresh_store, ids[0], prefer="b@2") == ["b@2", "a@1"]


def test_a_poster_without_embedding_is_refused_with_a_reason(fresh_store, ids) -> None:
    with pytest.raises(StoreError, match="no embedding yet"):
        similar_posters(fresh_store, ids[1])
