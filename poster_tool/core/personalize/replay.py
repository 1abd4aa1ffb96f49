"""Offline evaluation by replay, as Netflix evaluated artwork personalisation.

1. **Log.** Simulated members see titles (those the product can show at all, see
   :func:`shown_titles`); the poster shown is drawn uniformly at random from the title's
   showable posters, and whether the member plays follows :class:`ViewerModel`.
2. **Split.** The first half of the log trains the bandit; every policy is scored on the
   second half only, so all figures come from the same held-out impressions.
3. **Replay.** A policy's take rate is the share of plays among the held-out impressions
   where its choice equals the logged poster.  Because logging was uniform, those
   impressions are an unbiased sample of what the policy would have met.  Each figure gets
   a 95% Wilson interval over the matched impressions.

Policies: ``random`` (the logging policy itself, so every held-out impression counts),
``default`` (always the title's default), ``genre-match`` (:func:`policy.choose` without
row variety, one title at a time) and ``linucb``: a linear UCB bandit over profile x poster
features ``[a * f, f, 1]`` (affinity times feel per genre, feel, bias), warm-started by
ridge regression on the training half, then run as Li et al.'s replay on the held-out half:
it chooses, and learns only from impressions where its choice matches the log (parameters
refreshed every ``BATCH`` impressions).  It chooses among the same guarded candidates as the
genre-match policy: guardrails are enforced, not learnt.

Since the simulation knows each member's true play probability, every policy also gets its
*true* take rate on the held-out contexts, which the replay estimate should bracket.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from poster_tool.core.errors import PosterToolError
from poster_tool.core.personalize.policy import (
    N_GENRES,
    Candidates,
    Tastes,
    choose,
    qualified,
)
from poster_tool.core.progress import Job, Meter

Z95 = 1.959964
BATCH = 500  # held-out impressions between LinUCB parameter refreshes
ALPHA = 0.3  # LinUCB exploration weight
RIDGE = 1.0


@dataclass(frozen=True)
class ViewerModel:
    """How a simulated member responds to a poster (a quality play, not a click).

    ``P(play) = sigmoid(base + interest_weight * interest + appeal_weight * appeal)``, times
    ``off_genre_factor`` when the poster's dominant feel is not one of the title's genres
    (the member plays, finds another film than promised and stops: no quality play) and times
    ``disliked_factor`` when the poster leads with a genre the member dislikes.
    ``interest`` = true taste . the title's genres (shared equally), ``appeal`` = true taste .
    the poster's feel.  A member's true taste is ``(1 - taste_noise)`` times the profile's
    affinity plus ``taste_noise`` times a random Dirichlet(1) taste, renormalised with
    disliked genres at 0: policies see only the profile, never the true taste.
    """

    base: float = -2.5
    interest_weight: float = 2.0
    appeal_weight: float = 3.0
    off_genre_factor: float = 0.5
    disliked_factor: float = 0.3
    taste_noise: float = 0.3
    members_per_profile: int = 10


@dataclass(frozen=True)
class ImpressionLog:
    """Logged impressions (arrays of equal length); ``slot`` is the poster shown."""

    member: np.ndarray
    profile: np.ndarray
    title: np.ndarray
    slot: np.ndarray
    played: np.ndarray
    truth: np.ndarray = field(repr=False)  # (members, genres) the members' true tastes

    def __len__(self) -> int:
        return len(self.slot)


@dataclass(frozen=True)
class Estimate:
    """A policy's replayed take rate with its 95% interval.

    :param matched: held-out impressions where the policy chose the logged poster
    :param true_take_rate: the simulation's expected take rate of the policy's choices
    """

    policy: str
    take_rate: float
    low: float
    high: float
    matched: int
    plays: int
    true_take_rate: float


@dataclass(frozen=True)
class Evaluation:
    """The outcome of ``evaluate-policies``."""

    estimates: list[Estimate]
    impressions: int
    held_out: int
    seed: int
    profiles: int
    titles: int
    titles_with_choice: int  # titles with two or more showable posters
    posters: int
    model: ViewerModel

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        data = asdict(self)
        data["viewer_model"] = data.pop("model")
        return data


def wilson(plays: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``plays / n`` (``(0, 1)`` when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = plays / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def replay_estimate(
    policy: str,
    chosen: np.ndarray,
    logged: np.ndarray,
    played: np.ndarray,
    true_take_rate: float = float("nan"),
) -> Estimate:
    """The replay metric: take rate over the impressions where ``chosen == logged``."""
    matched = chosen == logged
    n, plays = int(matched.sum()), int(played[matched].sum())
    low, high = wilson(plays, n)
    return Estimate(policy, plays / n if n else float("nan"), low, high, n, plays, true_take_rate)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def play_probability(
    log: ImpressionLog,
    slots: np.ndarray,
    tastes: Tastes,
    cands: Candidates,
    model: ViewerModel,
    rows: np.ndarray | slice = slice(None),
) -> np.ndarray:
    """Each impression's true chance of a quality play had ``slots`` been shown."""
    taste = log.truth[log.member[rows]]
    title = log.title[rows]
    genres = cands.title_genres[title].astype(np.float64)
    interest = (taste * genres).sum(axis=1) / np.maximum(genres.sum(axis=1), 1)
    feel = cands.feel[title, slots]
    appeal = (taste * feel).sum(axis=1)
    p = _sigmoid(model.base + model.interest_weight * interest + model.appeal_weight * appeal)
    off = ~cands.fits[title, slots]
    disliked = (cands.dominant[title, slots] & tastes.dislikes[log.profile[rows]]).any(axis=1)
    return (
        p
        * np.where(off, model.off_genre_factor, 1.0)
        * np.where(disliked, model.disliked_factor, 1.0)
    )


