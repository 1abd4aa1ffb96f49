"""Intake's near-duplicate look-up through the perceptual-hash band indexes: it must find
exactly what comparing against every poster would, however the differing bits fall."""

from __future__ import annotations

import itertools
import random

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.imaging import hamming_many
from poster_tool.core.intake import NEAR_DUPLICATE_BITS
from poster_tool.core.records import TitleIn
from poster_tool.core.schema import PHASH_REACH


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


def test_a_hash_at_the_threshold_is_found_however_its_bits_fall_in_the_bands(
    fresh_store: PosterStore,
) -> None:
    title_id, _ = fresh_store.upsert_title(TitleIn(key="csv:1", name="Alien"))
    base = "8f3a5c7e9b1d2f40"
    # Bits 63-44 are the first band (five hex digits), 43-24 the second, 23-0 the third.
    bands = (range(44, 64), range(24, 44), range(0, 24))
    rng = random.Random(5)
    n = 0
    for bits in range(NEAR_DUPLICATE_BITS, PHASH_REACH + 1):
        # Every spread of the differing bits over the three bands: (4, 0, 0) … (2, 2, 1).
        for spread in itertools.product(range(bits + 1), repeat=3):
            if sum(spread) != bits:
                continue
            flips = [b for band, k in zip(bands, spread, strict=True) for b in rng.sample(band, k)]
            n += 1
            poster = _add(fresh_store, title_id, n, _flip(base, flips))
            assert fresh_store.nearest_phash(base, bits) == poster, spread
            assert fresh_store.nearest_phash(base, bits - 1) is None, spread
            fresh_store._run("DELETE FROM posters WHERE id = ?", [poster])
    closer = _add(fresh_store, title_id, n + 1, _flip(base, [0, 1]))
    _add(fresh_store, title_id, n + 2, _flip(base, [50, 30, 10]))
    assert fresh_store.nearest_phash(base, NEAR_DUPLICATE_BITS) == closer
    assert fresh_store.nearest_phash(_flip(base, [0, 1, 2, 3, 4, 5, 6]), 4) is None
    with pytest.raises(ValueError, match="within 5 bits"):
        fresh_store.nearest_phash(base, 6)


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
        for reach in (NEAR_DUPLICATE_BITS, PHASH_REACH):
            expected = ids[best] if distances[best] <= reach else None
            assert fresh_store.nearest_phash(probe, reach) == expected
