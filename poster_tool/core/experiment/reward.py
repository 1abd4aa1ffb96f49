"""The simple reward model behind the doubly robust estimate.

A ridge-regularised linear probability model of a quality play on the LinUCB features
``[affinity * feel, feel, 1]``, fitted on the logged impressions.  It need not be right:
the doubly robust estimate corrects its errors with the propensities; it only has to be
close enough to make that correction small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from poster_tool.core.personalize.policy import N_GENRES
from poster_tool.core.personalize.replay import RIDGE, features

if TYPE_CHECKING:
    from poster_tool.core.experiment.estimators import Logged
    from poster_tool.core.personalize.policy import Candidates, Tastes

_CHUNK = 200_000  # impressions whose features are built at once (~80 MB of float64)


@dataclass(frozen=True)
class RewardModel:
    """Predicted take rate of a poster for a viewer: ``feel . (affinity * a + b) + c``."""

    tastes: Tastes
    cands: Candidates
    theta: np.ndarray

    @classmethod
    def fit(cls, tastes: Tastes, cands: Candidates, logged: Logged) -> RewardModel:
        """Least squares with a ridge of ``RIDGE`` on the logged posters and their plays."""
        d = 2 * N_GENRES + 1
        gram, moment = RIDGE * np.eye(d), np.zeros(d)
        for lo in range(0, len(logged), _CHUNK):
            rows = slice(lo, lo + _CHUNK)
            x = features(
                tastes.affinity[logged.profile[rows]],
                cands.feel[logged.title[rows], logged.slot[rows]],
            ).astype(np.float64)
            gram += x.T @ x
            moment += x.T @ logged.played[rows].astype(np.float64)
        return cls(tastes, cands, np.linalg.solve(gram, moment))

    def _viewer_weights(self, profile: np.ndarray) -> np.ndarray:
        """(n, genres): the weight of each genre of a poster's feel for these viewers."""
        a_f, f = self.theta[:N_GENRES], self.theta[N_GENRES : 2 * N_GENRES]
        return self.tastes.affinity[profile] * a_f + f

    def predict(self, profile: np.ndarray, title: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """Predicted take rate of showing ``slot`` (0 where it is -1: nothing is shown)."""
        out = np.zeros(len(slot))
        for lo in range(0, len(slot), _CHUNK):
            rows = slice(lo, lo + _CHUNK)
            feel = self.cands.feel[title[rows], np.maximum(slot[rows], 0)]
            value = (feel * self._viewer_weights(profile[rows])).sum(axis=1) + self.theta[-1]
            out[rows] = np.where(slot[rows] >= 0, np.clip(value, 0.0, 1.0), 0.0)
        return out

    def predict_uniform(self, profile: np.ndarray, title: np.ndarray) -> np.ndarray:
        """Predicted take rate of a poster drawn uniformly from each title's pool."""
        present = self.cands.poster_ids >= 0
        # The model is linear in the feel, so the pool's mean feel gives the mean prediction.
        mean_feel = (self.cands.feel * present[..., None]).sum(axis=1) / np.maximum(
            present.sum(axis=1), 1
        )[:, None]
        out = np.zeros(len(title))
        for lo in range(0, len(title), _CHUNK):
            rows = slice(lo, lo + _CHUNK)
            value = (mean_feel[title[rows]] * self._viewer_weights(profile[rows])).sum(axis=1)
            out[rows] = np.clip(value + self.theta[-1], 0.0, 1.0)
        return out