def shown_titles(cands: Candidates) -> np.ndarray:
    """Indexes of the titles every policy can show a poster for (the simulated catalog).

    A title without a usable default and without an approved poster that fits its genres
    shows nothing under any guarded policy, so it gets no impressions.
    """
    return np.flatnonzero(cands.fallback_slot >= 0)


def simulate_log(
    tastes: Tastes,
    cands: Candidates,
    impressions: int,
    seed: int = 0,
    model: ViewerModel = ViewerModel(),
) -> ImpressionLog:
    """Impressions with a uniformly random poster each, and plays drawn from ``model``.

    :raises PosterToolError: when no title has a showable poster or there is no profile
    """
    rng = np.random.default_rng(seed)
    n_slots = (cands.poster_ids >= 0).sum(axis=1)
    titles = shown_titles(cands)
    n_profiles = len(tastes.names)
    if titles.size == 0 or n_profiles == 0:
        raise PosterToolError(
            "nothing to evaluate: it needs profiles and titles with "
            "approved posters (or use --synthetic)"
        )
    profile_of = np.repeat(np.arange(n_profiles), model.members_per_profile)
    noise = rng.dirichlet(np.ones(N_GENRES), size=profile_of.size)
    truth = (1 - model.taste_noise) * tastes.affinity[profile_of] + model.taste_noise * noise
    truth = np.where(tastes.dislikes[profile_of], 0.0, truth)
    truth /= truth.sum(axis=1, keepdims=True)
    member = rng.integers(profile_of.size, size=impressions)
    title = rng.choice(titles, size=impressions)
    slot = (rng.random(impressions) * n_slots[title]).astype(np.int64)
    log = ImpressionLog(member, profile_of[member], title, slot, np.zeros(impressions, bool), truth)
    chance = play_probability(log, slot, tastes, cands, model)
    return ImpressionLog(member, log.profile, title, slot, rng.random(impressions) < chance, truth)


def features(affinity: np.ndarray, feel: np.ndarray) -> np.ndarray:
    """LinUCB features ``[a * f, f, 1]`` for (..., genres) affinity and (..., genres) feel."""
    a, f = np.broadcast_arrays(affinity, feel)
    return np.concatenate([a * f, f, np.ones((*f.shape[:-1], 1), f.dtype)], axis=-1)


