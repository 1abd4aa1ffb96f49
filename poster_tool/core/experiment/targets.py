"""What each policy would have shown on the logged impressions, for the estimators.

The policies are the product's own: the default poster, :func:`policy.choose` (genre match,
one title at a time) and the LinUCB bandit of :mod:`~poster_tool.core.personalize.replay`;
beside them a uniformly random poster and the logged behaviour itself.  LinUCB learns from
the log, so it is *cross-fitted*: trained on one half and replayed on the other, both ways,
and never judged on the impressions it was warm-started on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from poster_tool.core.experiment.estimators import Target
from poster_tool.core.personalize.policy import N_GENRES, choose
from poster_tool.core.personalize.replay import ImpressionLog, bandit_arms, linucb_replay

if TYPE_CHECKING:
    from poster_tool.core.experiment.estimators import Logged
    from poster_tool.core.experiment.reward import RewardModel
    from poster_tool.core.personalize.policy import Candidates, Tastes
    from poster_tool.core.progress import Job

POLICIES = ("logged", "random", "default", "genre-match", "linucb")


def targets(
    tastes: Tastes, cands: Candidates, logged: Logged, reward: RewardModel, seed: int = 0
) -> Job[list[Target]]:
    """One :class:`Target` per name of ``POLICIES``, in that order."""
    profile, title, slot = logged.profile, logged.title, logged.slot

    def shown(name: str, choice: np.ndarray) -> Target:
        prob = (choice == slot).astype(np.float64)
        return Target(name, choice, prob, reward.predict(profile, title, choice))

    pool = (cands.poster_ids >= 0).sum(axis=1)[title]
    draw = (np.random.default_rng(seed).random(len(logged)) * pool).astype(np.int64)
    out = [
        Target(
            "logged",
            slot,
            logged.propensity.astype(np.float64),
            reward.predict(profile, title, slot),
        ),
        Target("random", draw, 1.0 / pool, reward.predict_uniform(profile, title)),
        shown("default", cands.fallback_slot[title]),
        shown("genre-match", choose(tastes, cands, row_length=1).slot[profile, title]),
    ]
    log = ImpressionLog(
        profile, profile, title, slot, logged.played, np.zeros((0, N_GENRES), np.float64)
    )
    arms = bandit_arms(tastes, cands)
    first, second = np.arange(len(logged) // 2), np.arange(len(logged) // 2, len(logged))
    choice = np.full(len(logged), -1, np.int64)
    if first.size:  # a single impression leaves nothing to learn from
        choice[second] = yield from linucb_replay(log, first, second, tastes, cands, arms)
        choice[first] = yield from linucb_replay(log, second, first, tastes, cands, arms)
    out.append(shown("linucb", choice))
    return out
