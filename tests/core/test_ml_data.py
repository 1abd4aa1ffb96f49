"""Training data from the catalog: truths, exclusions and a leak-free title-level split."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.core.ml.data import (
    DecodedPosters,
    PosterDataset,
    decode,
    label_matrix,
    load_examples,
    model_genres,
    split_by_title,
)
from poster_tool.core.ml.transforms import EvalPreset, TrainPreset
from poster_tool.core.progress import run_job
from poster_tool.core.records import TitleIn
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes


def distinct_jpeg(seed: int) -> bytes:
    """A random block picture: unlike look-alike fills, no two are near duplicates."""
    blocks = np.random.default_rng(seed).integers(0, 256, size=(12, 8, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(blocks).resize((160, 240), Image.Resampling.NEAREST).save(out, "JPEG")
    return out.getvalue()


GENRE_CYCLE = (("Drama",), ("Comedy",), ("Drama", "Romance"), ("Horror",), ("Action", "Comedy"))


def build_catalog(workspace: Workspace, store: PosterStore, titles: int = 40) -> list[int]:
    """Titles with 1–3 synthetic posters each; every 8th title is also a Western."""
    intake = Intake(workspace, store)
    ids = []
    for t in range(titles):
        genres = GENRE_CYCLE[t % len(GENRE_CYCLE)] + (("Western",) if t % 8 == 0 else ())
        title_id, _ = store.upsert_title(TitleIn(f"test:{t}", f"Film {t}", 2000, genres=genres))
        for k in range(1 + t % 3):
            image = check_bytes(distinct_jpeg(t * 7 + k))
            ids.append(intake.ingest(image, title_id=title_id, source="test").poster_id)
    return ids


def test_truth_is_curator_labels_else_source_and_rejected_posters_are_left_out(
    workspace: Workspace, store: PosterStore
) -> None:
    ids = build_catalog(workspace, store, titles=6)
    store.set_genres({ids[0]: ["Musical"]}, "ana")
    store.set_status({ids[1]: "rejected"}, "ana")
    examples = {e.poster_id: e for e in load_examples(workspace, store)}
    assert examples[ids[0]].genres == ("Musical",) and examples[ids[0]].curated
    assert ids[1] not in examples
    assert examples[ids[2]].genres == store.get_poster(ids[2]).genres
    assert not examples[ids[2]].curated


def test_split_never_puts_one_title_or_one_image_in_two_splits(
    workspace: Workspace, store: PosterStore
) -> None:
    build_catalog(workspace, store, titles=40)
    # The same picture filed under two titles is one group: it must not straddle splits.
    twin_a, _ = store.upsert_title(TitleIn("test:twin-a", "Twin A", 2001, genres=("Drama",)))
    twin_b, _ = store.upsert_title(TitleIn("test:twin-b", "Twin B", 2002, genres=("Comedy",)))
    shared = check_bytes(jpeg_bytes((10, 220, 10), pattern=999))
    intake = Intake(workspace, store)
    intake.ingest(shared, title_id=twin_a, source="test")
    intake.ingest(shared, title_id=twin_b, source="test")
    examples = load_examples(workspace, store)
    genres = model_genres(examples, min_positives=1)
    split = split_by_title(examples, genres, seed=3)
    titles = [{e.title_id for e in part} for part in (split.train, split.val, split.test)]
    assert not (titles[0] & titles[1] or titles[0] & titles[2] or titles[1] & titles[2])
    assert sum(len(p) for p in (split.train, split.val, split.test)) == len(examples)
    assert any({twin_a, twin_b} <= part for part in titles)
    # Stratified: the rare genre (5 titles) reaches every split; sizes follow 70/15/15.
    for part in (split.train, split.val, split.test):
        assert any("Western" in e.genres for e in part)
    assert len(split.train) > 2 * len(split.val)
    # Seeded: the same seed gives the same split, another seed another one.
    assert split_by_title(examples, genres, seed=3).snapshot() == split.snapshot()
    assert split_by_title(examples, genres, seed=4).snapshot() != split.snapshot()


def test_fixed_titles_keep_their_split(workspace: Workspace, store: PosterStore) -> None:
    build_catalog(workspace, store, titles=30)
    examples = load_examples(workspace, store)
    genres = model_genres(examples, min_positives=1)
    first = split_by_title(examples, genres, seed=0).snapshot()
    again = split_by_title(
        examples, genres, seed=99, fixed={k: n for n, keys in first.items() for k in keys}
    ).snapshot()
    assert again == first


def test_dataset_decodes_to_the_model_input_size(workspace: Workspace, store: PosterStore) -> None:
    build_catalog(workspace, store, titles=3)
    examples = load_examples(workspace, store)
    genres = model_genres(examples, min_positives=1)
    y = label_matrix(examples, genres)
    assert y.shape == (len(examples), len(genres)) and set(np.unique(y)) <= {0.0, 1.0}
    for preset in (TrainPreset((96, 64)), EvalPreset((96, 64))):
        image, target = PosterDataset([e.path for e in examples], y, preset, 110)[0]
        assert image.shape == (3, 96, 64) and image.dtype == torch.uint8
        assert torch.equal(target, torch.from_numpy(y[0]))


def test_decode_cache_holds_the_same_pixels_and_respects_its_budget(
    workspace: Workspace, store: PosterStore
) -> None:
    build_catalog(workspace, store, titles=4)
    paths = [e.path for e in load_examples(workspace, store)]
    cache = run_job(DecodedPosters.build(paths, 110, budget_bytes=2**24))
    assert cache is not None
    pixels = cache.get(str(paths[0]))
    expected = np.asarray(decode(paths[0], 110)).transpose(2, 0, 1)
    assert pixels is not None and np.array_equal(pixels.numpy(), expected)
    cached = PosterDataset(paths, None, EvalPreset((96, 64)), 110, cache)[0][0]
    from_file = PosterDataset(paths, None, EvalPreset((96, 64)), 110)[0][0]
    assert torch.equal(cached, from_file)  # ToImage makes both tensors before any resize
    assert run_job(DecodedPosters.build(paths, 110, budget_bytes=1000)) is None