def bandit_arms(tastes: Tastes, cands: Candidates) -> np.ndarray:
    """(profiles, titles, slots) bool: the slots LinUCB may choose for each viewer.

    The guarded candidates, else the fallback the genre-match policy would show.
    """
    ok = qualified(tastes, cands)
    fallback = np.arange(cands.shape[1]) == cands.fallback_slot[:, None]
    return ok | (~ok.any(axis=2, keepdims=True) & fallback[None])


def linucb_replay(
    log: ImpressionLog,
    train: np.ndarray,
    test: np.ndarray,
    tastes: Tastes,
    cands: Candidates,
    arms: np.ndarray,
) -> Job[np.ndarray]:
    """Warm-start LinUCB on ``train``, then replay it on ``test``; return its choices there.

    :param arms: (profiles, titles, slots) bool, the slots the bandit may choose
    """
    meter = Meter("linucb", len(test))
    x = features(
        tastes.affinity[log.profile[train]], cands.feel[log.title[train], log.slot[train]]
    ).astype(np.float64)
    a_mat = RIDGE * np.eye(x.shape[1]) + x.T @ x
    b_vec = x.T @ log.played[train].astype(np.float64)
    chosen = np.empty(len(test), np.int64)
    for lo in range(0, len(test), BATCH):
        rows = test[lo : lo + BATCH]
        a_inv = np.linalg.inv(a_mat)
        theta = a_inv @ b_vec
        phi = features(
            tastes.affinity[log.profile[rows]][:, None, :], cands.feel[log.title[rows]]
        ).astype(np.float64)  # (batch, slots, d)
        width = np.sqrt(np.einsum("bkd,bkd->bk", phi @ a_inv, phi))  # 20x the 3-operand einsum
        ucb = np.where(
            arms[log.profile[rows], log.title[rows]], phi @ theta + ALPHA * width, -np.inf
        )
        pick = ucb.argmax(axis=1)
        chosen[lo : lo + len(rows)] = pick
        hit = pick == log.slot[rows]
        seen = phi[np.flatnonzero(hit), pick[hit]]
        a_mat += seen.T @ seen
        b_vec += seen.T @ log.played[rows][hit].astype(np.float64)
        meter.done = min(len(test), lo + BATCH)
        yield meter.report()
    return chosen


def evaluate_policies(
    tastes: Tastes,
    cands: Candidates,
    impressions: int = 200_000,
    seed: int = 0,
    model: ViewerModel = ViewerModel(),
) -> Job[Evaluation]:
    """Simulate a uniformly random log and replay each policy on its held-out half."""
    meter = Meter("simulate")
    yield meter.report(f"{impressions} impressions")
    log = simulate_log(tastes, cands, impressions, seed, model)
    train, test = np.arange(len(log) // 2), np.arange(len(log) // 2, len(log))
    arms = bandit_arms(tastes, cands)
    genre_match = choose(tastes, cands, row_length=1).slot
    profile, title = log.profile[test], log.title[test]
    policies = {
        "random": log.slot[test],
        "default": cands.fallback_slot[title],
        "genre-match": genre_match[profile, title],
    }
    policies["linucb"] = yield from linucb_replay(log, train, test, tastes, cands, arms)
    estimates = []
    for name, chosen in policies.items():
        truth = play_probability(log, chosen, tastes, cands, model, test).mean()
        estimates.append(
            replay_estimate(name, chosen, log.slot[test], log.played[test], float(truth))
        )
    pools = (cands.poster_ids[shown_titles(cands)] >= 0).sum(axis=1)
    return Evaluation(
        estimates=estimates,
        impressions=len(log),
        held_out=len(test),
        seed=seed,
        profiles=len(tastes.names),
        titles=len(pools),
        titles_with_choice=int((pools > 1).sum()),
        posters=int(pools.sum()),
        model=model,
    )
