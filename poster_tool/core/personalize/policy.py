"""The guarded genre-match policy as array maths over profiles x titles x poster slots.

Everything here is numpy on plain arrays, so the product (a few profiles, one row of titles)
and the benchmark (10,000 profiles x 1,000 titles) run the same code.

A poster's *feel* is a score per genre in [0, 1]: the curator's labels when the poster has
been curated (1.0 each), else the model's scores, else the source's labels at
``SOURCE_FEEL`` each: those are the title's genres, not a judgement of this poster's look,
so a poster nobody has judged never outranks one a curator or the model has.  Its
*dominant* feels are the genres at its maximum.  For a viewer with affinity ``a`` (summing to
1) the match score of a poster with feel ``f`` is ``a . f`` counted over the title's official
genres only; its *selling point* is the genre that contributes most, ``argmax a * f`` (so the
selling point is always one of the title's genres).

Guardrails, each absolute:

* only approved, not sensitive posters are personalised picks (the loader leaves rejected and
  sensitive posters out altogether; the title's default may be pending);
* every dominant feel must be one of the title's official genres (never sell a horror film
  as a family film);
* no dominant feel may be a genre the viewer dislikes (and a disliked genre has affinity 0,
  so it can never be the selling point);
* the default poster is shown when no poster qualifies, when the viewer has no taste yet, or
  when the best match scores under ``MIN_SCORE`` (weak evidence); a title without a usable
  default shows its first approved poster that fits its genres instead, the same for every
  viewer (nothing, when there is none);
* across a row, each earlier pick with the same dominant feel multiplies a candidate's
  ranking weight by ``REPEAT_DECAY``, and a near-identical look (perceptual hash within
  ``NEAR_LOOK_BITS``) of an earlier pick by ``NEAR_LOOK_FACTOR``: variety re-ranks posters
  that qualify, it never makes an unqualified one qualify.

Ties go to the earlier slot, and slots hold the default first, then posters by id, so the
policy is deterministic and prefers the default when posters are equally good.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poster_tool.core.taxonomy import GENRES

N_GENRES = len(GENRES)
MIN_SCORE = 0.15  # below this match score the evidence is weak: show the default
SOURCE_FEEL = 0.5  # feel of an official genre on a poster no curator or model has judged
REPEAT_DECAY = 0.85
NEAR_LOOK_FACTOR = 0.5
NEAR_LOOK_BITS = 10  # of 64 phash bits
ROW_LENGTH = 20  # titles per home-screen row, the span over which picks are varied
FEEL_SOURCES = ("curator", "model", "source")

# Why a pick is what it is (``Choices.reason``).
PERSONAL, NO_TASTE, NO_FIT, WEAK = 0, 1, 2, 3

_CELLS_PER_CHUNK = 4_000_000  # profiles x slots scored at once: ~16 MB of float32 per array


@dataclass
class Tastes:
    """Viewers as arrays.

    :param affinity: (profiles, genres) float32, rows sum to 1 (all 0: no taste yet)
    :param dislikes: (profiles, genres) bool
    """

    names: tuple[str, ...]
    affinity: np.ndarray
    dislikes: np.ndarray

    @classmethod
    def from_maps(
        cls, names: list[str], affinities: list[dict[str, float]], dislikes: list[tuple[str, ...]]
    ) -> Tastes:
        """Build from per-profile ``genre -> weight`` maps and disliked genre names."""
        index = {g: i for i, g in enumerate(GENRES)}
        a = np.zeros((len(names), N_GENRES), np.float32)
        d = np.zeros((len(names), N_GENRES), bool)
        for p, (aff, dis) in enumerate(zip(affinities, dislikes, strict=True)):
            for genre, weight in aff.items():
                a[p, index[genre]] = weight
            for genre in dis:
                d[p, index[genre]] = True
        return cls(tuple(names), a, d)


@dataclass
class Candidates:
    """The posters that may be shown for a list of titles, padded to (titles, slots).

    Slot order within a title: the usable default first, then posters by id; empty slots
    have poster id -1.

    :param title_genres: (titles, genres) bool, the official genres
    :param feel: (titles, slots, genres) float32
    :param feel_source: (titles, slots) int8 index into ``FEEL_SOURCES``, -1 when empty
    :param eligible: (titles, slots) bool, approved and not sensitive
    :param default_slot: (titles,) the slot of the usable default poster, or -1
    :param phash: (titles, slots) uint64 perceptual hashes
    :param default_ids: (titles,) the title's default poster id as set, or -1
    """

    title_ids: np.ndarray
    title_genres: np.ndarray
    poster_ids: np.ndarray
    feel: np.ndarray
    feel_source: np.ndarray
    eligible: np.ndarray
    default_slot: np.ndarray
    phash: np.ndarray
    default_ids: np.ndarray
    dominant: np.ndarray = field(init=False)
    dominant_index: np.ndarray = field(init=False)
    fits: np.ndarray = field(init=False)
    fallback_slot: np.ndarray = field(init=False)
    selling_feel: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        # What may sell a poster: its feel on the title's own genres only, so a documentary
        # poster with a trace of horror is never sold to a horror fan as horror.
        self.selling_feel = self.feel * self.title_genres[:, None, :]
        top = self.feel.max(axis=2, initial=0.0)
        # (titles, slots, genres): the genres at the poster's maximum feel
        self.dominant = (self.feel >= top[..., None] - 1e-6) & (top[..., None] > 0)
        # The first dominant genre, or N_GENRES for "no feel" (a spare column in counters).
        self.dominant_index = np.where(top > 0, self.feel.argmax(axis=2), N_GENRES)
        outside = (self.dominant & ~self.title_genres[:, None, :]).any(axis=2)
        self.fits = (top > 0) & ~outside
        # The same for every viewer: the usable default, else the first approved poster
        # whose look fits the title, else nothing.
        neutral = self.eligible & self.fits
        first = np.full(self.default_slot.shape, -1)
        if neutral.size:  # argmax refuses titles without slots
            first = np.where(neutral.any(axis=1), neutral.argmax(axis=1), -1)
        self.fallback_slot = np.where(self.default_slot >= 0, self.default_slot, first)

    @property
    def shape(self) -> tuple[int, int]:
        """(titles, slots)."""
        return self.poster_ids.shape  # type: ignore[return-value]


@dataclass
class Choices:
    """What the policy shows each profile for each title (all arrays (profiles, titles)).

    :param slot: the shown slot, -1 when the title has nothing showable
    :param score: match score ``a . f`` of the shown poster
    :param reason: ``PERSONAL``, ``NO_TASTE``, ``NO_FIT`` or ``WEAK``
    :param varied: row variety changed the pick from the plain best match
    """

    slot: np.ndarray
    score: np.ndarray
    reason: np.ndarray
    varied: np.ndarray

    @property
    def fallback(self) -> np.ndarray:
        """True where the fallback (default, else first fitting approved poster) is shown."""
        return self.reason != PERSONAL


def qualified(tastes: Tastes, cands: Candidates, rows: slice = slice(None)) -> np.ndarray:
    """(profiles, titles, slots) bool: posters that pass every guardrail for each viewer."""
    t, k = cands.shape
    dislike_lead = (
        tastes.dislikes[rows].astype(np.float32)
        @ cands.dominant.reshape(t * k, N_GENRES).T.astype(np.float32)
    ) > 0
    return (cands.eligible & cands.fits)[None] & ~dislike_lead.reshape(dislike_lead.shape[0], t, k)


def _near_pairs(cands: Candidates, row_length: int) -> dict[int, list[tuple[int, ...]]]:
    """Near-identical looks within each row: position -> [(title, slot, earlier title, slot)]."""
    t, k = cands.shape
    pairs: dict[int, list[tuple[int, ...]]] = {}
    if row_length < 2:
        return pairs
    for start in range(0, t, row_length):
        hashes = cands.phash[start : start + row_length].reshape(-1)
        present = cands.poster_ids[start : start + row_length].reshape(-1) >= 0
        xor = hashes[:, None] ^ hashes[None, :]
        bits = np.unpackbits(xor.view(np.uint8).reshape(len(hashes), len(hashes), 8), axis=2)
        near = (bits.sum(axis=2) <= NEAR_LOOK_BITS) & present[:, None] & present[None, :]
        # Only a later title against an earlier one: same-title pairs are alternatives.
        pos = np.arange(len(hashes)) // k
        for a, b in zip(*np.nonzero(near & (pos[:, None] > pos[None, :])), strict=True):
            pairs.setdefault(int(pos[a]), []).append(
                (start + int(pos[a]), int(a % k), start + int(pos[b]), int(b % k))
            )
    return pairs


def choose(tastes: Tastes, cands: Candidates, row_length: int = ROW_LENGTH) -> Choices:
    """The poster each profile is shown for each title.

    :param row_length: titles form consecutive rows of this many; variety applies within a
        row (1 turns it off)
    """
    n_profiles = len(tastes.names)
    t, k = cands.shape
    shape = (n_profiles, t)
    out = Choices(
        np.full(shape, -1, np.int64),
        np.zeros(shape, np.float32),
        np.full(shape, NO_FIT, np.int8),
        np.zeros(shape, bool),
    )
    if n_profiles == 0 or t == 0 or k == 0:
        return out
    row_length = max(1, min(row_length, t))
    n_rows = -(-t // row_length)
    flat_feel = cands.selling_feel.reshape(t * k, N_GENRES)
    near = _near_pairs(cands, row_length)
    decay = REPEAT_DECAY ** np.arange(row_length + 1, dtype=np.float32)
    # A spare last column, so that slot -1 (nothing shown) counts as "no feel".
    dominant = np.concatenate([cands.dominant_index, np.full((t, 1), N_GENRES)], axis=1)
    chunk = max(1, _CELLS_PER_CHUNK // (t * k))
    for lo in range(0, n_profiles, chunk):
        rows = slice(lo, min(lo + chunk, n_profiles))
        a = tastes.affinity[rows]
        p = a.shape[0]
        ok = qualified(tastes, cands, rows)
        raw = (a @ flat_feel.T).reshape(p, t, k)
        # Unqualified posters score -1, below any real score and below MIN_SCORE.
        score = np.where(ok, raw, np.float32(-1))
        has_taste = (a.sum(axis=1) > 0)[:, None]
        slot = out.slot[rows]
        best = np.empty((p, t), np.int64)
        # Same-feel counts per (profile, row, genre); the spare last column counts "no feel".
        seen = np.zeros((p, n_rows, N_GENRES + 1), np.int32)
        prow = np.arange(p)[:, None]
        for pos in range(row_length):
            titles = np.arange(pos, t, row_length)
            in_row = np.arange(titles.size)
            weight = score[:, titles] * decay[seen[:, in_row[:, None], dominant[titles, :k]]]
            for title, poster, earlier, earlier_poster in near.get(pos, ()):
                shown_before = slot[:, earlier] == earlier_poster
                weight[:, title // row_length, poster] *= np.where(
                    shown_before, NEAR_LOOK_FACTOR, 1.0
                )
            pick = weight.argmax(axis=2)
            pick_score = np.take_along_axis(score[:, titles], pick[..., None], axis=2)[..., 0]
            shown = np.where(
                (pick_score >= MIN_SCORE) & has_taste, pick, cands.fallback_slot[titles]
            )
            best[:, titles] = pick
            slot[:, titles] = shown
            seen[prow, in_row[None, :], dominant[titles[None, :], shown]] += 1
        plain = score.argmax(axis=2)
        best_score = np.take_along_axis(score, best[..., None], axis=2)[..., 0]
        personal = (best_score >= MIN_SCORE) & has_taste
        out.reason[rows] = np.where(
            personal,
            PERSONAL,
            np.where(~has_taste, NO_TASTE, np.where(ok.any(axis=2), WEAK, NO_FIT)),
        )
        out.varied[rows] = personal & (best != plain)
        shown_score = np.take_along_axis(raw, np.maximum(slot, 0)[..., None], axis=2)[..., 0]
        out.score[rows] = np.where(slot >= 0, shown_score, 0.0)
    return out
