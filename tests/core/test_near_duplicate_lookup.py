"""Intake's near-duplicate look-up through the perceptual-hash band indexes: it must find
exactly what comparing against every poster would, however the differing bits fall."""

from __future__ import annotations

import random

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.imaging import hamming_many
from poster_tool.core.records import TitleIn


def _add(store: PosterStore, title_id: int, n: int, phash: str) -> int:
    poster_id, _ = store.add_poster(
        title_id=title_id,
        sha256=f"{n:064x}",
        path=f"images/{n}.jpg",
        width=200,
        height=300,
        phash=phash,
        file_format="JPEG",
        file_size=1,
        source="csv",
    )
    return poster_id


def _flip(phash: str, bits: list[int]) -> str:
    value = int(phash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_a_hash_four_bits_away_is_found_even_with_one_bit_in_each_of_four_bands(
    fresh_store: PosterStore,
) -> None:
    title_id, _ = fresh_store.upsert_title(TitleIn(key="csv:1", name="Alien"))
    base = "8f3a5c7e9b1d2f40"
    # Bits 63, 51, 39 and 27 lie in the first four bands (three hex digits each).
    spread = _add(fresh_store, title_id, 1, _flip(base, [63, 51, 39, 27]))
    assert fresh_store.nearest_phash(base, 4) == spread
    closer = _add(fresh_store, title_id, 2, _flip(base, [0, 1]))
    assert fresh_store.nearest_phash(base, 4) == closer
    assert fresh_store.nearest_phash(_flip(base, [0, 1, 2, 3, 4, 5, 6]), 4) is None
    with pytest.raises(ValueError, match="within 4 bits"):
        fresh_store.nearest_phash(base, 5)


def test_band_look_up_agrees_with_comparing_every_poster(fresh_store: PosterStore) -> None:
    rng = random.Random(3)
    title_id, _ = fresh_store.upsert_title(TitleIn(key="csv:1", name="Alien"))
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(200)]
    ids = [_add(fresh_store, title_id, n, h) for n, h in enumerate(hashes)]
    for _ in range(300):
        source = rng.choice(hashes)
        probe = _flip(source, rng.sample(range(64), rng.randint(0, 6)))
        distances = hamming_many(probe, hashes)
        best = min(range(len(ids)), key=lambda i: (distances[i], ids[i]))
        expected = ids[best] if distances[best] <= 4 else None
        assert fresh_store.nearest_phash(probe, 4) == expected
