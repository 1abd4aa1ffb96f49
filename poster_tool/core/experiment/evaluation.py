"""Every policy estimated on a log, overall and per segment; and the simulated self-check.

:func:`evaluate_log` is what ``experiment estimate`` and the Experiments panel show.
:func:`self_check` runs the same estimators on a simulated uniformly random log whose true
take rates are known, so ``evaluate-policies`` can say whether the intervals hold them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from poster_tool.core.experiment.estimators import Logged, PolicyEstimate, estimate
from poster_tool.core.experiment.reward import RewardModel
from poster_tool.core.experiment.targets import targets
from poster_tool.core.personalize.replay import (
    ImpressionLog,
    ViewerModel,
    play_probability,
    simulate_log,
)
from poster_tool.core.progress import Meter
from poster_tool.core.taxonomy import GENRES

if TYPE_CHECKING:
    from poster_tool.core.experiment.estimators import Target
    from poster_tool.core.personalize.policy import Candidates, Tastes
    from poster_tool.core.progress import Job


def segments(tastes: Tastes, cands: Candidates, logged: Logged) -> dict[str, np.ndarray]:
    """Impression rows of ``"all"``, each viewer profile and each title genre in the log.

    An impression counts in every official genre of its title.
    """
    out = {"all": np.arange(len(logged))}
    for p, name in enumerate(tastes.names):
        rows = np.flatnonzero(logged.profile == p)
        if rows.size:
            out[f"profile:{name or '(none)'}"] = rows
    genres = cands.title_genres[logged.title]
    for g, genre in enumerate(GENRES):
        rows = np.flatnonzero(genres[:, g])
        if rows.size:
            out[f"genre:{genre}"] = rows
    return out


def policy_targets(
    tastes: Tastes, cands: Candidates, logged: Logged, seed: int = 0
) -> Job[list[Target]]:
    """Fit the reward model on the log, then what each policy would have shown."""
    yield Meter("reward model").report(f"{len(logged)} impressions")
    reward = RewardModel.fit(tastes, cands, logged)
    return (yield from targets(tastes, cands, logged, reward, seed))


def estimate_segments(
    logged: Logged, policies: list[Target], parts: dict[str, np.ndarray], seed: int = 0
) -> Job[list[PolicyEstimate]]:
    """Every policy's estimates on every segment (the first policy must be ``logged``)."""
    modelled_logged = policies[0].modelled  # the logged policy shows the logged poster
    meter = Meter("estimate", len(parts))
    out: list[PolicyEstimate] = []
    for name, rows in parts.items():
        out.extend(estimate(logged, t, modelled_logged, rows, name, seed) for t in policies)
        meter.done += 1
        yield meter.report(name)
    return out


def evaluate_log(
    tastes: Tastes,
    cands: Candidates,
    logged: Logged,
    seed: int = 0,
    by_segment: bool = True,
) -> Job[list[PolicyEstimate]]:
    """Replay, IPS, SNIPS and DR with intervals for every policy, overall and per segment.

    :param tastes: the viewers' profiles; ``logged.profile`` indexes its rows
    """
    policies = yield from policy_targets(tastes, cands, logged, seed)
    parts = segments(tastes, cands, logged) if by_segment else {"all": np.arange(len(logged))}
    return (yield from estimate_segments(logged, policies, parts, seed))


def _truth(
    log: ImpressionLog, target: Target, tastes: Tastes, cands: Candidates, model: ViewerModel
) -> float:
    """The simulation's expected take rate of what ``target`` shows."""
    if target.name != "random":
        return float(play_probability(log, target.choice, tastes, cands, model).mean())
    pool = (cands.poster_ids >= 0).sum(axis=1)[log.title]
    total = np.zeros(len(log))
    for k in range(cands.shape[1]):
        chance = play_probability(log, np.minimum(k, pool - 1), tastes, cands, model)
        total += np.where(k < pool, chance, 0.0)
    return float((total / pool).mean())


def self_check(
    tastes: Tastes,
    cands: Candidates,
    impressions: int,
    seed: int = 0,
    model: ViewerModel | None = None,
) -> Job[list[PolicyEstimate]]:
    """Every policy's estimates on a simulated uniformly random log, with the true take rate.

    A sound estimator's 95% interval holds ``truth`` in about 95% of seeds.

    :param model: how simulated viewers respond (default: ``ViewerModel()``)
    """
    model = model or ViewerModel()
    yield Meter("simulate").report(f"{impressions} impressions")
    log = simulate_log(tastes, cands, impressions, seed, model)
    pool = (cands.poster_ids >= 0).sum(axis=1)[log.title]
    logged = Logged(log.profile, log.title, log.slot, 1.0 / pool, log.played)
    policies = yield from policy_targets(tastes, cands, logged, seed)
    found = yield from estimate_segments(logged, policies, {"all": np.arange(len(log))}, seed)
    truth = {t.name: _truth(log, t, tastes, cands, model) for t in policies}
    return [replace(e, truth=truth[e.policy]) for e in found]


def coverage(runs: list[list[PolicyEstimate]]) -> dict[str, float]:
    """Per estimator, the share of (run, policy) intervals that hold the true take rate."""
    held: dict[str, list[bool]] = {}
    for run in runs:
        for e in run:
            assert e.truth is not None, "coverage needs self-check estimates"
            for name, iv in e.estimates.items():
                held.setdefault(name, []).append(iv.contains(e.truth))
    return {name: float(np.mean(hits)) for name, hits in held.items()}
