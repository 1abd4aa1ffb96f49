"""Estimates from the impression logs stored in the catalog.

The logged impressions are mapped onto the policies' arrays: each viewer to a profile (the
log's ``profile`` column, else a profile named like the viewer, else "no profile", for whom
the genre-match policy shows the default), each poster to its slot among the title's
showable posters.  Impressions of posters that are no longer showable (rejected or marked
sensitive since) cannot be compared with any policy and are left out, with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from poster_tool.core.errors import PosterToolError
from poster_tool.core.experiment.estimators import Logged, PolicyEstimate
from poster_tool.core.experiment.evaluation import evaluate_log
from poster_tool.core.personalize.picks import load_candidates, tastes_of
from poster_tool.core.personalize.policy import Tastes
from poster_tool.core.personalize.profiles import list_profiles
from poster_tool.core.progress import Meter

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.progress import Job

NO_PROFILE = ""  # the taste row of viewers without a profile: no taste, default posters


@dataclass
class LogEstimates:
    """Every policy's estimates on the stored logs, overall first, then per segment."""

    impressions: int
    left_out: int
    viewers: int
    viewers_with_profile: int
    estimates: list[PolicyEstimate]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``experiment estimate --json``."""
        return {
            "impressions": self.impressions,
            "left_out": self.left_out,
            "viewers": self.viewers,
            "viewers_with_profile": self.viewers_with_profile,
            "warnings": self.warnings,
            "estimates": [e.to_dict() for e in self.estimates],
        }


def estimate_logs(
    store: PosterStore,
    log_ids: Sequence[int] | None = None,
    seed: int = 0,
    by_segment: bool = True,
) -> Job[LogEstimates]:
    """Replay, IPS, SNIPS and DR of every policy on the stored logs (all when ``None``).

    :raises PosterToolError: when there are no impressions to estimate from
    """
    yield Meter("load impressions").report()
    stored = store.load_impressions(log_ids)
    if not len(stored.title_id):
        raise PosterToolError(
            "no impressions to estimate from: import a log with 'poster-tool experiment import'"
        )
    profiles = list_profiles(store)
    base = tastes_of(profiles)
    tastes = Tastes(
        (*base.names, NO_PROFILE),
        np.vstack([base.affinity, np.zeros((1, base.affinity.shape[1]), np.float32)]),
        np.vstack([base.dislikes, np.zeros((1, base.dislikes.shape[1]), bool)]),
    )
    index = {name: i for i, name in enumerate(base.names)}
    profile = np.array(
        [
            index.get(named or viewer, len(base.names))
            for viewer, named in zip(stored.viewer, stored.profile, strict=True)
        ],
        np.int64,
    )
    title_ids = np.unique(stored.title_id)
    cands = load_candidates(store, [int(t) for t in title_ids])
    title = np.searchsorted(cands.title_ids, stored.title_id)
    # Where each logged poster sits among its title's showable posters (-1: not showable).
    slot = np.full(len(title), -1, np.int64)
    for k in range(cands.shape[1]):
        slot = np.where(cands.poster_ids[title, k] == stored.poster_id, k, slot)
    keep = slot >= 0
    logged = Logged(
        profile[keep], title[keep], slot[keep], stored.propensity[keep], stored.played[keep]
    )
    warnings = []
    left_out = int((~keep).sum())
    if left_out:
        warnings.append(
            f"{left_out} impressions show posters that are no longer showable (rejected or "
            "sensitive since): they are left out, so the logged take rate is of the rest"
        )
    if not len(logged):
        raise PosterToolError("none of the logged posters can be shown any more")
    pool = (cands.poster_ids >= 0).sum(axis=1)
    if (pool[logged.title] < 2).mean() > 0.5:
        warnings.append(
            "most impressions are of titles with a single showable poster: the policies "
            "can hardly differ there"
        )
    with_profile = profile[keep] < len(base.names)
    if not with_profile.any():
        warnings.append(
            "no viewer is matched to a profile (by the log's profile column or by name), "
            "so the genre-match policy shows defaults"
        )
    estimates = yield from evaluate_log(tastes, cands, logged, seed, by_segment)
    return LogEstimates(
        impressions=len(logged),
        left_out=left_out,
        viewers=len(set(stored.viewer)),
        viewers_with_profile=len(
            {v for v, p in zip(stored.viewer, profile, strict=True) if p < len(base.names)}
        ),
        estimates=estimates,
        warnings=warnings,
    )
