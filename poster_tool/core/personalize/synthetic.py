"""A synthetic world of viewers and poster pools, for the benchmark and offline evaluation.

No images: just the arrays the policy reads.  Titles get one to three genres, drawn with the
genre frequencies of a typical catalog; each poster leans on one of its title's genres, the
way a model would score it, and about one in ten leans on a genre the title does not have
(the "horror-looking family film" the guardrail exists for).
"""

from __future__ import annotations

import numpy as np

from poster_tool.core.personalize.policy import N_GENRES, Candidates, Tastes
from poster_tool.core.taxonomy import GENRES

# Posters per genre in ../shared/data (README), used as the genre frequencies of titles.
_FREQUENCY = {
    "Drama": 3088,
    "Comedy": 2444,
    "Action": 1142,
    "Romance": 1137,
    "Crime": 999,
    "Thriller": 778,
    "Adventure": 722,
    "Documentary": 561,
    "Horror": 417,
    "Fantasy": 394,
    "Mystery": 384,
    "Biography": 383,
    "Family": 361,
    "Sci-Fi": 324,
    "Music": 249,
    "Animation": 204,
    "Sport": 197,
    "History": 192,
    "War": 118,
    "Musical": 83,
    "Western": 40,
}
OFF_GENRE_SHARE = 0.1


def _genre_prior() -> np.ndarray:
    prior = np.array([_FREQUENCY.get(g, 0) for g in GENRES], np.float64)
    return prior / prior.sum()


def synthetic_candidates(n_titles: int, posters_per_title: int, seed: int = 0) -> Candidates:
    """Titles with pools of ``posters_per_title`` approved posters (slot 0 is the default)."""
    rng = np.random.default_rng(seed)
    t, k = n_titles, posters_per_title
    prior = _genre_prior()
    title_genres = np.zeros((t, N_GENRES), bool)
    lead = np.zeros((t, k), np.int64)
    for i in range(t):
        genres = rng.choice(N_GENRES, size=rng.integers(1, 4), replace=False, p=prior)
        title_genres[i, genres] = True
        lead[i] = rng.choice(genres, size=k)
    off = rng.random((t, k)) < OFF_GENRE_SHARE
    lead = np.where(off, rng.choice(N_GENRES, size=(t, k), p=prior), lead)
    # Model-like scores: the title's genres moderately, the poster's lead genre strongly.
    feel = rng.uniform(0.0, 0.15, (t, k, N_GENRES))
    feel += title_genres[:, None, :] * rng.uniform(0.2, 0.5, (t, k, N_GENRES))
    feel[np.arange(t)[:, None], np.arange(k)[None, :], lead] = rng.uniform(0.6, 0.95, (t, k))
    return Candidates(
        title_ids=np.arange(1, t + 1, dtype=np.int64),
        title_genres=title_genres,
        poster_ids=np.arange(1, t * k + 1, dtype=np.int64).reshape(t, k),
        feel=feel.astype(np.float32),
        feel_source=np.ones((t, k), np.int8),  # "model"
        eligible=np.ones((t, k), bool),
        default_slot=np.zeros(t, np.int64),
        phash=rng.integers(0, 2**63, (t, k), dtype=np.int64).astype(np.uint64),
        default_ids=np.arange(1, t * k + 1, k, dtype=np.int64),
    )


def synthetic_tastes(n_profiles: int, seed: int = 0) -> Tastes:
    """Viewers who mostly watch two to four genres; about half dislike one genre."""
    rng = np.random.default_rng(seed)
    prior = _genre_prior()
    affinity = np.zeros((n_profiles, N_GENRES), np.float32)
    dislikes = np.zeros((n_profiles, N_GENRES), bool)
    for p in range(n_profiles):
        genres = rng.choice(N_GENRES, size=rng.integers(2, 5), replace=False, p=prior)
        affinity[p, genres] = rng.dirichlet(np.ones(len(genres)))
        if rng.random() < 0.5:
            others = np.setdiff1d(np.flatnonzero(prior), genres)
            dislikes[p, rng.choice(others)] = True
    return Tastes(tuple(f"viewer-{p}" for p in range(n_profiles)), affinity, dislikes)
